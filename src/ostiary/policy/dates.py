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

_EPOCH_MAX: Final = 2**63 - 1
_ISO = re.compile(
    r"""^(?P<year>-?\d+)(?:-(?P<month>\d+)(?:-(?P<day>\d+))?)?
    (?:t(?P<hour>\d*)(?::(?P<minute>\d+)(?::(?P<second>\d+)(?:\.(?P<fraction>\d+))?)?)?
    (?:(?P<z>z)|(?P<sign>[+-])(?P<tzh>\d\d)(?::(?P<tzm>\d\d))?)?)?$""",
    re.VERBOSE,
)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_date(text: str) -> Fraction | None:
    """Seconds since the epoch for an ISO 8601 or epoch value; None when IAM would reject it."""
    value = text.strip().lower()
    if "t" not in value and "-" not in value[1:] and not value.startswith("-"):
        if not value.isdigit():
            return None
        seconds = int(value)
        return Fraction(seconds) if seconds <= _EPOCH_MAX else None
    m = _ISO.match(value)
    if m is None:
        return None
    year = int(m["year"])
    month = int(m["month"] or 1)
    day = int(m["day"] or 1)
    hour = int(m["hour"] or 0)
    minute = int(m["minute"] or 0)
    second = int(m["second"] or 0)
    limits_ok = (
        -292275054 <= year <= 292278993
        and 1 <= month <= 12
        and 1 <= day <= 31
        and hour <= 23
        and minute <= 59
        and second <= 59
        and len(m["fraction"] or "") <= 9
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
