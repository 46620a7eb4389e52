"""DeleteObjects: per-key authorization and results, quiet mode, the body rules."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ostiary import errors
from tests.s3.conftest import S3Client, object_files
from tests.s3.support import parse


def delete_body(*keys: str, quiet: bool = False, version: str | None = None) -> bytes:
    objects = "".join(
        f"<Object><Key>{k}</Key>" + (f"<VersionId>{version}</VersionId>" if version else "") + "</Object>" for k in keys
    )
    extra = "<Quiet>true</Quiet>" if quiet else ""
    return f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{objects}{extra}</Delete>'.encode()


def md5_header(body: bytes) -> list[tuple[str, str]]:
    return [("content-md5", base64.b64encode(hashlib.md5(body).digest()).decode())]


@pytest.fixture
def bucket(client: S3Client) -> S3Client:
    client.create_bucket("bkt")
    for key in ("a", "b", "secret/c"):
        client.put("bkt", key, b"x")
    return client


def test_delete_objects(bucket: S3Client) -> None:
    bucket.deny = lambda caller, action, resource: resource.endswith("/secret/c")
    body = delete_body("a", "missing", "secret/c")
    parsed = parse("DeleteObjects", bucket.request("POST", "/bkt", query="delete", headers=md5_header(body), body=body))
    assert parsed == {
        "Deleted": [{"Key": "a"}, {"Key": "missing"}],
        "Errors": [{"Key": "secret/c", "Code": "AccessDenied", "Message": "Access Denied"}],
    }
    assert [(c.action, c.resource) for c in bucket.calls()] == [
        ("s3:DeleteObject", "arn:aws:s3:::bkt/a"),
        ("s3:DeleteObject", "arn:aws:s3:::bkt/missing"),
        ("s3:DeleteObject", "arn:aws:s3:::bkt/secret/c"),
    ]
    assert len(object_files(bucket.store)) == 2


def test_quiet_mode_and_versions(bucket: S3Client) -> None:
    body = delete_body("a", "b", quiet=True)
    parsed = parse("DeleteObjects", bucket.request("POST", "/bkt", query="delete", headers=md5_header(body), body=body))
    assert parsed == {}
    body = delete_body("secret/c", version="v1")
    parsed = parse("DeleteObjects", bucket.request("POST", "/bkt", query="delete", headers=md5_header(body), body=body))
    assert parsed["Errors"] == [
        {
            "Key": "secret/c",
            "VersionId": "v1",
            "Code": "NoSuchVersion",
            "Message": "The specified version does not exist.",
        }
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (delete_body(), errors.MalformedXML),
        (delete_body(*[f"k{i}" for i in range(1001)]), errors.MalformedXML),
        (b"<Delete><Object><Name>a</Name></Object></Delete>", errors.MalformedXML),
        (b"<Delete><Unknown/></Delete>", errors.MalformedXML),
        (b"not xml", errors.MalformedXML),
    ],
)
def test_bad_bodies(bucket: S3Client, body: bytes, error: type[errors.AwsError]) -> None:
    with pytest.raises(error):
        bucket.request("POST", "/bkt", query="delete", headers=md5_header(body), body=body)


def test_an_integrity_header_is_required(bucket: S3Client) -> None:
    body = delete_body("a")
    with pytest.raises(errors.InvalidRequest) as caught:
        bucket.request("POST", "/bkt", query="delete", body=body)
    assert caught.value.text == "Missing required header for this request: Content-MD5"
    with pytest.raises(errors.BadDigest):
        bucket.request("POST", "/bkt", query="delete", headers=md5_header(b"other"), body=body)
