"""Handlers with an XML or JSON body decide what they can before they read it.

What S3 knows before the body: who signed the request, the bucket and its owner, and its bucket policy.
So a caller who could not be allowed whatever the body said is refused without the body being read or
parsed: a malformed or hostile body from such a caller is AccessDenied (or MethodNotAllowed), never
MalformedXML. DeleteObjects keeps S3's per-key answers for authenticated callers: each key is authorized
on its own (API_DeleteObjects, https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from ostiary import errors
from ostiary.caller import Caller
from tests.s3.conftest import ALICE, ANONYMOUS, OTHER_ROOT, ROOT, S3Client, object_files
from tests.s3.support import parse
from tests.s3.test_xml import HOSTILE


class UnreadableBody:
    """A request body that fails the test if a handler reads it."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the handler read the body before refusing the caller")


def md5_header(body: bytes) -> list[tuple[str, str]]:
    return [("content-md5", base64.b64encode(hashlib.md5(body).digest()).decode())]


def bucket_policy(*statements: dict[str, Any]) -> bytes:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}).encode()


def allow(principal: Any, action: str = "s3:DeleteObject", resource: str = "arn:aws:s3:::bkt/*") -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}


@pytest.fixture
def bucket(client: S3Client) -> S3Client:
    client.create_bucket("bkt")
    for key in ("a", "public/b"):
        client.put("bkt", key, b"x")
    return client


def delete(client: S3Client, body: Any, caller: Caller, headers: list[tuple[str, str]] | None = None) -> Any:
    extra = headers if headers is not None else md5_header(body if isinstance(body, bytes) else b"")
    return client.request("POST", "/bkt", query="delete", headers=extra, body=body, caller=caller)


# --- DeleteObjects ---------------------------------------------------------------------------------

BODIES = {"not-xml": b"<Delete><Object>", **{n: HOSTILE[n] for n in ("billion-laughs", "external-file-entity")}}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_an_anonymous_caller_without_a_grant_is_refused_before_the_body_is_parsed(
    bucket: S3Client, body: bytes
) -> None:
    with pytest.raises(errors.AccessDenied) as caught:
        delete(bucket, body, ANONYMOUS)
    assert caught.value.text == "Access Denied"
    assert len(object_files(bucket.store)) == 2


def test_an_anonymous_caller_without_a_grant_is_refused_before_the_body_is_read(bucket: S3Client) -> None:
    with pytest.raises(errors.AccessDenied):
        delete(bucket, UnreadableBody(), ANONYMOUS, headers=[("content-md5", "AAAAAAAAAAAAAAAAAAAAAA==")])
    with pytest.raises(errors.AccessDenied):  # nor does a missing integrity header come first
        delete(bucket, UnreadableBody(), ANONYMOUS, headers=[])


@pytest.mark.parametrize(
    "statements",
    [
        [],  # no bucket policy at all: see the fixture
        [allow({"AWS": "arn:aws:iam::111122223333:root"})],  # grants an account, not anonymous callers
        [allow("*", action="s3:GetObject")],  # another action
        [{**allow("*"), "Effect": "Deny"}],  # a Deny grants nothing
    ],
    ids=["no-policy", "account-principal", "other-action", "deny-only"],
)
def test_bucket_policies_that_grant_anonymous_callers_no_deletion(
    bucket: S3Client, statements: list[dict[str, Any]]
) -> None:
    if statements:
        assert bucket.request("PUT", "/bkt", query="policy", body=bucket_policy(*statements)).status == 204
    with pytest.raises(errors.AccessDenied):
        delete(bucket, b"<Delete><Object>", ANONYMOUS)


