"""Request targets that cannot name a bucket or key: InvalidURI, before any handler sees them."""

from __future__ import annotations

import pytest

from ostiary.errors import InvalidURI
from ostiary.s3.request import decode_path

# The server decodes the raw request target with surrogateescape, so a byte that is not UTF-8 arrives as a lone
# surrogate: "\udcff" is the raw byte 0xFF, "\udced\udcb3\udcbf" the bytes of an encoded surrogate.
RAW_FF = b"\xff".decode("utf-8", "surrogateescape")
RAW_SURROGATE = b"\xed\xb3\xbf".decode("utf-8", "surrogateescape")


@pytest.mark.parametrize(
    "raw",
    [
        f"/bucket/{RAW_FF}",
        f"/bucket/{RAW_SURROGATE}",
        f"/{RAW_FF}/key",
        "/bucket/%FF",
        "/bucket/%ED%B3%BF",  # a surrogate, UTF-8 encoded: not UTF-8 either
        "/bucket/a%00b",
        "bucket/key",
    ],
)
def test_paths_that_name_nothing(raw: str) -> None:
    with pytest.raises(InvalidURI):
        decode_path(raw)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("/bucket/é", "/bucket/é"),  # raw UTF-8 bytes decode as UTF-8
        ("/bucket/%C3%A9", "/bucket/é"),
        ("/bucket/%2541", "/bucket/%41"),
    ],
)
def test_paths(raw: str, path: str) -> None:
    assert decode_path(raw) == path
