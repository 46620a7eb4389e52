"""Routing: addressing, the ROUTES table against botocore's model, subresources, 405 and 501."""

from __future__ import annotations

import pytest

from ostiary.api import S3Call
from ostiary.errors import AwsError, InvalidURI, MethodNotAllowed, NotImplemented
from ostiary.s3 import ROUTES
from ostiary.s3.request import Target, split_target, virtual_host_bucket
from ostiary.s3.routes import COPY
from tests.s3.conftest import S3Client
from tests.s3.support import s3_model

ADDRESSING = [
    # raw path, host, (bucket, key)
    ("/", "127.0.0.1:4599", ("", "")),
    ("/b", "127.0.0.1:4599", ("b", "")),
    ("/b/", "127.0.0.1:4599", ("b", "")),
    ("/b/k", "127.0.0.1:4599", ("b", "k")),
    ("/b/dir/a%20b%2Bc%3Dd%26%C3%A9~%2A%27%28x%29.txt", "h:1", ("b", "dir/a b+c=d&é~*'(x).txt")),
    ("/b//double//slash/", "h", ("b", "/double//slash/")),
    ("/b/a%2Fb", "h", ("b", "a/b")),
    ("/b/%2541", "h", ("b", "%41")),  # decoded once only
    ("/b/k+plus", "h", ("b", "k+plus")),  # '+' is literal in a path
    ("/b/./../k", "h", ("b", "./../k")),  # no normalisation
    # virtual-hosted style on the configured base host
    ("/", "mybucket.localhost:4599", ("mybucket", "")),
    ("/key/x", "mybucket.localhost:4599", ("mybucket", "key/x")),
    ("/", "my.dotted.bucket.localhost", ("my.dotted.bucket", "")),
    ("/b/k", "localhost:4599", ("b", "k")),
    ("/b/k", "[::1]:4599", ("b", "k")),
    ("/b/k", "10.0.0.1", ("b", "k")),
    ("/b/k", "example.com", ("b", "k")),  # not a configured base: path style
]


@pytest.mark.parametrize(("raw", "host", "expected"), ADDRESSING)
def test_addressing(raw: str, host: str, expected: tuple[str, str]) -> None:
    assert split_target(raw, host) == expected


@pytest.mark.parametrize("raw", ["/b/%C3", "/b/%FF%FE", "b/k", "/b/a%00b", "//k"])
def test_paths_that_do_not_parse(raw: str) -> None:
    with pytest.raises(InvalidURI):
        split_target(raw, "h")


def test_virtual_host_bases_are_configurable() -> None:
    assert virtual_host_bucket("b.s3.example.net:443", ["s3.example.net"]) == "b"
    assert virtual_host_bucket("s3.example.net", ["s3.example.net"]) is None
    assert virtual_host_bucket(None, ["localhost"]) is None
    assert virtual_host_bucket("b\udce9.localhost", ["localhost"]) is None


# Browser-form uploads (POST Object) are an S3 operation without a botocore model.
NOT_IN_MODEL = {"PostObject"}


def test_every_route_is_an_s3_operation_with_its_http_method() -> None:
    model = s3_model()
    for (method, target, marker), route in ROUTES.items():
        if route.operation in NOT_IN_MODEL:
            continue
        operation = model.operation_model(route.operation)
        assert operation.http["method"] == method, route.operation
        uri = operation.http["requestUri"]
        expected_target = Target.OBJECT if "{Key+}" in uri else Target.BUCKET if "{Bucket}" in uri else Target.SERVICE
        assert target is expected_target, route.operation
        if marker and marker != COPY:
            query_members = {
                m.serialization.get("name")
                for m in operation.input_shape.members.values()
                if m.serialization.get("location") == "querystring"
            }
            assert f"?{marker}" in uri or f"&{marker}" in uri or marker in query_members, (route.operation, uri)


IMPLEMENTED = {
    "ListBuckets",
    "CreateBucket",
    "HeadBucket",
    "DeleteBucket",
    "ListObjects",
    "ListObjectsV2",
    "GetBucketLocation",
    "GetBucketVersioning",
    "PutBucketPolicy",
    "GetBucketPolicy",
    "DeleteBucketPolicy",
    "DeleteObjects",
    "PutObject",
    "GetObject",
    "HeadObject",
    "DeleteObject",
}


def test_implemented_operations() -> None:
    assert {r.operation for r in ROUTES.values() if r.handler is not None} == IMPLEMENTED


ROUTING = [
    # method, path, query, extra headers, operation that answers (an error class when none does)
    ("GET", "/", "", [], "ListBuckets"),
    ("GET", "/", "x-id=ListBuckets", [], "ListBuckets"),
    ("PUT", "/bkt/", "x-id=CreateBucket", [], "CreateBucket"),
    ("GET", "/bkt", "list-type=2&prefix=a", [], "ListObjectsV2"),
    ("GET", "/bkt/", "list-type=2", [], "ListObjectsV2"),
    ("GET", "/bkt", "list-type=1", [], "ListObjects"),
    ("GET", "/bkt", "prefix=a&delimiter=%2F", [], "ListObjects"),
    ("GET", "/bkt", "location", [], "GetBucketLocation"),
    ("GET", "/bkt", "policy", [], "GetBucketPolicy"),
    ("PUT", "/bkt", "policy", [], "PutBucketPolicy"),
    ("DELETE", "/bkt", "policy", [], "DeleteBucketPolicy"),
    ("POST", "/bkt", "delete", [], "DeleteObjects"),
    ("GET", "/bkt/k", "x-id=GetObject", [], "GetObject"),
    ("GET", "/bkt/k", "uploadId=u", [], NotImplemented),
    ("PUT", "/bkt/k", "partNumber=1&uploadId=u", [], NotImplemented),
    ("POST", "/bkt/k", "uploads", [], NotImplemented),
    ("PUT", "/bkt/k", "", [("x-amz-copy-source", "/a/b")], NotImplemented),
    ("GET", "/bkt", "versions", [], NotImplemented),
    ("PUT", "/bkt", "versioning", [], NotImplemented),
    ("GET", "/bkt", "acl", [], NotImplemented),
    ("GET", "/bkt/k", "tagging", [], NotImplemented),
    ("POST", "/bkt/k", "", [], MethodNotAllowed),
    ("PUT", "/", "", [], MethodNotAllowed),
    ("PATCH", "/bkt/k", "", [], MethodNotAllowed),
    ("GET", "/bkt", "delete", [], MethodNotAllowed),
    ("POST", "/bkt", "", [], NotImplemented),  # browser POST uploads
]


