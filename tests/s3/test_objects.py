"""PutObject, GetObject, HeadObject, DeleteObject: metadata, integrity, ranges, conditions, crash safety."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ostiary import errors
from ostiary.http import FileBody
from ostiary.sigv4.checksums import checksum_b64
from ostiary.store.objects import get_object
from tests.s3.conftest import ALICE, ANONYMOUS, NOW, S3Client, body_bytes, header, object_files
from tests.s3.support import parse

DATA = b"hello-world\n"
MD5 = hashlib.md5(DATA).hexdigest()


@pytest.fixture
def bucket(client: S3Client) -> S3Client:
    client.create_bucket("bkt")
    return client


def test_put_then_get(bucket: S3Client) -> None:
    response = bucket.put(
        "bkt",
        "dir/hello.txt",
        DATA,
        [
            ("content-type", "text/plain"),
            ("content-encoding", "identity"),
            ("content-disposition", 'attachment; filename="h.txt"'),
            ("cache-control", "max-age=60"),
            ("content-language", "en"),
            ("expires", "Thu, 01 Dec 2026 16:00:00 GMT"),
            ("x-amz-meta-Color", "blue"),
            ("x-amz-meta-mtime", "1795823683.556745213"),
        ],
    )
    assert response.status == 200
    assert parse("PutObject", response) == {"ETag": f'"{MD5}"'}
    got = bucket.get("bkt", "dir/hello.txt")
    assert got.status == 200
    assert isinstance(got.body, FileBody) and got.body.offset == 0 and got.body.length == len(DATA)
    assert body_bytes(got) == DATA
    parsed = parse("GetObject", got)
    parsed.pop("Body", None)
    assert header(got, "Expires") == "Thu, 01 Dec 2026 16:00:00 GMT"
    assert parsed == {
        "AcceptRanges": "bytes",
        "ETag": f'"{MD5}"',
        "LastModified": NOW.replace(microsecond=0),
        "ContentType": "text/plain",
        "ContentEncoding": "identity",
        "ContentDisposition": 'attachment; filename="h.txt"',
        "CacheControl": "max-age=60",
        "ContentLanguage": "en",
        "Expires": parsed["Expires"],
        "Metadata": {"color": "blue", "mtime": "1795823683.556745213"},
    }
    assert header(got, "Last-Modified") == "Fri, 27 Nov 2026 23:56:28 GMT"


def test_head_object(bucket: S3Client) -> None:
    bucket.put("bkt", "k", DATA)
    head = bucket.request("HEAD", "/bkt/k")
    assert (head.status, head.body) == (200, b"")
    assert header(head, "Content-Length") == str(len(DATA))
    assert parse("HeadObject", head)["ContentType"] == "binary/octet-stream"
    assert bucket.calls()[0].action == "s3:GetObject"


def test_keys_are_kept_exactly(bucket: S3Client) -> None:
    for key in ["a b+c=d&é~*'(x).txt", "/leading", "trailing/", "dou//ble", "..", "%41"]:
        bucket.put("bkt", key, key.encode())
        assert body_bytes(bucket.get("bkt", key)) == key.encode()
    with bucket.store.read() as conn:
        assert get_object(conn, "bkt", "%41") is not None
        assert get_object(conn, "bkt", "A") is None


def test_replacing_an_object_removes_the_old_file(bucket: S3Client) -> None:
    bucket.put("bkt", "k", b"one")
    [first] = object_files(bucket.store)
    bucket.put("bkt", "k", b"two")
    [second] = object_files(bucket.store)
    assert first != second and not first.exists()
    assert body_bytes(bucket.get("bkt", "k")) == b"two"


def test_delete_object_is_idempotent(bucket: S3Client) -> None:
    bucket.put("bkt", "k", DATA)
    response = bucket.request("DELETE", "/bkt/k")
    assert (response.status, response.body) == (204, b"")
    assert object_files(bucket.store) == []
    assert bucket.request("DELETE", "/bkt/k").status == 204
    [call] = bucket.calls()
    assert (call.action, call.resource) == ("s3:DeleteObject", "arn:aws:s3:::bkt/k")


def test_missing_key_is_404_for_callers_who_may_list(bucket: S3Client) -> None:
    with pytest.raises(errors.NoSuchKey) as caught:
        bucket.get("bkt", "missing")
    assert caught.value.extra == {"Key": "missing"}
    assert [c.action for c in bucket.calls()] == ["s3:GetObject", "s3:ListBucket"]


def test_missing_key_is_403_without_list_bucket(bucket: S3Client) -> None:
    bucket.deny = lambda caller, action, resource: action == "s3:ListBucket"
    with pytest.raises(errors.AccessDenied) as caught:
        bucket.get("bkt", "missing")
    assert "s3:ListBucket" in caught.value.text
    bucket.put("bkt", "present", DATA)
    assert bucket.get("bkt", "present").status == 200


def test_authorization_comes_before_existence(bucket: S3Client) -> None:
    bucket.deny = lambda caller, action, resource: action == "s3:GetObject"
    with pytest.raises(errors.AccessDenied):
        bucket.get("bkt", "missing")
    assert [c.action for c in bucket.calls()] == ["s3:GetObject"]


def test_missing_bucket(client: S3Client) -> None:
    with pytest.raises(errors.NoSuchBucket) as caught:
        client.put("nope-bucket", "k", DATA)
    assert caught.value.extra == {"BucketName": "nope-bucket"}
    assert object_files(client.store) == []


def test_put_authorization_and_keys(bucket: S3Client) -> None:
    from ostiary.api import RequestInfo

    info = RequestInfo(
        auth_type="REST-HEADER",
        signature_version="AWS4-HMAC-SHA256",
        signature_age_ms=1500,
        content_sha256="UNSIGNED-PAYLOAD",
    )
    bucket.put("bkt", "k", DATA, [("x-amz-acl", "private"), ("x-amz-storage-class", "STANDARD")], info=info)
    [call] = bucket.calls()
    assert (call.action, call.resource) == ("s3:PutObject", "arn:aws:s3:::bkt/k")
    assert call.kwargs["resource_display"] == '"arn:aws:s3:::bkt/k"'
    assert dict(call.keys) == {
        "s3:authType": ("REST-HEADER",),
        "s3:signatureversion": ("AWS4-HMAC-SHA256",),
        "s3:signatureAge": ("1500",),
        "s3:x-amz-content-sha256": ("UNSIGNED-PAYLOAD",),
        "s3:ResourceAccount": ("111122223333",),
        "s3:x-amz-acl": ("private",),
        "s3:x-amz-storage-class": ("STANDARD",),
    }


def test_a_denied_put_reads_no_body(bucket: S3Client) -> None:
    class Exploding:
        def read(self, size: int = -1) -> bytes:
            raise AssertionError("the body must not be read")

    with pytest.raises(errors.AccessDenied):
        bucket.put("bkt", "k", Exploding(), [("content-length", "5")], caller=ANONYMOUS)


# --- integrity ------------------------------------------------------------------------------


def test_content_md5(bucket: S3Client) -> None:
    good = base64.b64encode(hashlib.md5(DATA).digest()).decode()
    assert bucket.put("bkt", "k", DATA, [("content-md5", good)]).status == 200
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(errors.BadDigest) as bad:
        bucket.put("bkt", "k2", DATA, [("content-md5", wrong)])
    assert bad.value.extra == {"ExpectedDigest": hashlib.md5(b"other").hexdigest(), "CalculatedDigest": good}
    with pytest.raises(errors.InvalidDigest) as invalid:
        bucket.put("bkt", "k3", DATA, [("content-md5", "not-base64!")])
    assert invalid.value.extra == {"Content-MD5": "not-base64!"}
    assert invalid.value.text == "The Content-MD5 you specified was invalid."
    with bucket.store.read() as conn:
        assert get_object(conn, "bkt", "k2") is None
    assert len(object_files(bucket.store)) == 1


ALGORITHMS = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_checksums_are_verified_stored_and_returned(bucket: S3Client, algorithm: str) -> None:
    name = f"x-amz-checksum-{algorithm}"
    value = checksum_b64(name, DATA)
    put = bucket.put("bkt", "k", DATA, [(name, value), ("x-amz-sdk-checksum-algorithm", algorithm.upper())])
    assert header(put, name) == value
    assert header(put, "x-amz-checksum-type") == "FULL_OBJECT"
    plain = bucket.get("bkt", "k")
    assert header(plain, name) is None
    enabled = bucket.get("bkt", "k", [("x-amz-checksum-mode", "ENABLED")])
    assert header(enabled, name) == value
    ranged = bucket.get("bkt", "k", [("x-amz-checksum-mode", "ENABLED"), ("range", "bytes=0-1")])
    assert header(ranged, name) is None  # a part of the object does not have the object's checksum
    head = bucket.request("HEAD", "/bkt/k", headers=[("x-amz-checksum-mode", "ENABLED")])
    assert header(head, name) == value


def test_checksum_and_md5_mismatches(bucket: S3Client) -> None:
    wrong = checksum_b64("x-amz-checksum-crc32", b"other")
    with pytest.raises(errors.BadDigest) as caught:
        bucket.put("bkt", "k", DATA, [("x-amz-checksum-crc32", wrong)])
    assert caught.value.text == "The CRC32 you specified did not match the calculated checksum."
    assert object_files(bucket.store) == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([("x-amz-checksum-crc32", "abc")], "Value for x-amz-checksum-crc32 header is invalid."),
        ([("x-amz-checksum-sha256", "zt9a7Q==")], "Value for x-amz-checksum-sha256 header is invalid."),
        (
            [("x-amz-checksum-crc32", "zt9a7Q=="), ("x-amz-checksum-sha1", base64.b64encode(bytes(20)).decode())],
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        ),
        (
            [("x-amz-sdk-checksum-algorithm", "CRC32")],
            "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers "
            "were found.",
        ),
    ],
)
def test_malformed_checksum_headers(bucket: S3Client, headers: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        bucket.put("bkt", "k", DATA, headers)
    assert caught.value.text == message


def test_trailer_checksum_is_stored(bucket: S3Client) -> None:
    headers = [
        ("content-encoding", "aws-chunked"),
        ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
        ("x-amz-decoded-content-length", str(len(DATA))),
        ("x-amz-trailer", "x-amz-checksum-crc32"),
        ("x-amz-sdk-checksum-algorithm", "CRC32"),
    ]
    # The server hands over the decoded body; no Content-Length.
    put = bucket.request("PUT", "/bkt/k", headers=headers, body=_Stream(DATA))
    assert header(put, "x-amz-checksum-crc32") == "zt9a7Q=="
    got = bucket.get("bkt", "k", [("x-amz-checksum-mode", "ENABLED")])
    assert header(got, "x-amz-checksum-crc32") == "zt9a7Q=="
    assert header(got, "Content-Encoding") is None  # aws-chunked is not the object's coding


class _Stream:
    def __init__(self, data: bytes, fail_after: int | None = None) -> None:
        self.data, self.pos, self.fail_after = data, 0, fail_after

    def read(self, size: int = -1) -> bytes:
        if self.fail_after is not None and self.pos >= self.fail_after:
            raise errors.XAmzContentSHA256Mismatch()
        size = len(self.data) if size < 0 else min(size, 3)
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk


# --- sizes, metadata, unsupported headers -----------------------------------------------------------


def test_sizes(bucket: S3Client) -> None:
    with pytest.raises(errors.MissingContentLength):
        bucket.request("PUT", "/bkt/k", body=_Stream(DATA))
    with pytest.raises(errors.EntityTooLarge) as caught:
        bucket.request("PUT", "/bkt/k", headers=[("content-length", str(5 * 2**30 + 1))], body=_Stream(b""))
    assert caught.value.extra == {"ProposedSize": str(5 * 2**30 + 1), "MaxSizeAllowed": str(5 * 2**30)}
    with pytest.raises(errors.IncompleteBody):
        bucket.request("PUT", "/bkt/k", headers=[("content-length", "100")], body=_Stream(DATA))
    assert bucket.put("bkt", "empty", b"", [("content-length", "0")]).status == 200
    assert body_bytes(bucket.get("bkt", "empty")) == b""
    assert object_files(bucket.store)[0].stat().st_size == 0


def test_user_metadata_limit(bucket: S3Client) -> None:
    assert bucket.put("bkt", "k", DATA, [("x-amz-meta-a", "x" * 2047)]).status == 200
    with pytest.raises(errors.MetadataTooLarge) as caught:
        bucket.put("bkt", "k", DATA, [("x-amz-meta-ab", "x" * 2047)])
    assert caught.value.extra == {"Size": "2049", "MaxSizeAllowed": "2048"}


def test_key_too_long(bucket: S3Client) -> None:
    with pytest.raises(errors.KeyTooLongError):
        bucket.put("bkt", "k" * 1025, DATA)


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ([("x-amz-acl", "bucket-owner-full-control")], None),
        ([("x-amz-acl", "public-read")], errors.AccessControlListNotSupported),
        ([("x-amz-acl", "nonsense")], errors.InvalidArgument),
        ([("x-amz-grant-read", "id=abc")], errors.AccessControlListNotSupported),
        ([("x-amz-storage-class", "GLACIER")], None),
        ([("x-amz-storage-class", "COLD")], errors.InvalidStorageClass),
        ([("x-amz-server-side-encryption", "AES256")], errors.NotImplemented),
        ([("x-amz-tagging", "a=b")], errors.NotImplemented),
        ([("x-amz-object-lock-mode", "GOVERNANCE")], errors.NotImplemented),
        ([("x-amz-checksum-xxhash64", "AAAAAAAAAAA=")], errors.NotImplemented),
    ],
)
def test_put_headers(bucket: S3Client, headers: list[tuple[str, str]], error: type[errors.AwsError] | None) -> None:
    if error is None:
        assert bucket.put("bkt", "k", DATA, headers).status == 200
    else:
        with pytest.raises(error):
            bucket.put("bkt", "k", DATA, headers)


def test_storage_class_is_returned_and_listed(bucket: S3Client) -> None:
    bucket.put("bkt", "k", DATA, [("x-amz-storage-class", "STANDARD_IA")])
    assert header(bucket.get("bkt", "k"), "x-amz-storage-class") == "STANDARD_IA"
    listed = parse("ListObjectsV2", bucket.request("GET", "/bkt", query="list-type=2"))
    assert listed["Contents"][0]["StorageClass"] == "STANDARD_IA"


def test_version_ids(bucket: S3Client) -> None:
    bucket.put("bkt", "k", DATA)
    assert bucket.get("bkt", "k", query="versionId=null").status == 200
    with pytest.raises(errors.InvalidArgument) as caught:
        bucket.get("bkt", "k", query="versionId=3HL4kqtJlcpXroDTDmJ")
    assert caught.value.extra == {"ArgumentName": "versionId", "ArgumentValue": "3HL4kqtJlcpXroDTDmJ"}


# --- ranges and conditional requests -------------------------------------------------------------


def test_ranges(bucket: S3Client) -> None:
    bucket.put("bkt", "k", DATA)
    ranged = bucket.get("bkt", "k", [("range", "bytes=6-")])
    assert ranged.status == 206
    assert body_bytes(ranged) == b"world\n"
    assert parse("GetObject", ranged)["ContentRange"] == "bytes 6-11/12"
    assert isinstance(ranged.body, FileBody) and (ranged.body.offset, ranged.body.length) == (6, 6)
    suffix = bucket.get("bkt", "k", [("range", "bytes=-3")])
    assert body_bytes(suffix) == b"ld\n"
    head = bucket.request("HEAD", "/bkt/k", headers=[("range", "bytes=0-1")])
    assert (head.status, header(head, "Content-Length")) == (206, "2")
    with pytest.raises(errors.InvalidRange):
        bucket.get("bkt", "k", [("range", "bytes=12-")])
    assert bucket.get("bkt", "k", [("range", "bytes=0-1,4-5")]).status == 200


def test_conditional_get(bucket: S3Client) -> None:
    bucket.put("bkt", "k", DATA)
    assert bucket.get("bkt", "k", [("if-match", f'"{MD5}"')]).status == 200
    not_modified = bucket.get("bkt", "k", [("if-none-match", f'"{MD5}"')])
    assert (not_modified.status, not_modified.body) == (304, b"")
    assert header(not_modified, "ETag") == f'"{MD5}"'
    with pytest.raises(errors.PreconditionFailed) as caught:
        bucket.get("bkt", "k", [("if-match", '"other"')])
    assert caught.value.extra == {"Condition": "If-Match"}
    assert bucket.get("bkt", "k", [("if-modified-since", "Fri, 27 Nov 2026 23:56:28 GMT")]).status == 304
    # A date after the request time is ignored (RFC 9110 §13.1.3).
    assert bucket.get("bkt", "k", [("if-modified-since", "Sat, 28 Nov 2026 00:00:00 GMT")]).status == 200
    with pytest.raises(errors.PreconditionFailed):
        bucket.request("HEAD", "/bkt/k", headers=[("if-unmodified-since", "Fri, 27 Nov 2026 00:00:00 GMT")])


def test_conditional_writes(bucket: S3Client) -> None:
    assert bucket.put("bkt", "k", DATA, [("if-none-match", "*")]).status == 200
    with pytest.raises(errors.PreconditionFailed) as caught:
        bucket.put("bkt", "k", b"again", [("if-none-match", "*")])
    assert caught.value.extra == {"Condition": "If-None-Match"}
    assert bucket.put("bkt", "k", b"v2", [("if-match", f'"{MD5}"')]).status == 200
    with pytest.raises(errors.PreconditionFailed):
        bucket.put("bkt", "k", b"v3", [("if-match", f'"{MD5}"')])
    with pytest.raises(errors.NoSuchKey):
        bucket.put("bkt", "missing", b"v3", [("if-match", f'"{MD5}"')])
    with pytest.raises(errors.NotImplemented):
        bucket.put("bkt", "k", b"v3", [("if-none-match", '"abc"')])
    with pytest.raises(errors.NotImplemented):
        bucket.put("bkt", "k", b"v3", [("if-match", "*")])
    with pytest.raises(errors.NotImplemented):
        bucket.put("bkt", "k", b"v3", [("if-match", '"a"'), ("if-none-match", "*")])
    assert body_bytes(bucket.get("bkt", "k")) == b"v2"
    assert len(object_files(bucket.store)) == 1


def test_response_overrides(bucket: S3Client) -> None:
    bucket.put("bkt", "k", DATA, [("content-type", "text/plain")])
    got = bucket.get("bkt", "k", query="response-content-type=application/json&response-cache-control=no-cache")
    assert header(got, "Content-Type") == "application/json"
    assert header(got, "Cache-Control") == "no-cache"
    with pytest.raises(errors.InvalidRequest):
        bucket.get("bkt", "k", query="response-content-type=x", caller=ANONYMOUS)


# --- crash safety ---------------------------------------------------------------------------------


def test_a_body_that_fails_midway_leaves_nothing_behind(bucket: S3Client) -> None:
    bucket.put("bkt", "k", b"original")
    before = object_files(bucket.store)
    with pytest.raises(errors.XAmzContentSHA256Mismatch):
        bucket.request("PUT", "/bkt/k", headers=[("content-length", str(len(DATA)))], body=_Stream(DATA, fail_after=6))
    assert object_files(bucket.store) == before
    assert body_bytes(bucket.get("bkt", "k")) == b"original"
    tmp = bucket.store.data_dir / "objects" / "tmp"
    assert not any(tmp.iterdir())


def test_a_failed_commit_removes_the_new_file(bucket: S3Client) -> None:
    bucket.put("bkt", "k", b"original")
    before = object_files(bucket.store)
    # The bucket disappears between the upload and the commit: the row is refused, the file removed.
    with bucket.store.write() as conn:
        from ostiary.store.objects import delete_bucket, delete_object

        delete_object(conn, "bkt", "k")
        delete_bucket(conn, "bkt")
    from ostiary.s3 import access

    with pytest.raises(errors.NoSuchBucket):
        _put_with_stale_bucket(bucket, access)
    assert object_files(bucket.store) == before  # only the orphan of the test's own delete


def _put_with_stale_bucket(bucket: S3Client, access: object) -> None:
    from unittest import mock

    from ostiary.s3.access import Bucket
    from ostiary.store.objects import BucketRecord

    stale = Bucket(BucketRecord("bkt", "111122223333", "us-east-1", NOW), None)
    with mock.patch("ostiary.s3.objects.load_bucket", return_value=stale):
        bucket.put("bkt", "k", DATA)


def test_sweep_temporary(bucket: S3Client) -> None:
    from ostiary.store.objects import BlobStore

    blobs = BlobStore.of(bucket.store.data_dir)
    tmp = blobs.root / "tmp"
    tmp.mkdir(parents=True)
    (tmp / "ab-abcdef").write_bytes(b"partial")  # what a process that died mid-upload leaves
    assert blobs.sweep_temporary() == 1
    assert object_files(bucket.store) == []


def test_users_and_anonymous_callers_go_through_the_authorizer(bucket: S3Client) -> None:
    bucket.put("bkt", "k", DATA)
    assert bucket.get("bkt", "k", caller=ALICE).status == 200
    with pytest.raises(errors.AccessDenied):
        bucket.get("bkt", "k", caller=ANONYMOUS)


def test_header_values_that_are_not_utf8_round_trip(bucket: S3Client) -> None:
    # The server decodes header bytes as UTF-8 with surrogateescape; the same bytes must come back.
    raw = "caf\udce9"  # b"caf\xe9" (Latin-1), not UTF-8
    bucket.put("bkt", "k", DATA, [("content-type", f"text/{raw}"), ("x-amz-meta-name", raw), ("cache-control", raw)])
    got = bucket.get("bkt", "k")
    assert header(got, "Content-Type") == f"text/{raw}"
    assert header(got, "x-amz-meta-name") == raw
    assert header(got, "Cache-Control") == raw
    listed = bucket.request("GET", "/bkt", query="list-type=2")
    assert listed.status == 200
