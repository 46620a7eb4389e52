"""CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation, GetBucketVersioning."""

from __future__ import annotations

import datetime as dt

import pytest

from ostiary import errors
from ostiary.s3 import canonical_user_id
from ostiary.store.objects import get_bucket
from tests.s3.conftest import ACCOUNT, ALICE, ANONYMOUS, NOW, OTHER_ACCOUNT, OTHER_ROOT, S3Client, body_bytes, header
from tests.s3.support import parse


def config(region: str) -> bytes:
    return (
        b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<LocationConstraint>" + region.encode() + b"</LocationConstraint></CreateBucketConfiguration>"
    )


def test_create_bucket_in_us_east_1(client: S3Client) -> None:
    response = client.create_bucket("my-bucket")
    assert response.status == 200
    assert parse("CreateBucket", response) == {"Location": "/my-bucket"}
    with client.store.read() as conn:
        record = get_bucket(conn, "my-bucket")
    assert record is not None
    assert (record.account_id, record.region, record.policy) == (ACCOUNT, "us-east-1", None)
    assert record.created_at == NOW.replace(microsecond=0)
    [call] = client.calls()
    assert (call.action, call.resource) == ("s3:CreateBucket", "arn:aws:s3:::my-bucket")
    assert call.kwargs["resource_account"] == ACCOUNT
    assert call.kwargs["resource_display"] == '"arn:aws:s3:::my-bucket"'
    assert call.keys["s3:LocationConstraint"] == ("us-east-1",)


@pytest.mark.parametrize(
    ("constraint", "region"), [("eu-west-1", "eu-west-1"), ("EU", "eu-west-1"), ("ap-south-2", "ap-south-2")]
)
def test_create_bucket_elsewhere(client: S3Client, constraint: str, region: str) -> None:
    response = client.create_bucket("my-bucket", body=config(constraint))
    assert header(response, "Location") == "http://127.0.0.1:4599/my-bucket/"
    location = client.request("GET", "/my-bucket", query="location")
    assert body_bytes(location) == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        + region.encode()
        + b"</LocationConstraint>"
    )
    assert header(client.request("HEAD", "/my-bucket"), "x-amz-bucket-region") == region


def test_location_of_a_us_east_1_bucket_is_empty(client: S3Client) -> None:
    client.create_bucket("my-bucket")
    response = client.request("GET", "/my-bucket", query="location")
    assert body_bytes(response).endswith(b'<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>')
    assert client.calls()[0].action == "s3:GetBucketLocation"


@pytest.mark.parametrize("constraint", ["us-east-1", "mars-north-1", "eu-west-1 "[:-1] + "x"])
def test_create_bucket_with_an_invalid_location_constraint(client: S3Client, constraint: str) -> None:
    with pytest.raises(errors.InvalidLocationConstraint) as caught:
        client.create_bucket("my-bucket", body=config(constraint))
    assert caught.value.extra == {"LocationConstraint": constraint}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"<CreateBucketConfiguration", errors.MalformedXML),
        (b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>', errors.MalformedXML),
        (
            b"<CreateBucketConfiguration><LocationConstraint></LocationConstraint></CreateBucketConfiguration>",
            errors.MalformedXML,
        ),
        (b"<CreateBucketConfiguration><Region>eu-west-1</Region></CreateBucketConfiguration>", errors.MalformedXML),
        (b"<Other><LocationConstraint>eu-west-1</LocationConstraint></Other>", errors.MalformedXML),
        (b"<CreateBucketConfiguration><Tags/></CreateBucketConfiguration>", errors.NotImplemented),
    ],
)
def test_create_bucket_with_a_bad_configuration(client: S3Client, body: bytes, error: type[errors.AwsError]) -> None:
    with pytest.raises(error):
        client.create_bucket("my-bucket", body=body)
    with client.store.read() as conn:
        assert get_bucket(conn, "my-bucket") is None


def test_create_bucket_refuses_bad_names(client: S3Client) -> None:
    with pytest.raises(errors.InvalidBucketName):
        client.create_bucket("Bad_Name")


