"""S3 REST-XML bodies: encoding responses, decoding the few XML requests we accept.

Responses follow the botocore S3 model and AWS's documented examples (the API Reference page of each
operation; errors: Amazon S3 API Reference, "Error responses",
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html):
an XML declaration, the root element in the ``http://s3.amazonaws.com/doc/2006-03-01/``
namespace, children in AWS's order, and lists that are either a named element inside a
wrapper (``<Buckets><Bucket>…``) or flattened siblings (``<Contents>…</Contents><Contents>…``),
never ``<member>``. A response is built from `Node` tuples: ``(name, value)`` where the value
is text, a number, a boolean, a timestamp, a sequence of child nodes, or None (element left out).

Requests: every XML body goes through `parse`, the one place in ostiary that reads XML. It uses
defusedxml's expat parser, which refuses a document type declaration, an entity declaration or an
external reference when expat meets it, whatever the document's encoding (UTF-8, UTF-16 with or
without a byte order mark, or any other encoding expat decodes). Each request document has limits
taken from its schema (`LIMITS`): its size, how deep elements nest and how many there are. Anything
refused, not well-formed, over a limit or with another root is MalformedXML, S3's answer for "The
XML you provided was not well-formed or did not validate against our published schema" (Amazon S3
API Reference, "Error responses": https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ostiary.errors import MalformedXML

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

Value = str | int | bool | dt.datetime | Sequence["Node"] | None
Node = tuple[str, Value]

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# Characters XML 1.0 cannot carry literally; S3 writes them as character references (which is why
# clients ask for encoding-type=url when keys may hold them).
_SPECIAL = re.compile('[&<>"\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _ESCAPES.get(char) or f"&#x{ord(char):X};"


def escape(value: str) -> str:
    return _SPECIAL.sub(_escape_char, value)


def timestamp(value: dt.datetime) -> str:
    """``2026-11-28T00:12:08.000Z``: S3's list timestamps carry milliseconds (as in the ListObjectsV2
    examples; observed with botocore 1.44 and the JS SDK v3)."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _encode(value: Value, out: list[str]) -> None:
    if isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(escape(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, dt.datetime):
        out.append(timestamp(value))
    elif value is not None:
        encode_nodes(value, out)


def encode_nodes(nodes: Sequence[Node], out: list[str]) -> None:
    for name, value in nodes:
        if value is None:
            continue
        out.append(f"<{name}>")
        _encode(value, out)
        out.append(f"</{name}>")


def document(root: str, nodes: Sequence[Node]) -> bytes:
    """A complete response body: declaration, namespaced root, children."""
    out = [DECLARATION, f'<{root} xmlns="{NAMESPACE}">']
    encode_nodes(nodes, out)
    out.append(f"</{root}>")
    return "".join(out).encode("utf-8")


def text_document(root: str, text: str) -> bytes:
    """A root element holding only text, empty-element form when the text is empty (GetBucketLocation)."""
    if not text:
        return f'{DECLARATION}<{root} xmlns="{NAMESPACE}"/>'.encode()
    return f'{DECLARATION}<{root} xmlns="{NAMESPACE}">{escape(text)}</{root}>'.encode()


# --- requests ------------------------------------------------------------------------------


def local_name(tag: str) -> str:
    """The tag without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1]


@dataclass(frozen=True, slots=True)
class XmlLimits:
    """How large a request document may be: bytes, element nesting depth, number of elements."""

    max_bytes: int
    max_depth: int
    max_elements: int


# Per root element, from the request's schema in the Amazon S3 API Reference:
# - DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html): "The request
#   can contain a list of up to 1,000 keys"; ``Delete/Object/Key`` nests three deep; an Object holds at
#   most Key, VersionId, ETag, LastModifiedTime and Size. A key is at most 1,024 bytes of UTF-8 ("Naming
#   Amazon S3 objects", https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html), up to
#   six bytes each once escaped as character references: 2 MiB holds 1,000 of the longest.
# - CreateBucket (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html):
#   ``CreateBucketConfiguration/Tags/Tag/Key`` nests four deep; a bucket carries at most 50 tags
#   ("Using cost allocation S3 bucket tags",
#   https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html).
LIMITS: Final[Mapping[str, XmlLimits]] = {
    "Delete": XmlLimits(max_bytes=2 << 20, max_depth=3, max_elements=2 + 6 * 1_000),
    "CreateBucketConfiguration": XmlLimits(max_bytes=64 << 10, max_depth=4, max_elements=256),
}
DEFAULT_LIMITS: Final = XmlLimits(max_bytes=64 << 10, max_depth=8, max_elements=1_024)


class _OverLimit(Exception):
    """The document nests deeper or holds more elements than its schema allows."""


class _BoundedTreeBuilder(ET.TreeBuilder):
    """A tree builder that stops the parse once the document breaks its depth or element limit."""

    def __init__(self, limits: XmlLimits) -> None:
        super().__init__()
        self._limits = limits
        self._depth = 0
        self._elements = 0

    def start(self, tag: str, attrs: dict[str, str], /) -> ET.Element:
        self._depth += 1
        self._elements += 1
        if self._depth > self._limits.max_depth or self._elements > self._limits.max_elements:
            raise _OverLimit()
        return super().start(tag, attrs)

    def end(self, tag: str, /) -> ET.Element:
        self._depth -= 1
        return super().end(tag)


def parse(body: bytes, root: str) -> ET.Element:
    """Parse a request body whose root element must be `root` (in S3's namespace or none).

    No DTD, entity declaration or external reference is ever processed: defusedxml stops the parse
    the moment expat reports one, before any entity is expanded or any URL or file is opened.
    """
    limits = LIMITS.get(root, DEFAULT_LIMITS)
    if len(body) > limits.max_bytes:
        raise MalformedXML()
    parser = DefusedXMLParser(
        target=_BoundedTreeBuilder(limits), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(body)
        element = parser.close()
    except (ET.ParseError, DefusedXmlException, _OverLimit, ValueError, LookupError):
        # ValueError and LookupError: a declared encoding that Python cannot decode or does not know.
        raise MalformedXML() from None
    if not isinstance(element, ET.Element):
        raise MalformedXML()
    namespace = element.tag[1:].split("}", 1)[0] if element.tag.startswith("{") else None
    if local_name(element.tag) != root or namespace not in (None, NAMESPACE):
        raise MalformedXML()
    return element


def children(element: ET.Element) -> list[tuple[str, ET.Element]]:
    return [(local_name(child.tag), child) for child in element]
