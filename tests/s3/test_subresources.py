"""A subresource the routed operation does not serve answers 501 NotImplemented; ordinary parameters never do.

The rule (`ostiary.s3.routes`): after routing, each query parameter is the route's marker, an ordinary
parameter (a query member of some operation in botocore's S3 model, or one clients add), or else it is
refused when it is a known marker or an unknown bare one. An unknown parameter with a value is ignored.
"""

from __future__ import annotations

import pytest

from ostiary.errors import NotImplemented
from ostiary.s3.routes import KNOWN_MARKERS, NEWER_OPERATIONS, ROUTES, is_ordinary, route
from tests.s3.conftest import S3Client
from tests.s3.support import s3_model
from tests.s3.test_routes import _request

DOCS = "docs/supported-api.md lists the operations it serves."

# method, path, query, the operation that answers, or the 501 message (which names the operation when known).
CASES = [
    # ordinary parameters real clients send never refuse
    ("GET", "/bkt", "prefix=&delimiter=%2F&marker=&max-keys=10&encoding-type=url", "ListObjects"),
    ("GET", "/bkt", "list-type=2&prefix=a&continuation-token=x&start-after=a&fetch-owner=true", "ListObjectsV2"),
    ("GET", "/bkt", "list-type=1", "ListObjects"),
    ("GET", "/bkt", "x-id=ListObjects", "ListObjects"),
    ("GET", "/", "max-buckets=10&continuation-token=&prefix=&bucket-region=us-east-1", "ListBuckets"),
    ("GET", "/bkt/k", "x-id=GetObject&versionId=null&partNumber=1", "GetObject"),
    ("GET", "/bkt/k", "response-content-type=text%2Fplain&response-expires=", "GetObject"),
    ("HEAD", "/bkt/k", "response-cache-control=", "HeadObject"),
    (
        "GET",
        "/bkt/k",
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Date=b&X-Amz-Expires=60"
        "&X-Amz-SignedHeaders=host&X-Amz-Signature=c&X-Amz-Security-Token=",
        "GetObject",
    ),
    ("GET", "/bkt/k", "x-amz-checksum-mode=ENABLED", "GetObject"),
    ("GET", "/bkt/k", "AWSAccessKeyId=a&Signature=b&Expires=1", "GetObject"),
    ("PUT", "/bkt/k", "versionId=", "PutObject"),
    ("DELETE", "/bkt/k", "versionId=null", "DeleteObject"),
    ("POST", "/bkt", "delete=", "DeleteObjects"),
    # an unknown parameter with a value is ignored, as S3 ignores it (a cache-buster, say)
    ("GET", "/bkt", "t=1700000000", "ListObjects"),
    ("GET", "/bkt/k", "foo=bar", "GetObject"),
    # unknown bare markers: subresources S3 added after this model, or never had
    (
        "GET",
        "/bkt",
        "defaultStorageClass",
        "The subresource ?defaultStorageClass is not implemented for GET on a bucket",
    ),
    ("GET", "/bkt", "default-storage-class", "GetBucketDefaultStorageClass is not implemented by ostiary; " + DOCS),
    ("PUT", "/bkt", "default-storage-class=", "PutBucketDefaultStorageClass is not implemented by ostiary; " + DOCS),
    ("DELETE", "/bkt", "default-storage-class", "The subresource ?default-storage-class is not implemented for DELETE"),
    ("GET", "/bkt/k", "checksum", "The subresource ?checksum is not implemented for GET on an object"),
    ("GET", "/", "foo", "The subresource ?foo is not implemented for GET on the service"),
    ("GET", "/bkt", "list-type=2&foo", "The subresource ?foo is not implemented for GET on a bucket"),
    # known markers where the routed operation does not serve them
    ("GET", "/", "acl", "The subresource ?acl is not implemented for GET on the service"),
    ("GET", "/bkt/k", "delete", "The subresource ?delete is not implemented for GET on an object"),
    ("GET", "/bkt", "torrent", "The subresource ?torrent is not implemented for GET on a bucket"),
    ("GET", "/bkt", "location&versioning", "The subresource ?versioning is not implemented for GET on a bucket"),
    ("GET", "/bkt", "policy&acl", "GetBucketAcl is not implemented by ostiary; " + DOCS),
    ("GET", "/bkt", "location&list-type=2", "The subresource ?location is not implemented for GET on a bucket"),
    ("GET", "/bkt/k", "select-type=2", "The subresource ?select-type is not implemented for GET on an object"),
    # routes without a handler name their operation
    ("GET", "/bkt", "acl", "GetBucketAcl is not implemented by ostiary; " + DOCS),
    ("POST", "/bkt/k", "select&select-type=2", "SelectObjectContent is not implemented by ostiary; " + DOCS),
]


@pytest.mark.parametrize(("method", "path", "query", "expected"), CASES)
def test_subresources(client: S3Client, method: str, path: str, query: str, expected: str) -> None:
    from ostiary.s3.request import build_request

    client.create_bucket("bkt")
    call = _request(client, method, path, query, [])
    if " " not in expected:
        assert route(build_request(call)).operation == expected
        return
    with pytest.raises(NotImplemented) as caught:
        client.request(method, path, query=query)
    assert caught.value.status == 501
    assert caught.value.text.startswith(expected), caught.value.text
    assert caught.value.text.endswith(DOCS)


def test_the_tables_cover_botocores_s3_model() -> None:
    """Every query member in the model is ordinary; every marker in a request URI is known."""
    model = s3_model()
    for name in model.operation_names:
        operation = model.operation_model(name)
        _, _, query = operation.http["requestUri"].partition("?")
        for part in filter(None, query.split("&")):
            assert part.split("=", 1)[0] in KNOWN_MARKERS, (name, part)
        if operation.input_shape is None:
            continue
        for member in operation.input_shape.members.values():
            if member.serialization.get("location") == "querystring":
                assert is_ordinary(member.serialization["name"]), (name, member.serialization["name"])


def test_newer_operations_are_not_in_the_model() -> None:
    """The rows kept apart from ROUTES are for operations the pinned botocore model does not know yet."""
    model = s3_model()
    assert not {operation for operation in NEWER_OPERATIONS.values() if operation in model.operation_names}


def test_no_marker_is_also_ordinary_except_upload_id() -> None:
    """uploadId routes the multipart operations and is a member of them; no other name is both."""
    assert {m for m in KNOWN_MARKERS if is_ordinary(m)} == {"uploadId"}
    assert all(marker in KNOWN_MARKERS for (_, _, marker) in ROUTES if marker and marker != "x-amz-copy-source")
