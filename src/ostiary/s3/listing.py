"""ListObjects (v1) and ListObjectsV2.

Semantics (API_ListObjectsV2, API_ListObjects, S3 User Guide "Organizing objects using prefixes"):

- Keys are listed in UTF-8 binary order. ``prefix`` restricts the keys; with a ``delimiter``,
  the keys whose remainder after the prefix contains the delimiter roll up into one
  CommonPrefix (prefix + remainder up to and including the first delimiter). A CommonPrefix
  counts once toward ``max-keys`` and ``KeyCount``.
- ``max-keys`` (default 1,000) may be 0 to 2,147,483,647; at most 1,000 entries are returned.
  Recorded texts: "Provided max-keys not an integer or within integer range" (ArgumentName
  ``max-keys``) and "Argument maxKeys must be an integer between 0 and 2147483647".
- v2 pages with an opaque ``continuation-token`` (NextContinuationToken when IsTruncated) or
  starts after ``start-after``; v1 starts after ``marker`` and returns NextMarker only when a
  delimiter was given. A marker inside a CommonPrefix skips that prefix, so paging by NextMarker
  never repeats one.
- ``encoding-type=url`` URL-encodes Key, Prefix, Delimiter, StartAfter, Marker and NextMarker
  and echoes ``<EncodingType>url</EncodingType>``; botocore decodes them only when it sees that
  element (observed with botocore 1.44; EncodingType: Amazon S3 API Reference, "ListObjectsV2",
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). Any other value:
  "Invalid Encoding Method specified in Request".
- v1 entries carry Owner; v2 entries only with ``fetch-owner=true``.

The scan walks the primary key with range queries: a CommonPrefix makes the next query jump past
every key that starts with it, so a bucket with many keys under one prefix lists cheaply.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Final
from urllib.parse import quote

from sqlalchemy import Connection

from ostiary import wire
from ostiary.errors import InvalidArgument
from ostiary.http import HttpResponse
from ostiary.s3 import xml
from ostiary.s3.access import Bucket, Keys, authorize, load_bucket
from ostiary.s3.buckets import owner_nodes
from ostiary.s3.metadata import checksum_of, storage_class_of
from ostiary.s3.request import S3Request
from ostiary.s3.responses import quoted, xml_response
from ostiary.store.objects import ObjectRecord, scan_objects

MAX_KEYS_DEFAULT: Final = 1_000
MAX_KEYS_LIMIT: Final = 2_147_483_647
_BATCH_MAX: Final = 1_001


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a scan resumes: at `value` (inclusive) or just after it."""

    value: str
    inclusive: bool

    def passed(self, key: str) -> bool:
        return key < self.value or (key == self.value and not self.inclusive)

    def encode(self) -> str:
        raw = ("i" if self.inclusive else "e") + self.value
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.b64decode(token.encode("ascii"), altchars=b"-_", validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raw = ""
        if not raw or raw[0] not in "ie" or "\x00" in raw:
            raise InvalidArgument("The continuation token provided is incorrect", ArgumentName="continuation-token")
        return cls(raw[1:], raw[0] == "i")


START: Final = Cursor("", True)


def after(marker: str) -> Cursor:
    """Just after `marker`. No key holds U+0000, so the keys after "a\\x00b" are those after "a": the scan asks
    for that (PostgreSQL text cannot hold U+0000)."""
    return Cursor(marker.split("\x00", 1)[0], False)


def successor(prefix: str) -> str | None:
    """The least string greater than every string that starts with `prefix` (None: there is none)."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if 0xD800 <= code <= 0xDFFF:
            code = 0xE000  # surrogates cannot be stored; the next storable code point
        if code <= 0x10FFFF:
            return "".join(chars) + chr(code)
    return None


@dataclass(frozen=True, slots=True)
class Entry:
    name: str  # the key, or the CommonPrefix
    record: ObjectRecord | None  # None for a CommonPrefix
    resume: Cursor | None  # where the next page starts (None: nothing can follow)


def entries(
    conn: Connection, bucket: str, *, prefix: str, delimiter: str, cursor: Cursor, skip: str | None, batch: int
) -> Iterator[Entry]:
    """Objects and CommonPrefixes in order, from `cursor`. A CommonPrefix that `skip` starts with is
    left out (a v1 marker or v2 start-after inside it)."""
    end = successor(prefix) if prefix else None
    if cursor.value < prefix:
        cursor = Cursor(prefix, True)
    while True:
        rows = scan_objects(
            conn,
            bucket,
            start=cursor.value if cursor.inclusive else "",
            after=None if cursor.inclusive else cursor.value,
            prefix=prefix,
            limit=batch,
            end=end,
        )
        for row in rows:
            if cursor.passed(row.key):
                continue  # inside a CommonPrefix this batch already rolled up
            rest = row.key[len(prefix) :]
            cut = rest.find(delimiter) if delimiter else -1
            if cut >= 0:
                common = prefix + rest[: cut + len(delimiter)]
                after = successor(common)
                if skip is None or not skip.startswith(common):
                    yield Entry(common, None, None if after is None else Cursor(after, True))
                if after is None:
                    return
                cursor = Cursor(after, True)
                continue
            cursor = Cursor(row.key, False)
            yield Entry(row.key, row, cursor)
        if len(rows) < batch:
            return


@dataclass(frozen=True, slots=True)
class ListParams:
    prefix: str
    delimiter: str
    max_keys: int  # as requested (echoed)
    encode: bool

    @property
    def limit(self) -> int:
        return min(self.max_keys, MAX_KEYS_DEFAULT)

    def text(self, value: str) -> str:
        return quote(value, safe="/") if self.encode else value


def list_params(request: S3Request) -> ListParams:
    raw = request.param("max-keys")
    max_keys = MAX_KEYS_DEFAULT
    if raw is not None:
        # S3 reads max-keys as a Java int: more digits than any int has is "not an integer or within integer range".
        max_keys = wire.parse_int(
            raw,
            signed=True,
            max_digits=len(str(MAX_KEYS_LIMIT)),
            error=lambda: InvalidArgument(
                "Provided max-keys not an integer or within integer range", ArgumentName="max-keys", ArgumentValue=raw
            ),
        )
        if not 0 <= max_keys <= MAX_KEYS_LIMIT:
            raise InvalidArgument(
                f"Argument maxKeys must be an integer between 0 and {MAX_KEYS_LIMIT}",
                ArgumentName="maxKeys",
                ArgumentValue=raw,
            )
    encoding = request.param("encoding-type")
    if encoding is not None and encoding != "url":
        raise InvalidArgument(
            "Invalid Encoding Method specified in Request", ArgumentName="encoding-type", ArgumentValue=encoding
        )
    return ListParams(request.param("prefix") or "", request.param("delimiter") or "", max_keys, encoding == "url")


def _authorize_list(request: S3Request, bucket: Bucket) -> None:
    # Service Authorization Reference, s3:ListBucket: s3:delimiter, s3:max-keys, s3:prefix.
    keys: Keys = {}
    for param, key in (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"), ("max-keys", "s3:max-keys")):
        value = request.param(param)
        if value is not None:
            keys[key] = (value,)
    authorize(request, "s3:ListBucket", bucket, keys=keys)


def _page(
    request: S3Request, bucket: Bucket, params: ListParams, cursor: Cursor, skip: str | None
) -> tuple[list[Entry], bool]:
    if "\x00" in params.prefix:
        return [], False  # no key holds U+0000 (the path refuses it), and PostgreSQL text cannot be asked for one
    batch = max(64, min(params.limit + 1, _BATCH_MAX))
    with request.call.store.read() as conn:
        found = entries(
            conn, bucket.name, prefix=params.prefix, delimiter=params.delimiter, cursor=cursor, skip=skip, batch=batch
        )
        page = list(islice(found, params.limit))
        truncated = next(found, None) is not None
    return page, truncated


def _contents(record: ObjectRecord, params: ListParams, owner: list[xml.Node] | None) -> xml.Node:
    checksum = checksum_of(record.metadata)
    return (
        "Contents",
        [
            ("Key", params.text(record.key)),
            ("LastModified", record.last_modified),
            ("ETag", quoted(record.etag)),
            ("ChecksumAlgorithm", checksum[0] if checksum else None),
            ("ChecksumType", "FULL_OBJECT" if checksum else None),
            ("Size", record.size),
            ("StorageClass", storage_class_of(record.metadata)),
            ("Owner", owner),
        ],
    )


def _entries_nodes(page: list[Entry], params: ListParams, owner: list[xml.Node] | None) -> list[xml.Node]:
    nodes = [_contents(e.record, params, owner) for e in page if e.record is not None]
    nodes.extend(("CommonPrefixes", [("Prefix", params.text(e.name))]) for e in page if e.record is None)
    return nodes


def list_objects_v2(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    params = list_params(request)
    _authorize_list(request, bucket)
    token = request.param("continuation-token")
    start_after = request.param("start-after")
    if token is not None:
        cursor = Cursor.decode(token)
        skip = None
    elif start_after:
        cursor, skip = after(start_after), start_after
    else:
        cursor, skip = START, None
    page, truncated = _page(request, bucket, params, cursor, skip)
    next_token = page[-1].resume.encode() if truncated and page and page[-1].resume else None
    owner = owner_nodes(request, bucket.account) if request.param("fetch-owner") == "true" else None
    nodes: list[xml.Node] = [
        ("Name", bucket.name),
        ("Prefix", params.text(params.prefix)),
        ("StartAfter", params.text(start_after) if start_after is not None else None),
        ("ContinuationToken", token),
        ("NextContinuationToken", next_token),
        ("KeyCount", len(page)),
        ("MaxKeys", params.max_keys),
        ("Delimiter", params.text(params.delimiter) if params.delimiter else None),
        ("EncodingType", "url" if params.encode else None),
        ("IsTruncated", truncated),
        *_entries_nodes(page, params, owner),
    ]
    return xml_response("ListBucketResult", nodes)


def list_objects(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    params = list_params(request)
    _authorize_list(request, bucket)
    marker = request.param("marker") or ""
    cursor = after(marker) if marker else START
    page, truncated = _page(request, bucket, params, cursor, marker or None)
    next_marker = page[-1].name if truncated and page and params.delimiter else None
    owner = owner_nodes(request, bucket.account)
    nodes: list[xml.Node] = [
        ("Name", bucket.name),
        ("Prefix", params.text(params.prefix)),
        ("Marker", params.text(marker)),
        ("NextMarker", params.text(next_marker) if next_marker is not None else None),
        ("MaxKeys", params.max_keys),
        ("Delimiter", params.text(params.delimiter) if params.delimiter else None),
        ("EncodingType", "url" if params.encode else None),
        ("IsTruncated", truncated),
        *_entries_nodes(page, params, owner),
    ]
    return xml_response("ListBucketResult", nodes)
