"""S3 REST-XML bodies: encoding responses, decoding the few XML requests we accept.

Responses follow the botocore S3 model and AWS's documented examples (client-compat.md §4.3):
an XML declaration, the root element in the ``http://s3.amazonaws.com/doc/2006-03-01/``
namespace, children in AWS's order, and lists that are either a named element inside a
wrapper (``<Buckets><Bucket>…``) or flattened siblings (``<Contents>…</Contents><Contents>…``),
never ``<member>``. A response is built from `Node` tuples: ``(name, value)`` where the value
is text, a number, a boolean, a timestamp, a sequence of child nodes, or None (element left out).

Requests: bodies are parsed with the standard library's expat-based parser after refusing any
DOCTYPE (which rules out entity expansion); anything that is not well-formed is MalformedXML.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

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
    """``2026-11-28T00:12:08.000Z``: S3's list timestamps carry milliseconds (client-compat.md §4.4)."""
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


def parse(body: bytes, root: str) -> ET.Element:
    """Parse a request body whose root element must be `root` (in S3's namespace or none)."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise MalformedXML()
    try:
        element = ET.fromstring(body)  # noqa: S314 - no DOCTYPE, so no entity expansion (checked above)
    except ET.ParseError:
        raise MalformedXML() from None
    namespace = element.tag[1:].split("}", 1)[0] if element.tag.startswith("{") else None
    if local_name(element.tag) != root or namespace not in (None, NAMESPACE):
        raise MalformedXML()
    return element


def children(element: ET.Element) -> list[tuple[str, ET.Element]]:
    return [(local_name(child.tag), child) for child in element]
