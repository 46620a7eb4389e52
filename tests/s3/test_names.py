"""Bucket naming rules (S3 User Guide, bucketnamingrules.html) and key length."""

from __future__ import annotations

import pytest

from ostiary.errors import InvalidBucketName, KeyTooLongError
from ostiary.s3.names import bucket_name_problem, check_bucket_name, check_key

VALID = [
    "abc",
    "a" * 63,
    "my-bucket",
    "my.bucket.name",
    "123",
    "a1-b2.c3",
    "xn-single-dash",
    "bucket-s3alias-not-suffix",
    "192.168.5.4a",
]
INVALID = [
    ("ab", "characters"),
    ("a" * 64, "characters"),
    ("MyBucket", "characters"),
    ("my_bucket", "characters"),
    ("-bucket", "characters"),
    ("bucket-", "characters"),
    (".bucket", "characters"),
    ("bucket.", "characters"),
    ("buck et", "characters"),
    ("bücket", "characters"),
    ("my..bucket", "adjacent periods"),
    ("192.168.5.4", "IP address"),
    ("xn--bucket", "reserved prefix"),
    ("sthree-bucket", "reserved prefix"),
    ("sthree-configurator-x", "reserved prefix"),
    ("amzn-s3-demo-bucket", "reserved prefix"),
    ("bucket-s3alias", "reserved suffix"),
    ("bucket--ol-s3", "reserved suffix"),
    ("bucket.mrap", "reserved suffix"),
    ("bucket--x-s3", "reserved suffix"),
    ("bucket--table-s3", "reserved suffix"),
]


@pytest.mark.parametrize("name", VALID)
def test_valid_names(name: str) -> None:
    assert bucket_name_problem(name) is None
    check_bucket_name(name)


@pytest.mark.parametrize(("name", "rule"), INVALID)
def test_invalid_names(name: str, rule: str) -> None:
    assert bucket_name_problem(name) == rule
    with pytest.raises(InvalidBucketName) as caught:
        check_bucket_name(name)
    assert caught.value.extra == {"BucketName": name}


@pytest.mark.parametrize(
    ("key", "ok"), [("a" * 1024, True), ("a" * 1025, False), ("é" * 512, True), ("é" * 513, False)]
)
def test_key_length_counts_utf8_bytes(key: str, ok: bool) -> None:
    if ok:
        check_key(key)
    else:
        with pytest.raises(KeyTooLongError) as caught:
            check_key(key)
        assert caught.value.extra == {"Size": str(len(key.encode())), "MaxSizeAllowed": "1024"}
