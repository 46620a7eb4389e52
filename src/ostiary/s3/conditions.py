"""Conditional requests and byte ranges for GetObject / HeadObject (and conditional PutObject).

Preconditions, API_GetObject and RFC 9110 §13.2.2 ("Precedence of Preconditions"):

1. If-Match present: when no entity tag matches, 412 PreconditionFailed (``Condition:
   If-Match``); If-Unmodified-Since is then ignored ("If both of the If-Match and
   If-Unmodified-Since headers are present … If-Match condition evaluates to true, and;
   If-Unmodified-Since condition evaluates to false; then, S3 returns 200 OK").
2. Otherwise If-Unmodified-Since: modified after the date, 412 (``If-Unmodified-Since``).
3. If-None-Match present: when an entity tag matches, 304 Not Modified; If-Modified-Since is
   then ignored ("If-None-Match condition evaluates to false, and; If-Modified-Since condition
   evaluates to true; then, S3 returns 304 Not Modified").
4. Otherwise If-Modified-Since (a valid date not in the future): not modified since, 304.

Dates that do not parse are ignored (RFC 9110 §13.1.3). Times compare at whole seconds, the
precision of Last-Modified.

Ranges, RFC 9110 §14 and S3's recorded behaviour: one ``bytes=first-last``, ``bytes=first-`` or
``bytes=-suffix`` range is served as 206 with Content-Range. A header that does not parse, or a
list of ranges, is ignored (the whole object, 200). A first byte at or past the end of the
object, or ``bytes=-0``, is 416 InvalidRange with ``RangeRequested`` and ``ActualObjectSize``.
A last byte past the end is clamped to the end.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

from ostiary import wire
from ostiary.errors import InvalidRange, PreconditionFailed

_RANGE = re.compile(r"\s*bytes\s*=\s*([0-9]*)\s*-\s*([0-9]*)\s*", re.IGNORECASE)
# Past every object's size (5 TiB) however many digits follow: positions are compared, never converted whole.
_BEYOND_ANY_OBJECT = 1 << 63


def _position(digits: str) -> int:
    """A byte position of the Range header; a longer digit string than any size has reads as "beyond the end"."""
    value = wire.parse_int(digits.lstrip("0") or "0")
    return _BEYOND_ANY_OBJECT if value is None else value


@dataclass(frozen=True, slots=True)
class ByteRange:
    first: int
    last: int  # inclusive
    size: int  # the whole object

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.first}-{self.last}/{self.size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range to serve, None for the whole object; InvalidRange when it cannot be satisfied."""
    if header is None:
        return None
    match = _RANGE.fullmatch(header)
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    last_byte = size - 1
    if not first_text:  # suffix range: the last N bytes
        suffix = _position(last_text)
        if suffix == 0:
            raise InvalidRange(RangeRequested=header, ActualObjectSize=str(size))
        if size == 0:
            return None
        return ByteRange(max(0, size - suffix), last_byte, size)
    first = _position(first_text)
    last = _position(last_text) if last_text else last_byte
    if first > last_byte:
        raise InvalidRange(RangeRequested=header, ActualObjectSize=str(size))
    if last_text and last < first:
        return None
    return ByteRange(first, min(last, last_byte), size)


def entity_tags(header: str) -> list[str]:
    """The tags of an If-Match / If-None-Match list, quotes and weak markers removed."""
    tags = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.append(tag.strip('"'))
    return tags


def etag_matches(header: str, etag: str | None) -> bool:
    """Whether an If-Match / If-None-Match list names `etag` (the hex digest); ``*`` names any object."""
    if etag is None:
        return False
    return any(tag in ("*", etag) for tag in entity_tags(header))


def http_date(header: str | None) -> dt.datetime | None:
    """An HTTP date (RFC 9110 §5.6.7); None for anything else, which the preconditions then ignore."""
    return wire.parse_http_date(header)


class Outcome(Enum):
    PROCEED = "proceed"
    NOT_MODIFIED = "not-modified"


@dataclass(frozen=True, slots=True)
class Preconditions:
    if_match: str | None = None
    if_none_match: str | None = None
    if_modified_since: str | None = None
    if_unmodified_since: str | None = None

    def evaluate(self, etag: str, last_modified: dt.datetime, now: dt.datetime) -> Outcome:
        """PROCEED or NOT_MODIFIED (304); raises PreconditionFailed (412)."""
        modified = last_modified.replace(microsecond=0)
        if self.if_match is not None:
            if not etag_matches(self.if_match, etag):
                raise PreconditionFailed(Condition="If-Match")
        else:
            unmodified_since = http_date(self.if_unmodified_since)
            if unmodified_since is not None and modified > unmodified_since:
                raise PreconditionFailed(Condition="If-Unmodified-Since")
        if self.if_none_match is not None:
            return Outcome.NOT_MODIFIED if etag_matches(self.if_none_match, etag) else Outcome.PROCEED
        modified_since = http_date(self.if_modified_since)
        if modified_since is not None and modified_since <= now and modified <= modified_since:
            return Outcome.NOT_MODIFIED
        return Outcome.PROCEED
