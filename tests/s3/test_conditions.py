"""Byte ranges (RFC 9110 §14) and preconditions (RFC 9110 §13.2.2, API_GetObject), as pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from ostiary.errors import InvalidRange, PreconditionFailed
from ostiary.s3.conditions import Outcome, Preconditions, entity_tags, parse_range

RANGES = [
    # header, size, (first, last) or None (whole object) or "416"
    (None, 10, None),
    ("bytes=0-4", 10, (0, 4)),
    ("bytes=2-", 10, (2, 9)),
    ("bytes=-3", 10, (7, 9)),
    ("bytes=-30", 10, (0, 9)),
    ("bytes=5-100", 10, (5, 9)),
    ("bytes=9-9", 10, (9, 9)),
    ("BYTES = 1 - 2", 10, (1, 2)),
    ("bytes=10-", 10, "416"),
    ("bytes=10-20", 10, "416"),
    ("bytes=20-10", 10, "416"),
    ("bytes=-0", 10, "416"),
    ("bytes=0-", 0, "416"),
    ("bytes=-5", 0, None),
    ("bytes=5-2", 10, None),  # last before first: ignored
    ("bytes=0-1,3-4", 10, None),  # several ranges: ignored
    ("bytes=a-b", 10, None),
    ("items=0-1", 10, None),
    ("bytes=-", 10, None),
]


@pytest.mark.parametrize(("header", "size", "expected"), RANGES)
def test_parse_range(header: str | None, size: int, expected: object) -> None:
    if expected == "416":
        with pytest.raises(InvalidRange) as caught:
            parse_range(header, size)
        assert caught.value.extra == {"RangeRequested": header, "ActualObjectSize": str(size)}
        assert caught.value.status == 416
        return
    found = parse_range(header, size)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.first, found.last) == expected
        assert found.content_range == f"bytes {found.first}-{found.last}/{size}"
        assert found.length == found.last - found.first + 1


def test_entity_tags() -> None:
    assert entity_tags('"a", W/"b" ,c') == ["a", "b", "c"]


MODIFIED = dt.datetime(2026, 11, 27, 12, 0, 0, 500000, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=dt.UTC)
BEFORE = "Fri, 27 Nov 2026 11:00:00 GMT"
SAME = "Fri, 27 Nov 2026 12:00:00 GMT"
AFTER = "Fri, 27 Nov 2026 13:00:00 GMT"
FUTURE = "Sun, 29 Nov 2026 13:00:00 GMT"
ETAG = "abc"

PRECONDITIONS = [
    # If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, outcome or the failing Condition
    (None, None, None, None, "proceed"),
    ('"abc"', None, None, None, "proceed"),
    ("*", None, None, None, "proceed"),
    ('"xyz"', None, None, None, "If-Match"),
    ('"xyz", "abc"', None, None, None, "proceed"),
    (None, None, None, BEFORE, "If-Unmodified-Since"),
    (None, None, None, SAME, "proceed"),
    (None, None, None, AFTER, "proceed"),
    ('"abc"', None, None, BEFORE, "proceed"),  # If-Match true wins over If-Unmodified-Since false
    ('"xyz"', None, None, AFTER, "If-Match"),
    (None, '"abc"', None, None, "not-modified"),
    (None, "*", None, None, "not-modified"),
    (None, '"xyz"', None, None, "proceed"),
    (None, None, BEFORE, None, "proceed"),
    (None, None, SAME, None, "not-modified"),
    (None, None, AFTER, None, "not-modified"),
    (None, None, FUTURE, None, "proceed"),  # a date in the future is ignored
    (None, None, "not a date", None, "proceed"),
    (None, '"abc"', BEFORE, None, "not-modified"),  # If-None-Match false -> 304 whatever the date
    (None, '"xyz"', AFTER, None, "proceed"),  # If-None-Match true: If-Modified-Since ignored
    ('"xyz"', '"abc"', None, None, "If-Match"),  # 412 before 304
]


@pytest.mark.parametrize(("if_match", "if_none_match", "ims", "ius", "expected"), PRECONDITIONS)
def test_preconditions(
    if_match: str | None, if_none_match: str | None, ims: str | None, ius: str | None, expected: str
) -> None:
    conditions = Preconditions(if_match, if_none_match, ims, ius)
    if expected in ("If-Match", "If-Unmodified-Since"):
        with pytest.raises(PreconditionFailed) as caught:
            conditions.evaluate(ETAG, MODIFIED, NOW)
        assert caught.value.extra == {"Condition": expected}
    else:
        assert conditions.evaluate(ETAG, MODIFIED, NOW) is Outcome(expected)