def test_recreating_your_own_bucket(client: S3Client) -> None:
    client.create_bucket("my-bucket")
    # us-east-1: "returns 200 OK" for legacy compatibility.
    assert client.create_bucket("my-bucket").status == 200
    client.create_bucket("euro-bucket", body=config("eu-west-1"))
    with pytest.raises(errors.BucketAlreadyOwnedByYou) as caught:
        client.create_bucket("euro-bucket", body=config("eu-west-1"))
    assert caught.value.extra == {"BucketName": "euro-bucket"}
    with pytest.raises(errors.BucketAlreadyOwnedByYou):
        client.create_bucket("my-bucket", body=config("eu-west-1"))


def test_bucket_names_are_global_across_accounts(client: S3Client) -> None:
    client.create_bucket("my-bucket")
    with pytest.raises(errors.BucketAlreadyExists) as caught:
        client.create_bucket("my-bucket", caller=OTHER_ROOT)
    assert caught.value.extra == {"BucketName": "my-bucket"}


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ([("x-amz-acl", "private")], None),
        ([("x-amz-acl", "public-read")], errors.InvalidBucketAclWithObjectOwnership),
        ([("x-amz-acl", "bucket-owner-full-control")], errors.InvalidArgument),  # an object ACL only
        ([("x-amz-acl", "everyone")], errors.InvalidArgument),
        (
            [("x-amz-grant-read", 'uri="http://acs.amazonaws.com/groups/global/AllUsers"')],
            errors.InvalidBucketAclWithObjectOwnership,
        ),
        ([("x-amz-object-ownership", "BucketOwnerEnforced")], None),
        ([("x-amz-object-ownership", "ObjectWriter")], errors.NotImplemented),
        ([("x-amz-object-ownership", "Whatever")], errors.InvalidArgument),
        ([("x-amz-bucket-object-lock-enabled", "true")], errors.NotImplemented),
        ([("x-amz-bucket-object-lock-enabled", "false")], None),
    ],
)
def test_create_bucket_headers(
    client: S3Client, headers: list[tuple[str, str]], error: type[errors.AwsError] | None
) -> None:
    if error is None:
        assert client.request("PUT", "/my-bucket", headers=headers).status == 200
    else:
        with pytest.raises(error):
            client.request("PUT", "/my-bucket", headers=headers)


def test_create_bucket_passes_the_acl_condition_key(client: S3Client) -> None:
    client.request("PUT", "/my-bucket", headers=[("x-amz-acl", "private")])
    assert client.calls()[0].keys["s3:x-amz-acl"] == ("private",)


def test_anonymous_callers_cannot_create_buckets(client: S3Client) -> None:
    with pytest.raises(errors.AccessDenied):
        client.create_bucket("my-bucket", caller=ANONYMOUS)


def test_list_buckets(client: S3Client) -> None:
    client.create_bucket("zeta-bucket")
    client.create_bucket("alpha-bucket", body=config("eu-west-1"))
    client.create_bucket("other-bucket", caller=OTHER_ROOT)
    response = client.request("GET", "/")
    parsed = parse("ListBuckets", response)
    created = NOW.replace(microsecond=0)
    assert parsed == {
        "Buckets": [
            {"Name": "alpha-bucket", "CreationDate": created, "BucketRegion": "eu-west-1"},
            {"Name": "zeta-bucket", "CreationDate": created, "BucketRegion": "us-east-1"},
        ],
        "Owner": {"ID": canonical_user_id(ACCOUNT), "DisplayName": ACCOUNT},
    }
    assert b"<CreationDate>2026-11-27T23:56:28.000Z</CreationDate>" in body_bytes(response)
    [call] = client.calls()
    assert (call.action, call.resource) == ("s3:ListAllMyBuckets", "*")


def test_list_buckets_of_a_user_names_the_account(client: S3Client) -> None:
    client.create_bucket("my-bucket")
    parsed = parse("ListBuckets", client.request("GET", "/", caller=ALICE))
    assert [b["Name"] for b in parsed["Buckets"]] == ["my-bucket"]
    assert parsed["Owner"]["ID"] == canonical_user_id(ACCOUNT)


