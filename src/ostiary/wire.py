"""Checked parsing of the integers, timestamps, enumerated values and JSON that arrive on the wire.

Theory of operation. Python's own parsers accept more than any AWS client sends, and fail in ways a handler does
not expect:

- ``str.isdigit()`` is true for ``"²"``, which ``int()`` then refuses with ValueError;
- ``int()`` accepts ``"٣"`` (any Unicode decimal digit), ``"1_000"`` and surrounding whitespace, and refuses
  strings of more than 4,300 digits (``sys.int_info.default_max_str_digits``);
- ``email.utils.parsedate_to_datetime`` raises OverflowError for a huge year;
- ``json.loads`` raises RecursionError for deeply nested arrays, and with ``parse_float=Decimal``
  decimal.InvalidOperation for a huge exponent;
- text that no encoder or store takes reaches them: raw bytes that are not UTF-8 (lone surrogates once decoded
  with surrogateescape), and U+0000, which PostgreSQL text refuses.

Each of those once turned a bad request into a 500. Every integer, timestamp and enumerated value read from a
request goes through the functions here instead: they accept ASCII only, bound the length before converting, and
either return None (the caller decides what absence means) or raise the error the caller passes as ``error``
(a factory, so each request raises a fresh exception with the AWS wire code that fits the input).

Pure: standard library only, so `sigv4`, `policy`, `protocol` and the S3 handlers can all use it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Final, TypeVar, overload

ErrorFactory = Callable[[], Exception]
E = TypeVar("E", bound=Enum)

# Enough for any 64-bit value; a longer digit string is never a count, size or index a client means.
MAX_DIGITS: Final = 20
# int() refuses longer digit strings (sys.int_info.default_max_str_digits): no caller may allow more.
_INT_DIGITS_LIMIT: Final = 4300
# Nesting no policy document or configuration needs; far below the interpreter's recursion limit.
MAX_JSON_DEPTH: Final = 64


def _fail(error: ErrorFactory | None) -> None:
    if error is not None:
        raise error()


def is_digits(text: str, max_digits: int = MAX_DIGITS) -> bool:
    """True when `text` is 1 to `max_digits` ASCII digits (``0``-``9``) and nothing else."""
    return 0 < len(text) <= min(max_digits, _INT_DIGITS_LIMIT) and text.isascii() and text.isdigit()


@overload
def parse_int(
    text: str | None,
    *,
    minimum: int | None = ...,
    maximum: int | None = ...,
    max_digits: int = ...,
    signed: bool = ...,
    strip: bool = ...,
    error: None = ...,
) -> int | None: ...


@overload
def parse_int(
    text: str | None,
    *,
    minimum: int | None = ...,
    maximum: int | None = ...,
    max_digits: int = ...,
    signed: bool = ...,
    strip: bool = ...,
    error: ErrorFactory,
) -> int: ...


def parse_int(
    text: str | None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    max_digits: int = MAX_DIGITS,
    signed: bool = False,
    strip: bool = False,
    error: ErrorFactory | None = None,
) -> int | None:
    """A decimal integer: ASCII digits only, at most `max_digits` of them, within [minimum, maximum].

    `signed` allows one leading ``+`` or ``-``; `strip` ignores surrounding spaces and tabs (HTTP header values,
    RFC 9110 §5.5). Anything else (None, empty, ``"²"``, ``"1_000"``, ``"0x10"``, a longer digit string, a value
    out of bounds) returns None, or raises ``error()`` when `error` is given.
    """
    if text is None:
        _fail(error)
        return None
    if strip:
        text = text.strip(" \t")
    sign = text[:1] if signed and text[:1] in ("+", "-") else ""
    digits = text[len(sign) :]
    if not is_digits(digits, max_digits):
        _fail(error)
        return None
    value = -int(digits) if sign == "-" else int(digits)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        _fail(error)
        return None
    return value


@overload
def parse_enum(text: str | None, kind: type[E], *, error: None = ...) -> E | None: ...


@overload
def parse_enum(text: str | None, kind: type[E], *, error: ErrorFactory) -> E: ...


def parse_enum(text: str | None, kind: type[E], *, error: ErrorFactory | None = None) -> E | None:
    """The member of `kind` whose value is exactly `text`; None (or ``error()``) for any other text."""
    for member in kind:
        if member.value == text:
            return member
    _fail(error)
    return None


# A decimal number as JSON and AWS documents write them: ASCII digits, an optional fraction and exponent. Not
# "NaN", "Infinity", "1_000" or other scripts' digits, all of which `Decimal` would take.
_DECIMAL: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,9})?")


def parse_decimal(text: str | None, *, strip: bool = False) -> Decimal | None:
    """An exact decimal number (``10``, ``-1.5``, ``2e3``); None for anything else."""
    if text is None:
        return None
    if strip:
        text = text.strip(" \t\r\n")
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # an exponent beyond Decimal's range
        return None


def replace_raw_bytes(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD.

    The server decodes the request target and headers as UTF-8 with surrogateescape, so that SigV4 can sign the
    exact bytes; a byte that is not UTF-8 becomes a lone surrogate, which no UTF-8 encoder (SQLite, psycopg, the
    XML writer) accepts. Percent-decoding with ``errors="replace"`` turns the same bytes, percent-encoded, into
    U+FFFD: values decoded from a raw query string get the same treatment.
    """
    if text.isascii():
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")  # the bytes that arrived
    except UnicodeEncodeError:  # a surrogate no byte decodes to: never from the wire, but never an error either
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


