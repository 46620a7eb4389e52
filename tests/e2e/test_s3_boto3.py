"""boto3 against a live server: buckets, objects, listings, integrity, ranges, conditions, transfers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from botocore.exceptions import ClientError

from tests.support import Server


def error_of(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    response: dict[str, Any] = caught.value.response
    return response


@pytest.fixture
def s3(server: Server) -> Any:
    return server.client("s3")


@pytest.fixture
def bucket(s3: Any, unique_name: Callable[[str], str]) -> str:
    name = unique_name("bkt")
    assert s3.create_bucket(Bucket=name)["Location"] == f"/{name}"
    return name


def test_object_round_trip(s3: Any, bucket: str) -> None:
    body = b"hello-world\n"
    put = s3.put_object(
        Bucket=bucket,
        Key="dir/a b+c=d&é.txt",
        Body=body,
        ContentType="text/plain",
        CacheControl="max-age=60",
        Metadata={"color": "blue"},
    )
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert put["ChecksumCRC32"] == "zt9a7Q=="  # botocore sends CRC32 by default and we echo it
    got = s3.get_object(Bucket=bucket, Key="dir/a b+c=d&é.txt", ChecksumMode="ENABLED")
    assert got["Body"].read() == body  # botocore validated the returned CRC32 while reading
    assert (got["ContentType"], got["CacheControl"], got["Metadata"]) == ("text/plain", "max-age=60", {"color": "blue"})
    assert got["ChecksumCRC32"] == "zt9a7Q=="
    head = s3.head_object(Bucket=bucket, Key="dir/a b+c=d&é.txt")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == put["ETag"]
    s3.delete_object(Bucket=bucket, Key="dir/a b+c=d&é.txt")
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="dir/a b+c=d&é.txt"))["Error"]["Code"] == "NoSuchKey"
    # HEAD errors have no body: botocore reports the status (rclone needs this 404).
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="missing"))["Error"]["Code"] == "404"


def test_listing_with_the_paginator(s3: Any, bucket: str) -> None:
    keys = [f"logs/{i:03d}" for i in range(25)] + ["a b", "c+d", "top", "nested/x/y"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 7})
    listed = [c["Key"] for page in pages for c in page.get("Contents", [])]
    assert listed == sorted(keys)
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["logs/", "nested/"]
    assert [c["Key"] for c in top["Contents"]] == ["a b", "c+d", "top"]  # decoded by botocore (encoding-type=url)
    v1_pages = s3.get_paginator("list_objects").paginate(Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 2})
    v1 = [
        (c.get("Key"), c.get("Prefix"))
        for page in v1_pages
        for c in page.get("Contents", []) + page.get("CommonPrefixes", [])
    ]
    assert sorted(v1, key=lambda e: e[0] or e[1] or "") == [
        ("a b", None),
        ("c+d", None),
        (None, "logs/"),
        (None, "nested/"),
        ("top", None),
    ]


def test_ranges_and_conditions(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"0123456789")
    ranged = s3.get_object(Bucket=bucket, Key="k", Range="bytes=2-5")
    assert (ranged["Body"].read(), ranged["ContentRange"]) == (b"2345", "bytes 2-5/10")
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="k", Range="bytes=20-"))["Error"]["Code"] == "InvalidRange"
    etag = s3.head_object(Bucket=bucket, Key="k")["ETag"]
    not_modified = error_of(lambda: s3.get_object(Bucket=bucket, Key="k", IfNoneMatch=etag))
    assert not_modified["ResponseMetadata"]["HTTPStatusCode"] == 304
    failed = error_of(lambda: s3.get_object(Bucket=bucket, Key="k", IfMatch='"nope"'))
    assert failed["Error"]["Code"] == "PreconditionFailed"
    assert (
        error_of(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", IfNoneMatch="*"))["Error"]["Code"]
        == "PreconditionFailed"
    )


def test_upload_and_download_files(s3: Any, bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(bytes(range(256)) * 4096)  # 1 MiB: below the multipart threshold
    s3.upload_file(str(source), bucket, "files/source.bin")
    target = tmp_path / "target.bin"
    s3.download_file(bucket, "files/source.bin", str(target))
    assert target.read_bytes() == source.read_bytes()


def test_bucket_errors(s3: Any, bucket: str) -> None:
    assert error_of(lambda: s3.create_bucket(Bucket="Bad_Name"))["Error"]["Code"] == "InvalidBucketName"
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    not_empty = error_of(lambda: s3.delete_bucket(Bucket=bucket))
    assert (not_empty["Error"]["Code"], not_empty["Error"]["BucketName"]) == ("BucketNotEmpty", bucket)
    assert error_of(lambda: s3.list_objects_v2(Bucket="no-such-bucket-here"))["Error"]["Code"] == "NoSuchBucket"
    assert error_of(lambda: s3.head_bucket(Bucket="no-such-bucket-here"))["Error"]["Code"] == "404"
    assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})
    s3.delete_bucket(Bucket=bucket)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_bucket_in_another_region(s3: Any, unique_name: Callable[[str], str]) -> None:
    name = unique_name("euro")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    owned = error_of(
        lambda: s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    )
    assert owned["Error"]["Code"] == "BucketAlreadyOwnedByYou"
    # A client configured for the bucket's region works against the one endpoint.
    assert "Contents" not in s3.list_objects_v2(Bucket=name)
    s3.delete_bucket(Bucket=name)


def test_unimplemented_operations_are_501(s3: Any, bucket: str) -> None:
    response = error_of(lambda: s3.create_multipart_upload(Bucket=bucket, Key="k"))
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("NotImplemented", 501)


def test_virtual_hosted_style(server: Server, unique_name: Callable[[str], str]) -> None:
    """Virtual-hosted addressing (BUCKET.localhost:PORT), sent to 127.0.0.1 whatever the resolver says of it."""
    import boto3
    from botocore.awsrequest import AWSPreparedRequest
    from botocore.config import Config
    from botocore.httpsession import URLLib3Session

    name = unique_name("vhost")
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint.replace("127.0.0.1", "localhost"),
        region_name="us-east-1",
        aws_access_key_id=server.access_key_id,
        aws_secret_access_key=server.secret_access_key,
        config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}),
    )
    loopback = URLLib3Session()

    def send_to_loopback(request: AWSPreparedRequest, **_: Any) -> Any:
        # Signed for Host: BUCKET.localhost:PORT; only the connection goes to 127.0.0.1.
        parts = urlsplit(request.url)
        assert parts.hostname == f"{name}.localhost"
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port}"))
        return loopback.send(request)

    client.meta.events.register("before-send.s3", send_to_loopback)
    client.create_bucket(Bucket=name)
    client.put_object(Bucket=name, Key="k", Body=b"vhost")
    assert client.get_object(Bucket=name, Key="k")["Body"].read() == b"vhost"
    # The same object, path style.
    assert server.client("s3").get_object(Bucket=name, Key="k")["Body"].read() == b"vhost"
