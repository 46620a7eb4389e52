"""Date values for the `Date…` condition operators: ISO 8601 forms and epoch seconds.

`reference_policies_elements_condition_operators` ("Date condition operators"): "You must
specify the date/time using one of the W3C implementations of the ISO 8601 date formats or in
epoch (UNIX) time." IAM checks date values when a policy is written: a value it cannot read fails
with "The policy failed legacy parsing". The accepted shapes below are the ones recorded against
IAM in getmoto/moto's policy validation tests (facts, not code): a value containing ``T`` or
``-`` is ISO 8601 — ``YYYY[-MM[-DD]][Thh[:mm[:ss[.fraction]]][Z|±hh[:mm]]]`` with a possibly
signed, long year (``-292275054`` is accepted) and case-insensitive ``T``/``Z`` — anything else
must be epoch seconds, 0 to 2**63-1. Negative UTC offsets (``-05:00``) are accepted here too,
although the recorded tests only cover ``+``.

Instants are compared as seconds since the epoch (`fractions.Fraction`, exact), computed with a
proleptic Gregorian calendar so years outside `datetime`'s range still order correctly.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Final

from ostiary import wire

_EPOCH_MAX: Final = 2**63 - 1
# ASCII digits only: `\d` would take any script's digits, which `int` then reads or refuses.
_ISO = re.compile(
    r"""(?P<year>-?[0-9]+)(?:-(?P<month>[0-9]+)(?:-(?P<day>[0-9]+))?)?
    (?:t(?P<hour>[0-9]*)(?::(?P<minute>[0-9]+)(?::(?P<second>[0-9]+)(?:\.(?P<fraction>[0-9]+))?)?)?
    (?:(?P<z>z)|(?P<sign>[+-])(?P<tzh>[0-9][0-9])(?::(?P<tzm>[0-9][0-9]))?)?)?""",
    re.VERBOSE,
)
_EPOCH_DIGITS: Final = len(str(_EPOCH_MAX))
# No field of an accepted date has more significant digits than this (the year has 9).
_FIELD_DIGITS: Final = 10


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_FIELDS: Final = (("year", 0), ("month", 1), ("day", 1), ("hour", 0), ("minute", 0), ("second", 0))


def _field(text: str | None, default: int) -> int | None:
    """One numeric field, leading zeros ignored; None when it has more digits than any valid date's."""
    if not text:
        return default
    return wire.parse_int(text.lstrip("-").lstrip("0") or "0", max_digits=_FIELD_DIGITS)


def parse_date(text: str) -> Fraction | None:
    """Seconds since the epoch for an ISO 8601 or epoch value; None when IAM would reject it."""
    value = text.strip().lower()
    if "t" not in value and "-" not in value[1:] and not value.startswith("-"):
        seconds = wire.parse_int(value, maximum=_EPOCH_MAX, max_digits=_EPOCH_DIGITS)
        return Fraction(seconds) if seconds is not None else None
    m = _ISO.fullmatch(value)
    if m is None:
        return None
    fields = [_field(m[name], default) for name, default in _FIELDS]
    if None in fields or len(m["fraction"] or "") > 9:
        return None
    magnitude, month, day, hour, minute, second = (int(value) for value in fields if value is not None)
    year = -magnitude if m["year"].startswith("-") else magnitude
    limits_ok = (
        -292275054 <= year <= 292278993
        and 1 <= month <= 12
        and 1 <= day <= 31
        and hour <= 23
        and minute <= 59
        and second <= 59
    )
    if not limits_ok:
        return None
    offset = 0
    if m["sign"]:
        tzh, tzm = int(m["tzh"]), int(m["tzm"] or 0)
        if tzh > 23 or tzm > 59:
            return None
        offset = (tzh * 60 + tzm) * 60 * (1 if m["sign"] == "+" else -1)
    fraction = Fraction(int(m["fraction"]), 10 ** len(m["fraction"])) if m["fraction"] else Fraction(0)
    days = _days_from_civil(year, month, day)
    return Fraction(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
