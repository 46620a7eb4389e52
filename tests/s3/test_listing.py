"""ListObjectsV2 and ListObjects: prefix, delimiter, pagination, encoding, parameters, order, shapes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from ostiary import errors
from ostiary.s3 import canonical_user_id
from tests.s3.conftest import ACCOUNT, NOW, S3Client, body_bytes
from tests.s3.support import parse

KEYS = [
    "a",
    "a-b",
    "a/b",
    "a/b/c",
    "a/c",
    "b",
    "b/",
    "c d/e",
    "c+d/f",
    "dir/1",
    "dir/2",
    "dir/3",
    "dir/sub/4",
    "Z",
    "é/x",
    "😀",
    "z",
]


def reference(prefix: str, delimiter: str) -> list[tuple[str, str]]:
    """What one unlimited listing holds, in order: ("key", k) and ("prefix", p) entries."""
    out: list[tuple[str, str]] = []
    for key in sorted(k for k in KEYS if k.startswith(prefix)):
        rest = key[len(prefix) :]
        if delimiter and delimiter in rest:
            common = prefix + rest[: rest.index(delimiter) + len(delimiter)]
            if ("prefix", common) not in out:
                out.append(("prefix", common))
        else:
            out.append(("key", key))
    return out


@pytest.fixture
def listed(client: S3Client) -> S3Client:
    client.create_bucket("bkt")
    for key in KEYS:
        client.put("bkt", key, key.encode())
    return client


def entries(parsed: dict[str, Any]) -> list[tuple[str, str]]:
    found = [("key", c["Key"]) for c in parsed.get("Contents", [])]
    found += [("prefix", p["Prefix"]) for p in parsed.get("CommonPrefixes", [])]
    return sorted(found, key=lambda e: e[1])


def v2(client: S3Client, **params: str) -> dict[str, Any]:
    query = "&".join(["list-type=2"] + [f"{k.replace('_', '-')}={quote(v, safe='')}" for k, v in params.items()])
    return parse("ListObjectsV2", client.request("GET", "/bkt", query=query))


def v1(client: S3Client, **params: str) -> dict[str, Any]:
    query = "&".join(f"{k.replace('_', '-')}={quote(v, safe='')}" for k, v in params.items())
    return parse("ListObjects", client.request("GET", "/bkt", query=query))


CASES = [
    ("", ""),
    ("", "/"),
    ("a", ""),
    ("a", "/"),
    ("a/", "/"),
    ("dir/", "/"),
    ("dir/", ""),
    ("c", " "),
    ("", "d"),
    ("x", "/"),
]


@pytest.mark.parametrize(("prefix", "delimiter"), CASES)
def test_one_page(listed: S3Client, prefix: str, delimiter: str) -> None:
    parsed = v2(listed, prefix=prefix, delimiter=delimiter)
    assert entries(parsed) == sorted(reference(prefix, delimiter), key=lambda e: e[1])
    assert parsed["KeyCount"] == len(reference(prefix, delimiter))
    assert parsed["IsTruncated"] is False
    assert "NextContinuationToken" not in parsed
    assert parsed["Prefix"] == prefix
    assert parsed.get("Delimiter", "") == delimiter
    assert parsed["MaxKeys"] == 1000
    assert parsed["Name"] == "bkt"


def test_keys_sort_in_utf8_binary_order(listed: S3Client) -> None:
    keys = [c["Key"] for c in v2(listed)["Contents"]]
    assert keys == sorted(KEYS, key=lambda k: k.encode("utf-8"))
    assert keys[:3] == ["Z", "a", "a-b"]
    assert keys[-2:] == ["é/x", "😀"]


@pytest.mark.parametrize("max_keys", [1, 2, 3, 5, 1000])
@pytest.mark.parametrize(("prefix", "delimiter"), CASES)
def test_v2_pages_join_to_the_whole(listed: S3Client, prefix: str, delimiter: str, max_keys: int) -> None:
    collected: list[tuple[str, str]] = []
    token = None
    for _ in range(50):
        params = {"prefix": prefix, "delimiter": delimiter, "max_keys": str(max_keys)}
        if token:
            params["continuation_token"] = token
        page = v2(listed, **params)
        assert page["KeyCount"] == len(entries(page)) <= max_keys
        assert page.get("ContinuationToken") == token
        collected += entries(page)
        token = page.get("NextContinuationToken")
        assert page["IsTruncated"] is (token is not None)
        if token is None:
            break
    assert collected == reference(prefix, delimiter)


@pytest.mark.parametrize("max_keys", [1, 2, 4])
@pytest.mark.parametrize(("prefix", "delimiter"), CASES)
def test_v1_pages_join_to_the_whole(listed: S3Client, prefix: str, delimiter: str, max_keys: int) -> None:
    collected: list[tuple[str, str]] = []
    marker = ""
    for _ in range(50):
        page = v1(listed, prefix=prefix, delimiter=delimiter, max_keys=str(max_keys), marker=marker)
        assert page["Marker"] == marker
        found = entries(page)
        collected += found
        if not page["IsTruncated"]:
            assert "NextMarker" not in page
            break
        if delimiter:
            marker = page["NextMarker"]
            assert marker == max(e[1] for e in found)
        else:
            assert "NextMarker" not in page
            marker = page["Contents"][-1]["Key"]
    assert collected == reference(prefix, delimiter)


def test_start_after(listed: S3Client) -> None:
    parsed = v2(listed, start_after="dir/2")
    assert [c["Key"] for c in parsed["Contents"]][:2] == ["dir/3", "dir/sub/4"]
    assert parsed["StartAfter"] == "dir/2"
    # A start-after inside a CommonPrefix skips that prefix, as v1 markers do.
    assert [p["Prefix"] for p in v2(listed, start_after="dir/2", delimiter="/").get("CommonPrefixes", [])] == ["é/"]


def test_encoding_type_url(listed: S3Client) -> None:
    response = listed.request("GET", "/bkt", query="list-type=2&encoding-type=url&delimiter=%2F&prefix=c&start-after=c")
    body = body_bytes(response)
    assert b"<EncodingType>url</EncodingType>" in body
    assert b"<Prefix>c%20d/</Prefix>" in body
    assert b"<Prefix>c%2Bd/</Prefix>" in body
    parsed = parse("ListObjectsV2", response)
    assert parsed["EncodingType"] == "url"
    plain = body_bytes(listed.request("GET", "/bkt", query="list-type=2&prefix=c"))
    assert b"<Key>c d/e</Key>" in plain and b"EncodingType" not in plain
    v1_body = body_bytes(listed.request("GET", "/bkt", query="encoding-type=url&prefix=%C3%A9"))
    assert b"<Key>%C3%A9/x</Key>" in v1_body and b"<Prefix>%C3%A9</Prefix>" in v1_body


def test_max_keys_zero_and_above_the_limit(listed: S3Client) -> None:
    empty = v2(listed, max_keys="0")
    assert (empty["KeyCount"], empty["MaxKeys"], empty["IsTruncated"]) == (0, 0, True)
    assert "Contents" not in empty and "NextContinuationToken" not in empty
    big = v2(listed, max_keys="5000")
    assert (big["KeyCount"], big["MaxKeys"], big["IsTruncated"]) == (len(KEYS), 5000, False)


@pytest.mark.parametrize(
    ("query", "message", "extra"),
    [
        ("max-keys=x", "Provided max-keys not an integer or within integer range", {"ArgumentName": "max-keys"}),
        ("max-keys=-1", "Argument maxKeys must be an integer between 0 and 2147483647", {"ArgumentName": "maxKeys"}),
        (
            "max-keys=2147483648",
            "Argument maxKeys must be an integer between 0 and 2147483647",
            {"ArgumentName": "maxKeys"},
        ),
        ("encoding-type=base64", "Invalid Encoding Method specified in Request", {"ArgumentName": "encoding-type"}),
        ("continuation-token=", "The continuation token provided is incorrect", {"ArgumentName": "continuation-token"}),
        (
            "continuation-token=bm9wZQ",
            "The continuation token provided is incorrect",
            {"ArgumentName": "continuation-token"},
        ),
        (
            "continuation-token=%21%21",
            "The continuation token provided is incorrect",
            {"ArgumentName": "continuation-token"},
        ),
    ],
)
def test_bad_list_parameters(listed: S3Client, query: str, message: str, extra: dict[str, str]) -> None:
    with pytest.raises(errors.InvalidArgument) as caught:
        listed.request("GET", "/bkt", query="list-type=2&" + query)
    assert caught.value.text == message
    assert extra.items() <= caught.value.extra.items()


def test_entries_and_owner(listed: S3Client) -> None:
    listed.put("bkt", "with-checksum", b"hello-world\n", [("x-amz-checksum-crc32", "zt9a7Q==")])
    v2_page = v2(listed, prefix="with")
    [entry] = v2_page["Contents"]
    assert entry == {
        "Key": "with-checksum",
        "LastModified": NOW.replace(microsecond=0),
        "ETag": '"8a8933dab8deebe52e30886da1ef6ee2"',
        "ChecksumAlgorithm": ["CRC32"],
        "ChecksumType": "FULL_OBJECT",
        "Size": 12,
        "StorageClass": "STANDARD",
    }
    owner = {"ID": canonical_user_id(ACCOUNT), "DisplayName": ACCOUNT}
    assert v2(listed, prefix="with", fetch_owner="true")["Contents"][0]["Owner"] == owner
    assert v1(listed, prefix="with")["Contents"][0]["Owner"] == owner


def test_list_authorization_keys(listed: S3Client) -> None:
    listed.request("GET", "/bkt", query="list-type=2&prefix=home%2F&delimiter=%2F&max-keys=10")
    [call] = listed.calls()
    assert (call.action, call.resource) == ("s3:ListBucket", "arn:aws:s3:::bkt")
    assert {k: v for k, v in call.keys.items() if k in ("s3:prefix", "s3:delimiter", "s3:max-keys")} == {
        "s3:prefix": ("home/",),
        "s3:delimiter": ("/",),
        "s3:max-keys": ("10",),
    }
    assert call.keys["s3:ResourceAccount"] == (ACCOUNT,)
    listed.request("GET", "/bkt", query="list-type=2")
    assert "s3:prefix" not in listed.calls()[0].keys


def test_listing_a_missing_bucket(client: S3Client) -> None:
    with pytest.raises(errors.NoSuchBucket):
        client.request("GET", "/nope", query="list-type=2")


def test_many_keys_under_one_prefix(client: S3Client) -> None:
    client.create_bucket("bkt")
    for i in range(150):
        client.put("bkt", f"logs/{i:04d}", b"x")
    client.put("bkt", "m", b"x")
    client.put("bkt", "z/1", b"x")
    parsed = v2(client, delimiter="/", max_keys="2")
    assert entries(parsed) == [("prefix", "logs/"), ("key", "m")]
    rest = v2(client, delimiter="/", continuation_token=parsed["NextContinuationToken"])
    assert entries(rest) == [("prefix", "z/")]
    assert v2(client, prefix="logs/", max_keys="1000")["KeyCount"] == 150