def test_list_buckets_by_prefix_and_page(client: S3Client) -> None:
    for name in ("aaa-1", "aaa-2", "aaa-3", "bbb-1"):
        client.create_bucket(name)
    first = parse("ListBuckets", client.request("GET", "/", query="prefix=aaa&max-buckets=2"))
    assert [b["Name"] for b in first["Buckets"]] == ["aaa-1", "aaa-2"]
    assert first["Prefix"] == "aaa"
    token = first["ContinuationToken"]
    second = parse(
        "ListBuckets", client.request("GET", "/", query=f"prefix=aaa&max-buckets=2&continuation-token={token}")
    )
    assert [b["Name"] for b in second["Buckets"]] == ["aaa-3"]
    assert "ContinuationToken" not in second
    regional = parse("ListBuckets", client.request("GET", "/", query="bucket-region=eu-west-1"))
    assert regional["Buckets"] == []


@pytest.mark.parametrize("query", ["max-buckets=0", "max-buckets=10001", "max-buckets=x", "continuation-token=%25%25"])
def test_list_buckets_bad_parameters(client: S3Client, query: str) -> None:
    with pytest.raises(errors.InvalidArgument):
        client.request("GET", "/", query=query)


def test_anonymous_callers_cannot_list_buckets(client: S3Client) -> None:
    with pytest.raises(errors.AccessDenied):
        client.request("GET", "/", caller=ANONYMOUS)


def test_head_bucket(client: S3Client) -> None:
    client.create_bucket("my-bucket")
    response = client.request("HEAD", "/my-bucket")
    assert (response.status, response.body) == (200, b"")
    assert parse("HeadBucket", response) == {"BucketRegion": "us-east-1", "AccessPointAlias": False}
    [call] = client.calls()
    assert (call.action, call.resource) == ("s3:ListBucket", "arn:aws:s3:::my-bucket")
    with pytest.raises(errors.NoSuchBucket):
        client.request("HEAD", "/no-such-bucket")


def test_delete_bucket(client: S3Client) -> None:
    client.create_bucket("my-bucket")
    client.put("my-bucket", "k", b"data")
    with pytest.raises(errors.BucketNotEmpty) as caught:
        client.request("DELETE", "/my-bucket")
    assert caught.value.extra == {"BucketName": "my-bucket"}
    client.request("DELETE", "/my-bucket/k")
    response = client.request("DELETE", "/my-bucket")
    assert (response.status, response.body) == (204, b"")
    assert client.calls()[0].action == "s3:DeleteBucket"
    with pytest.raises(errors.NoSuchBucket):
        client.request("DELETE", "/my-bucket")
    # The name is free again, for any account.
    client.create_bucket("my-bucket", caller=OTHER_ROOT)
    with client.store.read() as conn:
        record = get_bucket(conn, "my-bucket")
    assert record is not None and record.account_id == OTHER_ACCOUNT


def test_get_bucket_versioning_is_never_enabled(client: S3Client) -> None:
    client.create_bucket("my-bucket")
    response = client.request("GET", "/my-bucket", query="versioning")
    assert parse("GetBucketVersioning", response) == {}
    assert client.calls()[0].action == "s3:GetBucketVersioning"


def test_expected_bucket_owner(client: S3Client) -> None:
    client.create_bucket("my-bucket")
    assert client.request("HEAD", "/my-bucket", headers=[("x-amz-expected-bucket-owner", ACCOUNT)]).status == 200
    with pytest.raises(errors.AccessDenied):
        client.request("HEAD", "/my-bucket", headers=[("x-amz-expected-bucket-owner", OTHER_ACCOUNT)])


def test_bucket_cache_sees_writes(client: S3Client) -> None:
    client.create_bucket("my-bucket")
    client.request("HEAD", "/my-bucket")  # cached
    client.request("DELETE", "/my-bucket")
    with pytest.raises(errors.NoSuchBucket):
        client.request("HEAD", "/my-bucket")
    assert dt.datetime.now(dt.UTC) > NOW - dt.timedelta(days=3650)