@pytest.mark.parametrize(("method", "path", "query", "headers", "expected"), ROUTING)
def test_routing(
    client: S3Client, method: str, path: str, query: str, headers: list[tuple[str, str]], expected: object
) -> None:
    from ostiary.s3.request import build_request
    from ostiary.s3.routes import route

    client.create_bucket("bkt")
    if isinstance(expected, str):
        request = _request(client, method, path, query, headers)
        assert route(build_request(request)).operation == expected
    else:
        assert isinstance(expected, type) and issubclass(expected, AwsError)
        with pytest.raises(expected):
            client.request(method, path, query=query, headers=headers)


def _request(client: S3Client, method: str, path: str, query: str, headers: list[tuple[str, str]]) -> S3Call:
    from ostiary.http import HttpRequest
    from tests.s3.conftest import NOW, ROOT, RecordingAuthorizer

    http = HttpRequest(method, path, query, (("host", "h"), *headers))
    return S3Call(http, ROOT, client.store, NOW, client.rng, "REQ", RecordingAuthorizer(ROOT))


def test_method_not_allowed_names_method_and_resource_type(client: S3Client) -> None:
    with pytest.raises(MethodNotAllowed) as caught:
        client.request("POST", "/bkt/k")
    assert caught.value.extra == {"Method": "POST", "ResourceType": "OBJECT"}
    assert caught.value.status == 405


def test_not_implemented_is_501(client: S3Client) -> None:
    with pytest.raises(NotImplemented) as caught:
        client.request("POST", "/bkt/k", query="uploads")
    assert caught.value.status == 501
    assert caught.value.text == (
        "CreateMultipartUpload is not implemented by ostiary; docs/supported-api.md lists the operations it serves."
    )


# Operations that share a route with another one: the same method, target and subresource.
SAME_ROUTE = {
    "ListDirectoryBuckets": "ListBuckets",
    "GetBucketLifecycle": "GetBucketLifecycleConfiguration",
    "PutBucketLifecycle": "PutBucketLifecycleConfiguration",
    "GetBucketNotification": "GetBucketNotificationConfiguration",
    "PutBucketNotification": "PutBucketNotificationConfiguration",
    "ListBucketAnalyticsConfigurations": "GetBucketAnalyticsConfiguration",
    "ListBucketIntelligentTieringConfigurations": "GetBucketIntelligentTieringConfiguration",
    "ListBucketInventoryConfigurations": "GetBucketInventoryConfiguration",
    "ListBucketMetricsConfigurations": "GetBucketMetricsConfiguration",
    "ListObjectAnnotations": "GetObjectAnnotation",
    "UploadPartCopy": "UploadPart",
    "WriteGetObjectResponse": "PostObject",  # POST /WriteGetObjectResponse looks like a bucket POST
}


def test_every_s3_operation_reaches_a_route(client: S3Client) -> None:
    """No S3 request botocore can send falls through to a 500: each lands on its handler or on a 501 row."""
    from urllib.parse import urlencode

    from ostiary.s3.request import build_request
    from ostiary.s3.routes import route

    model = s3_model()
    for name in model.operation_names:
        operation = model.operation_model(name)
        path, _, query = operation.http["requestUri"].partition("?")
        path = path.replace("{Bucket}", "bkt").replace("{Key+}", "k")
        params = dict(part.split("=", 1) if "=" in part else (part, "") for part in query.split("&") if part)
        for member in operation.input_shape.members.values():
            location = member.serialization.get("location")
            if location == "querystring" and member.serialization["name"] in ("uploadId", "partNumber"):
                params.setdefault(member.serialization["name"], "1")
        headers = [("x-amz-copy-source", "/a/b")] if "CopySource" in operation.input_shape.members else []
        request = _request(client, operation.http["method"], path, urlencode(params), headers)
        found = route(build_request(request))
        assert found.operation == SAME_ROUTE.get(name, name), name


def test_virtual_hosted_requests(client: S3Client) -> None:
    host = "my-bucket.localhost:4599"
    assert client.request("PUT", "/", host=host).status == 200
    assert client.request("PUT", "/dir/k%20x", body=b"data", host=host).status == 200
    assert client.request("GET", "/dir/k%20x", host=host).status == 200
    assert client.get("my-bucket", "dir/k x").status == 200  # the same object, path style
    listed = client.request("GET", "/", query="list-type=2", host=host)
    assert b"<Key>dir/k x</Key>" in b"".join(listed.chunks())
