"""Date values: the ISO 8601 shapes and epoch seconds IAM accepts, and their ordering."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ostiary.policy.dates import parse_date

ACCEPTED = [
    ("2017-07-01T00:00:00Z", Fraction(1498867200)),
    ("2019-07-01T13:20:15Z", Fraction(1561987215)),
    ("2016-12-13T21:20:37.593194+00:00", Fraction(1481664037) + Fraction(593194, 10**6)),
    ("2016-12-13t2:00:00.593194+23", Fraction(1481594400 - 23 * 3600) + Fraction(593194, 10**6)),
    ("2020-01-01T00:00:00-05:00", Fraction(1577854800)),
    ("2020-01-01", Fraction(1577836800)),
    ("1700000000", Fraction(1700000000)),
    ("0", Fraction(0)),
]
REJECTED = [
    "sdfdsf",
    "234-13",
    "2016-12-13t2:00:00.593194+1",
    "2016-12-13t2:00:00.1999999999+10:59",
    "9223372036854775808",
    "2020-01-01T24:00:00Z",
    "",
    "1.5",
    "2020-02-30X",
]


@pytest.mark.parametrize(("text", "seconds"), ACCEPTED)
def test_accepted(text: str, seconds: Fraction) -> None:
    assert parse_date(text) == seconds


@pytest.mark.parametrize("text", ["01T", "-292275054"])
def test_accepted_odd_shapes(text: str) -> None:
    # IAM accepts these (moto's recorded suite); they are far in the past.
    value = parse_date(text)
    assert value is not None and value < 0


@pytest.mark.parametrize("text", REJECTED)
def test_rejected(text: str) -> None:
    assert parse_date(text) is None
