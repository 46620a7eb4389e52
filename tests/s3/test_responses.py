"""Golden response documents: exact bytes, to pin AWS's element order (API reference examples)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ostiary.s3 import canonical_user_id
from tests.s3.conftest import ACCOUNT, S3Client, body_bytes, header

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
OWNER = f"<Owner><ID>{canonical_user_id(ACCOUNT)}</ID><DisplayName>{ACCOUNT}</DisplayName></Owner>"
WHEN = "2026-11-27T23:56:28.000Z"
ETAG = "&quot;" + hashlib.md5(b"x").hexdigest() + "&quot;"


@pytest.fixture
def filled(client: S3Client) -> S3Client:
    client.create_bucket("bkt")
    for key in ("a b", "dir/1", "dir/2", "z"):
        client.put("bkt", key, b"x")
    return client


def contents(key: str, owner: bool = False) -> str:
    return (
        f"<Contents><Key>{key}</Key><LastModified>{WHEN}</LastModified><ETag>{ETAG}</ETag><Size>1</Size>"
        f"<StorageClass>STANDARD</StorageClass>{OWNER if owner else ''}</Contents>"
    )


def test_list_objects_v2_document(filled: S3Client) -> None:
    first = filled.request("GET", "/bkt", query="list-type=2&delimiter=%2F&encoding-type=url&max-keys=2")
    token = base64.urlsafe_b64encode(b"idir0").decode()  # resume after every key under "dir/"
    assert body_bytes(first).decode() == (
        f"{DECL}<ListBucketResult {NS}><Name>bkt</Name><Prefix></Prefix>"
        f"<NextContinuationToken>{token}</NextContinuationToken><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
        "<Delimiter>/</Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
        f"{contents('a%20b')}<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes></ListBucketResult>"
    )
    assert header(first, "Content-Type") == "application/xml"
    second = filled.request("GET", "/bkt", query=f"list-type=2&delimiter=%2F&continuation-token={token}&start-after=a")
    assert body_bytes(second).decode() == (
        f"{DECL}<ListBucketResult {NS}><Name>bkt</Name><Prefix></Prefix><StartAfter>a</StartAfter>"
        f"<ContinuationToken>{token}</ContinuationToken><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
        f"<Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>{contents('z')}</ListBucketResult>"
    )


def test_list_objects_v1_document(filled: S3Client) -> None:
    response = filled.request("GET", "/bkt", query="delimiter=%2F&marker=a&max-keys=1")
    assert body_bytes(response).decode() == (
        f"{DECL}<ListBucketResult {NS}><Name>bkt</Name><Prefix></Prefix><Marker>a</Marker>"
        "<NextMarker>a b</NextMarker><MaxKeys>1</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>"
        f"{contents('a b', owner=True)}</ListBucketResult>"
    )


def test_list_buckets_document(filled: S3Client) -> None:
    assert body_bytes(filled.request("GET", "/")).decode() == (
        f"{DECL}<ListAllMyBucketsResult {NS}>{OWNER}<Buckets><Bucket><Name>bkt</Name><CreationDate>{WHEN}"
        "</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket></Buckets></ListAllMyBucketsResult>"
    )


def test_delete_result_document(filled: S3Client) -> None:
    filled.deny = lambda caller, action, resource: resource.endswith("/z")
    body = b"<Delete><Object><Key>dir/1</Key></Object><Object><Key>z</Key></Object></Delete>"
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    response = filled.request("POST", "/bkt", query="delete", headers=[("content-md5", md5)], body=body)
    assert body_bytes(response).decode() == (
        f"{DECL}<DeleteResult {NS}><Deleted><Key>dir/1</Key></Deleted>"
        "<Error><Key>z</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>"
    )


def test_small_documents(filled: S3Client) -> None:
    assert body_bytes(filled.request("GET", "/bkt", query="versioning")).decode() == (
        f"{DECL}<VersioningConfiguration {NS}></VersioningConfiguration>"
    )
    assert body_bytes(filled.request("GET", "/bkt", query="location")).decode() == (f"{DECL}<LocationConstraint {NS}/>")


def test_empty_replies(filled: S3Client) -> None:
    for method, path, query in [("DELETE", "/bkt/z", ""), ("DELETE", "/bkt", "policy")]:
        response = filled.request(method, path, query=query)
        assert (response.status, response.body, response.headers) == (204, b"", [])