# --- timestamps ------------------------------------------------------------------------------------------------

# STS API Reference, "Common Parameters" (https://docs.aws.amazon.com/STS/latest/APIReference/CommonParameters.html):
# X-Amz-Date "must be ISO 8601 basic format (YYYYMMDD'T'HHMMSS'Z')". Explicit ASCII classes: `\d` would also match
# other scripts' digits.
_ISO_BASIC: Final = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z")

# RFC 9110 §5.6.7 "Date/Time Formats": IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is preferred; recipients
# also accept the obsolete RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
_MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_IMF_FIXDATE: Final = re.compile(
    r"(?:[A-Za-z]{3}, )?([0-9]{1,2})[ -]([A-Za-z]{3})[ -]([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT"
)
_RFC850: Final = re.compile(r"[A-Za-z]{6,9}, ([0-9]{2})-([A-Za-z]{3})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT")
_ASCTIME: Final = re.compile(r"[A-Za-z]{3} ([A-Za-z]{3}) ([ 0-9][0-9]) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([0-9]{4})")


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> dt.datetime | None:
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    except ValueError:  # a field out of range: month 13, February 30, hour 24…
        return None


def _month(name: str) -> int:
    lowered = name.lower()
    return _MONTHS.index(lowered) + 1 if lowered in _MONTHS else 0


def parse_amz_date(text: str | None) -> dt.datetime | None:
    """``20150830T123600Z`` (ISO 8601 basic, UTC) as an aware datetime; None for anything else."""
    match = _ISO_BASIC.fullmatch(text.strip(" \t")) if text is not None else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(group) for group in match.groups())
    return _utc(year, month, day, hour, minute, second)


def parse_http_date(text: str | None) -> dt.datetime | None:
    """An HTTP date (RFC 9110 §5.6.7: IMF-fixdate, RFC 850 or asctime) as an aware UTC datetime; None otherwise.

    RFC 850's two-digit year is read as the nearest year in the past century, as RFC 9110 asks; the caller
    supplies no clock, so years 00-69 are 2000-2069 and 70-99 are 1970-1999.
    """
    if text is None:
        return None
    text = text.strip(" \t")
    if match := _IMF_FIXDATE.fullmatch(text):
        day, month, year, hour, minute, second = match.groups()
    elif match := _RFC850.fullmatch(text):
        day, month, short_year, hour, minute, second = match.groups()
        year = str(int(short_year) + (2000 if int(short_year) < 70 else 1900))
    elif match := _ASCTIME.fullmatch(text):
        month, day, hour, minute, second, year = match.groups()
    else:
        return None
    number = _month(month)
    if not number:
        return None
    return _utc(int(year), number, int(day), int(hour), int(minute), int(second))


# --- JSON ---------------------------------------------------------------------------------------------------------

# A string (its closing quote optional, so an unterminated one ends the scan instead of being retried from every
# later quote) or one bracket: one linear pass over the text.
_JSON_TOKEN: Final = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text`, brackets inside strings not counted."""
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _unstorable(value: Any) -> bool:
    """Whether a decoded JSON value holds a string no store or encoder takes: U+0000 (PostgreSQL text refuses it)
    or a lone surrogate (no UTF-8 encoder writes it). Nesting is bounded by `decode_json`'s depth check."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def decode_json(text: str, *, max_depth: int = MAX_JSON_DEPTH, **options: Any) -> Any:
    r"""`json.loads` that raises only ValueError: for text that is not JSON, an integer longer than the interpreter
    converts, nesting deeper than `max_depth` (which would otherwise end in RecursionError), a number that
    ``parse_float=Decimal`` cannot hold (``1e9999999999999999999``, decimal.InvalidOperation), or a string that
    no store could hold: ``"\u0000"``, or a lone surrogate such as ``"\udcff"`` (RFC 8259 §8.2: "the behavior of
    software that receives JSON texts containing such values is unpredictable").
    """
    if json_depth(text) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    try:
        value = json.loads(text, **options)
    except (RecursionError, ArithmeticError) as exc:
        raise ValueError(f"JSON that cannot be decoded: {type(exc).__name__}") from None
    if ("\\u" in text or not text.isascii()) and _unstorable(value):
        raise ValueError("JSON with a string no store can hold (U+0000 or a lone surrogate)")
    return value
