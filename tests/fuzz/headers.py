"""S3 request headers with the values that once tripped a parser, and ordinary ones."""

from __future__ import annotations

import base64

from tests.fuzz.choosers import Chooser
from tests.fuzz.documents import HUGE_DIGITS

_MD5_LIKE = base64.b64encode(b"0123456789abcdef").decode()
_SHA256_LIKE = base64.b64encode(bytes(32)).decode()
_DATES = (
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
    "Mon, 01 Jan 2020 00:00:00 +99999999999999999999",
    "Mon, 01 Jan " + HUGE_DIGITS + " 00:00:00 GMT",
    "Thu, 01 Jan 2099 00:00:00 GMT",
    "yesterday",
    "",
)

S3_HEADERS: dict[str, tuple[str, ...]] = {
    "range": (
        "bytes=0-1",
        "bytes=-5",
        "bytes=5-",
        "bytes=0-0,1-1",
        "bytes=1-0",
        "bytes=-0",
        "items=0-1",
        "bytes=²-",
        "bytes=٣-",
        f"bytes={HUGE_DIGITS}-",
        f"bytes=0-{HUGE_DIGITS}",
        f"bytes=-{HUGE_DIGITS}",
    ),
    "if-match": ('"etag"', "*", 'W/"x"', '"a", "b"', ""),
    "if-none-match": ('"etag"', "*", 'W/"x"', ""),
    "if-modified-since": _DATES,
    "if-unmodified-since": _DATES,
    "content-md5": ("", "!!!", _MD5_LIKE, _SHA256_LIKE, "AAAA"),
    "x-amz-checksum-crc32": ("AAAAAA==", "!!!", "", _MD5_LIKE),
    "x-amz-checksum-crc32c": ("AAAAAA==", "x"),
    "x-amz-checksum-crc64nvme": ("AAAAAAAAAAA=", "AAAA"),
    "x-amz-checksum-sha1": ("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "x"),
    "x-amz-checksum-sha256": (_SHA256_LIKE, "AAAA"),
    "x-amz-checksum-xxhash64": ("AAAAAAAAAAA=",),
    "x-amz-sdk-checksum-algorithm": ("CRC32", "SHA256", "crc32", "BOGUS", ""),
    "x-amz-checksum-algorithm": ("CRC32", "MD5", "BOGUS"),
    "x-amz-checksum-mode": ("ENABLED", "enabled", "x"),
    "x-amz-acl": ("private", "bucket-owner-full-control", "public-read", "bogus", ""),
    "x-amz-grant-read": ('id="x"',),
    "x-amz-storage-class": ("STANDARD", "GLACIER", "bogus", ""),
    "x-amz-meta-a": ("b", "é", "\udcff", "a" * 3000, ""),
    "x-amz-meta-": ("x",),
    "content-type": ("text/plain", "application/octet-stream", "", "a/b; charset=\udcff", "x" * 500),
    "content-encoding": ("gzip", "aws-chunked", "aws-chunked,gzip", ""),
    "content-disposition": ("attachment", "é"),
    "cache-control": ("no-cache",),
    "expires": _DATES,
    "x-amz-copy-source": ("/fuzz-bucket-0/k", "fuzz-bucket-0/k", "/", "%zz", "/b/k?versionId=x"),
    "x-amz-tagging": ("a=b",),
    "x-amz-server-side-encryption": ("AES256", "aws:kms"),
    "x-amz-object-ownership": ("BucketOwnerEnforced", "ObjectWriter", "bogus"),
    "x-amz-bucket-object-lock-enabled": ("true", "false", "x"),
    "x-amz-expected-bucket-owner": ("424323427586", "999999999999", "²", ""),
    "x-amz-trailer": ("x-amz-checksum-crc32", "x-amz-checksum-bogus", ""),
    "x-amz-decoded-content-length": ("0", "5", "²", HUGE_DIGITS, "-1", ""),
    "x-amz-request-payer": ("requester",),
    "x-amz-mfa": ("x 1",),
    "x-amz-write-offset-bytes": ("0", "²"),
    "if-match-size": ("1",),
    "expect": ("100-continue",),
    "x-amz-website-redirect-location": ("/x",),
    "x-amz-object-lock-mode": ("GOVERNANCE",),
}
_NAMES = tuple(S3_HEADERS)


def s3_header(chooser: Chooser, account: str) -> tuple[str, str]:
    """One S3 header and a value for it."""
    name = chooser.choice(_NAMES)
    value = chooser.choice(S3_HEADERS[name])
    if name == "x-amz-expected-bucket-owner" and value == "424323427586":
        value = account
    if chooser.chance(0.05):
        value = chooser.text(12)
    return name, value
