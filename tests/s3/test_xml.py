"""The REST-XML codec: escaping, timestamps, element order, and refusing bad request XML."""

from __future__ import annotations

import datetime as dt

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