@pytest.mark.parametrize(
    "statement",
    [
        allow("*"),
        allow({"AWS": "*"}, action="s3:Delete*"),
        allow("*", resource="arn:aws:s3:::bkt/public/*"),
        allow("*", resource="arn:aws:s3:::b*"),
        allow("*", action="s3:*", resource="*"),
        {**allow("*"), "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}},  # conditions may hold
        {"Effect": "Allow", "Principal": "*", "Action": "s3:DeleteObject", "NotResource": "arn:aws:s3:::bkt/a"},
    ],
    ids=["objects", "wildcard-action", "prefix", "wildcard-bucket", "everything", "conditional", "not-resource"],
)
def test_a_bucket_policy_that_may_grant_anonymous_deletion_lets_the_body_through(
    bucket: S3Client, statement: dict[str, Any]
) -> None:
    assert bucket.request("PUT", "/bkt", query="policy", body=bucket_policy(statement)).status == 204
    with pytest.raises(errors.MalformedXML):
        delete(bucket, b"<Delete><Object>", ANONYMOUS)
    body = b"<Delete><Object><Key>public/b</Key></Object></Delete>"
    # The test authorizer denies anonymous callers every key: S3's per-key answer.
    assert parse("DeleteObjects", delete(bucket, body, ANONYMOUS)) == {
        "Errors": [{"Key": "public/b", "Code": "AccessDenied", "Message": "Access Denied"}]
    }


def test_authenticated_callers_get_per_key_answers(bucket: S3Client) -> None:
    """A signed caller allowed nothing still gets 200 with one AccessDenied <Error> per key, as S3 answers."""
    bucket.deny = lambda caller, action, resource: caller is ALICE
    body = b"<Delete><Object><Key>a</Key></Object><Object><Key>public/b</Key></Object></Delete>"
    generation = bucket.store.generation
    response = delete(bucket, body, ALICE)
    assert response.status == 200
    assert [e["Key"] for e in parse("DeleteObjects", response)["Errors"]] == ["a", "public/b"]
    assert len(object_files(bucket.store)) == 2
    assert bucket.store.generation == generation  # nothing allowed: nothing written


@pytest.mark.parametrize("name", ["billion-laughs", "internal-entity-utf-16le-bom", "external-http-entity", "huge"])
def test_hostile_delete_bodies_are_malformed_xml_and_delete_nothing(bucket: S3Client, name: str) -> None:
    with pytest.raises(errors.MalformedXML):
        delete(bucket, HOSTILE[name], ROOT)
    assert len(object_files(bucket.store)) == 2


def test_a_missing_bucket_is_reported_before_the_body_is_read(client: S3Client) -> None:
    with pytest.raises(errors.NoSuchBucket):
        client.request("POST", "/nothing", query="delete", body=UnreadableBody(), caller=ANONYMOUS)


# --- PutBucketPolicy --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "error"),
    [(ANONYMOUS, errors.AccessDenied), (ALICE, errors.AccessDenied), (OTHER_ROOT, errors.MethodNotAllowed)],
    ids=["anonymous", "user-without-permission", "other-account"],
)
def test_put_bucket_policy_refuses_before_the_body_is_read(
    bucket: S3Client, caller: Caller, error: type[errors.AwsError]
) -> None:
    bucket.deny = lambda who, action, resource: who is not OTHER_ROOT
    with pytest.raises(error):
        bucket.request("PUT", "/bkt", query="policy", body=UnreadableBody(), caller=caller)
    with pytest.raises(error):
        bucket.request("PUT", "/bkt", query="policy", body=b"[" * 100_000, caller=caller)


# --- CreateBucket -----------------------------------------------------------------------------------


def test_create_bucket_refuses_anonymous_callers_before_the_body_is_read(client: S3Client) -> None:
    with pytest.raises(errors.AccessDenied):
        client.request("PUT", "/new-bucket", body=UnreadableBody(), caller=ANONYMOUS)


def test_create_bucket_configuration_is_parsed_safely(client: S3Client) -> None:
    entity = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE CreateBucketConfiguration [<!ENTITY r "eu-west-1">]>'
        "<CreateBucketConfiguration><LocationConstraint>&r;</LocationConstraint></CreateBucketConfiguration>"
    )
    deep = b"<CreateBucketConfiguration>" + b"<a>" * 100 + b"</a>" * 100 + b"</CreateBucketConfiguration>"
    for body in (entity.encode("utf-16"), HOSTILE["billion-laughs"], deep):
        with pytest.raises(errors.MalformedXML):
            client.request("PUT", "/new-bucket", body=body, caller=ROOT)
    with pytest.raises(errors.NoSuchBucket):
        client.request("HEAD", "/new-bucket")
