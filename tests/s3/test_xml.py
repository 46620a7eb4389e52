"""The REST-XML codec: escaping, timestamps, element order, and refusing bad request XML."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from ostiary.errors import MalformedXML
from ostiary.s3 import xml


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("plain", "plain"),
        ('"etag"', "&quot;etag&quot;"),
        ("a<b>&c", "a&lt;b&gt;&amp;c"),
        ("tab\tnewline\n", "tab\tnewline\n"),
        ("ctl\x01\x1f", "ctl&#x1;&#x1F;"),
        ("é€😀", "é€😀"),
    ],
)
def test_escape(text: str, encoded: str) -> None:
    assert xml.escape(text) == encoded


def test_timestamps_carry_milliseconds_and_z() -> None:
    value = dt.datetime(2026, 11, 28, 0, 12, 8, 123999, tzinfo=dt.UTC)
    assert xml.timestamp(value) == "2026-11-28T00:12:08.123Z"
    other_zone = value.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert xml.timestamp(other_zone) == "2026-11-28T00:12:08.123Z"


def test_document_shape() -> None:
    body = xml.document(
        "Root",
        [
            ("Name", "n"),
            ("Skipped", None),
            ("Flag", False),
            ("Count", 3),
            ("Empty", ""),
            ("Item", [("Key", "a")]),
            ("Item", [("Key", "b")]),
        ],
    )
    assert body == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<Root xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>n</Name><Flag>false</Flag><Count>3</Count>'
        b"<Empty></Empty><Item><Key>a</Key></Item><Item><Key>b</Key></Item></Root>"
    )


def test_text_document() -> None:
    assert xml.text_document("LocationConstraint", "") == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>'
    )
    assert xml.text_document("LocationConstraint", "eu-west-1").endswith(b">eu-west-1</LocationConstraint>")


def test_parse_accepts_namespace_or_none() -> None:
    ns = b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet></Delete>'
    assert [name for name, _ in xml.children(xml.parse(ns, "Delete"))] == ["Quiet"]
    assert xml.parse(b"<Delete/>", "Delete") is not None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<Delete>",
        b"not xml",
        b"<Other/>",
        b'<Delete xmlns="http://example.com/"/>',
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Delete>&a;</Delete>',
    ],
)
def test_parse_refuses(body: bytes) -> None:
    with pytest.raises(MalformedXML):
        xml.parse(body, "Delete")


# --- hostile documents -----------------------------------------------------------------------------
# Every one is refused as MalformedXML: no DTD, entity or external reference is ever processed, in any
# encoding, and no document may nest deeper, hold more elements or weigh more than its schema allows.


def _laughs(levels: int) -> str:
    """The "billion laughs" entity bomb: each level expands to ten of the previous one."""
    entities = ['<!ENTITY l0 "lol">']
    entities += [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return f"<!DOCTYPE Delete [{''.join(entities)}]><Delete><Quiet>&l{levels};</Quiet></Delete>"


def _declared(encoding: str, rest: str) -> str:
    return f'<?xml version="1.0" encoding="{encoding}"?>{rest}'


INTERNAL = '<!DOCTYPE Delete [<!ENTITY a "true">]><Delete><Quiet>&a;</Quiet></Delete>'
FILE = '<!DOCTYPE Delete [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Quiet>&x;</Quiet></Delete>'
HTTP = '<!DOCTYPE Delete [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><Delete><Quiet>&x;</Quiet></Delete>'
PARAMETER = "<!DOCTYPE Delete [<!ENTITY % p \"<!ENTITY a 'true'>\"> %p;]><Delete><Quiet>&a;</Quiet></Delete>"
EXTERNAL_PARAMETER = '<!DOCTYPE Delete [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]><Delete/>'
EXTERNAL_DTD = '<!DOCTYPE Delete SYSTEM "file:///etc/passwd"><Delete/>'
BARE_DTD = "<!DOCTYPE Delete><Delete/>"
NS = "http://s3.amazonaws.com/doc/2006-03-01/"

HOSTILE: dict[str, bytes] = {
    "billion-laughs": _laughs(9).encode(),
    "laughs-below-expat-threshold-utf-16": _declared("UTF-16", _laughs(5)).encode("utf-16"),
    "internal-entity-utf-8": INTERNAL.encode(),
    "internal-entity-utf-16le-bom": _declared("UTF-16", INTERNAL).encode("utf-16"),
    "internal-entity-utf-16be-bom": b"\xfe\xff" + _declared("UTF-16", INTERNAL).encode("utf-16-be"),
    "internal-entity-utf-16le-no-bom": _declared("UTF-16", INTERNAL).encode("utf-16-le"),
    "internal-entity-utf-16be-no-bom": _declared("UTF-16", INTERNAL).encode("utf-16-be"),
    "internal-entity-utf-16-no-declaration": INTERNAL.encode("utf-16"),
    "internal-entity-utf-32": _declared("UTF-32", INTERNAL).encode("utf-32"),
    "internal-entity-utf-8-bom": _declared("UTF-8", INTERNAL).encode("utf-8-sig"),
    "internal-entity-utf-16-declared-utf-8": _declared("UTF-8", INTERNAL).encode("utf-16"),
    "internal-entity-utf-8-declared-utf-16": _declared("UTF-16", INTERNAL).encode(),
    "internal-entity-latin-1": _declared("ISO-8859-1", INTERNAL).encode("latin-1"),
    "internal-entity-ebcdic": _declared("cp037", INTERNAL).encode("cp037"),
    "external-file-entity": FILE.encode(),
    "external-file-entity-utf-16": _declared("UTF-16", FILE).encode("utf-16"),
    "external-http-entity": HTTP.encode(),
    "external-http-entity-utf-16be": _declared("UTF-16", HTTP).encode("utf-16-be"),
    "parameter-entity": PARAMETER.encode(),
    "parameter-entity-utf-16": _declared("UTF-16", PARAMETER).encode("utf-16"),
    "external-parameter-entity-utf-16": _declared("UTF-16", EXTERNAL_PARAMETER).encode("utf-16"),
    "external-dtd-utf-16": _declared("UTF-16", EXTERNAL_DTD).encode("utf-16"),
    "bare-doctype-utf-16": _declared("UTF-16", BARE_DTD).encode("utf-16"),
    "unknown-encoding": _declared("x-no-such-codec", "<Delete/>").encode(),
    "deep-nesting": b"<Delete>" + b"<a>" * 10_000 + b"</a>" * 10_000 + b"</Delete>",
    "nesting-below-key": b"<Delete><Object><Key>a<b>c</b></Key></Object></Delete>",
    "too-many-elements": b"<Delete>" + b"<Quiet/>" * 7_000 + b"</Delete>",
    "huge": b"<Delete><Object><Key>" + b"k" * (3 << 20) + b"</Key></Object></Delete>",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_documents_are_malformed_xml(body: bytes) -> None:
    with pytest.raises(MalformedXML):
        xml.parse(body, "Delete")


def test_documents_within_the_schema_limits_parse() -> None:
    objects = "".join(
        f"<Object><Key>{'k' * 1024}</Key><VersionId>v</VersionId><ETag>e</ETag>"
        "<LastModifiedTime>t</LastModifiedTime><Size>1</Size></Object>"
        for _ in range(1_000)
    )
    body = f'<Delete xmlns="{NS}">{objects}<Quiet>true</Quiet></Delete>'.encode()
    assert len(xml.children(xml.parse(body, "Delete"))) == 1_001
    tags = "".join(f"<Tag><Key>k{i}</Key><Value>v</Value></Tag>" for i in range(50))
    configuration = f"<CreateBucketConfiguration><Tags>{tags}</Tags></CreateBucketConfiguration>".encode()
    assert xml.parse(configuration, "CreateBucketConfiguration") is not None


SRC = Path(xml.__file__).parents[1]
# Parsers only: xml.sax.saxutils holds escaping helpers.
_PARSERS = re.compile(
    r"xml\.etree|xml\.dom|xml\.sax(?!\.saxutils)|xml\.parsers|\bexpat\b|minidom|lxml|defusedxml|fromstring\("
)


def test_every_xml_body_goes_through_the_one_parser() -> None:
    """No other module parses XML, and every document parsed has limits from its schema."""
    others = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path != Path(xml.__file__) and _PARSERS.search(path.read_text(encoding="utf-8"))
    ]
    assert others == []
    roots = {root for path in SRC.rglob("*.py") for root in re.findall(r'xml\.parse\(\w+, "(\w+)"\)', path.read_text())}
    assert roots and roots <= set(xml.LIMITS)
