"""The checked wire parsers: what they accept, what they refuse, and that they never raise anything else."""

from __future__ import annotations

import datetime as dt
import enum
import json
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ostiary import wire
from ostiary.errors import InvalidArgument

HUGE = "9" * 4400  # past int()'s 4,300-digit limit


class Colour(enum.Enum):
    RED = "red"
    BLUE = "Blue"


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("0", {}, 0),
        ("42", {}, 42),
        ("007", {}, 7),
        ("18446744073709551615", {}, 18446744073709551615),  # 20 digits
        ("184467440737095516150", {}, None),  # 21
        ("123", {"max_digits": 2}, None),
        ("²", {}, None),  # isdigit() is true; int() refuses it
        ("٣", {}, None),  # int() would read it as 3
        ("1_000", {}, None),
        ("0x10", {}, None),
        ("", {}, None),
        (None, {}, None),
        (HUGE, {}, None),
        (HUGE, {"max_digits": 5000}, None),  # never more digits than int() converts
        (" 7", {}, None),
        (" 7\t", {"strip": True}, 7),
        ("7\n", {"strip": True}, None),
        ("-5", {}, None),
        ("-5", {"signed": True}, -5),
        ("+5", {"signed": True}, 5),
        ("+", {"signed": True}, None),
        ("--5", {"signed": True}, None),
        ("5", {"minimum": 6}, None),
        ("5", {"maximum": 4}, None),
        ("5", {"minimum": 5, "maximum": 5}, 5),
    ],
)
def test_parse_int(text: str | None, options: dict[str, Any], expected: int | None) -> None:
    assert wire.parse_int(text, **options) == expected


def test_parse_int_raises_the_callers_error() -> None:
    def error() -> InvalidArgument:
        return InvalidArgument("bad", ArgumentName="n")

    assert wire.parse_int("3", minimum=1, maximum=5, error=error) == 3
    for bad in ("²", HUGE, "0", "6", None):
        with pytest.raises(InvalidArgument):
            wire.parse_int(bad, minimum=1, maximum=5, error=error)


@given(st.text(), st.booleans(), st.booleans(), st.integers(1, 40))
def test_parse_int_answers_any_text_with_an_int_or_none(text: str, signed: bool, strip: bool, digits: int) -> None:
    value = wire.parse_int(text, signed=signed, strip=strip, max_digits=digits)
    if value is not None:
        stripped = text.strip(" \t") if strip else text
        assert int(stripped) == value
        assert stripped.lstrip("+-").isascii()


def test_is_digits() -> None:
    assert wire.is_digits("0123")
    assert not wire.is_digits("")
    assert not wire.is_digits("²")
    assert not wire.is_digits("12345", max_digits=4)


def test_parse_enum() -> None:
    assert wire.parse_enum("red", Colour) is Colour.RED
    assert wire.parse_enum("Blue", Colour) is Colour.BLUE
    assert wire.parse_enum("blue", Colour) is None
    assert wire.parse_enum(None, Colour) is None
    with pytest.raises(InvalidArgument):
        wire.parse_enum("green", Colour, error=InvalidArgument)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", Decimal(10)),
        ("-1.5", Decimal("-1.5")),
        (".5", Decimal("0.5")),
        ("5.", Decimal(5)),
        ("2e3", Decimal(2000)),
        (" 10 ", Decimal(10)),
        ("1e99999999999", None),  # beyond Decimal's exponent range
        ("NaN", None),
        ("Infinity", None),
        ("٣", None),
        ("1_000", None),
        ("", None),
        ("1e", None),
    ],
)
def test_parse_decimal(text: str, expected: Decimal | None) -> None:
    assert wire.parse_decimal(text, strip=True) == expected


UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20261128T120000Z", dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)),
        (" 20261128T120000Z ", dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)),
        ("20261328T120000Z", None),  # month 13
        ("20260230T120000Z", None),
        ("20261128T240000Z", None),
        ("٢٠٢٦١١٢٨T120000Z", None),
        ("20261128T120000", None),
        ("2026-11-28T12:00:00Z", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_amz_date(text: str | None, expected: dt.datetime | None) -> None:
    assert wire.parse_amz_date(text) == expected


NOV_6 = dt.datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # RFC 9110 §5.6.7's three examples
        ("Sun, 06 Nov 1994 08:49:37 GMT", NOV_6),
        ("Sunday, 06-Nov-94 08:49:37 GMT", NOV_6),
        ("Sun Nov  6 08:49:37 1994", NOV_6),
        ("06 Nov 1994 08:49:37 GMT", NOV_6),
        ("Sun, 6 nov 1994 08:49:37 GMT", NOV_6),
        ("Sunday, 06-Nov-26 08:49:37 GMT", dt.datetime(2026, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Mon, 01 Jan 99999999999999999999 00:00:00 GMT", None),  # email.utils: OverflowError
        ("Mon, 01 Jan " + HUGE + " 00:00:00 GMT", None),
        ("Mon, 30 Feb 2026 00:00:00 GMT", None),
        ("Mon, 01 Foo 2026 00:00:00 GMT", None),
        ("Mon, 01 Jan 2026 00:00:00 +0000", None),
        ("Mon, 01 Jan ٢٠٢٦ 00:00:00 GMT", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_http_date(text: str | None, expected: dt.datetime | None) -> None:
    assert wire.parse_http_date(text) == expected


@given(st.text(max_size=60))
def test_date_parsers_answer_any_text_with_a_date_or_none(text: str) -> None:
    for parse in (wire.parse_amz_date, wire.parse_http_date):
        value = parse(text)
        assert value is None or value.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('{"a": "[[[[{{{{"}', 1),  # brackets inside strings do not count
        ('{"a": "\\"[["}', 1),
        ('"unterminated [[[[', 0),
    ],
)
def test_json_depth(text: str, depth: int) -> None:
    assert wire.json_depth(text) == depth


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,  # RecursionError from json.loads
        "[" * 65 + "]" * 65,
        "[" + HUGE + "]",  # int()'s digit limit, inside the decoder
        "[1e9999999999999999999]",  # decimal.InvalidOperation with parse_float=Decimal
        '{"a": "\\udcff"}',  # a lone surrogate: no UTF-8 encoder can write it
        '{"a": ["x\\u0000y"]}',  # U+0000: PostgreSQL text cannot hold it
        '{"a\\u0000": 1}',
        '{"a": "\\ud83d"}',
        '{"a": "\udcff"}',
        "{",
        "",
    ],
)
def test_decode_json_raises_only_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        wire.decode_json(text, parse_float=Decimal)


def test_decode_json_decodes() -> None:
    assert wire.decode_json('{"a": [1.5]}', parse_float=Decimal) == {"a": [Decimal("1.5")]}
    nested = "[" * 64 + "]" * 64
    assert wire.decode_json(nested) == json.loads(nested)
    assert wire.decode_json('["\\ud83d\\ude00", "é", "\\u00e9"]') == ["\U0001f600", "é", "é"]


def test_the_module_is_pure() -> None:
    code = "import sys, json; import ostiary.wire; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True).stdout))
    assert {name for name in loaded if name.startswith("ostiary.")} == {"ostiary.wire"}
    assert not {"socket", "asyncio", "sqlite3", "logging", "threading", "email"} & loaded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("é😀", "é😀"),
        (b"a\xffb".decode("utf-8", "surrogateescape"), "a\ufffdb"),  # one raw byte, one replacement
        (b"\xed\xb3\xbf".decode("utf-8", "surrogateescape"), "\ufffd\ufffd\ufffd"),
        ("\ud83d", "\ufffd" * 3),  # no byte decodes to it; its three encoded bytes are replaced
    ],
)
def test_replace_raw_bytes(text: str, expected: str) -> None:
    assert wire.replace_raw_bytes(text) == expected
    wire.replace_raw_bytes(text).encode("utf-8")
