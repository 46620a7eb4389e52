"""PutBucketPolicy / GetBucketPolicy / DeleteBucketPolicy: S3's validation messages, principal
resolution, who may manage a policy, and the compiled policy reaching the authorizer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ostiary import errors
from ostiary.model import Role, User
from ostiary.store.objects import get_bucket
from ostiary.store.principals import insert_role, insert_user
from tests.s3.conftest import ACCOUNT, ALICE, NOW, OTHER_ACCOUNT, OTHER_ROOT, ROOT, S3Client, body_bytes
from tests.s3.support import parse

USER_ID = "AIDAALICEEXAMPLE00001"
ROLE_ID = "AROADEPLOYEXAMPLE0001"


@pytest.fixture
def bucket(client: S3Client) -> S3Client:
    client.create_bucket("bkt")
    with client.store.write() as conn:
        insert_user(conn, User(USER_ID, ACCOUNT, "alice", "/", NOW))
        insert_user(conn, User("AIDABOBEXAMPLE0000001", ACCOUNT, "bob", "/team/", NOW))
        insert_role(conn, Role(ROLE_ID, ACCOUNT, "deploy", "/", NOW, 3600, "{}"))
    return client


def policy(*statements: dict[str, Any], version: str | None = "2012-10-17") -> str:
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        doc = {"Version": version, **doc}
    return json.dumps(doc)


def stmt(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bkt/*",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def put(client: S3Client, text: str, **kw: Any) -> int:
    return client.request("PUT", "/bkt", query="policy", body=text.encode(), **kw).status


def test_put_get_delete(bucket: S3Client) -> None:
    text = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [ {"Effect":"Allow","Principal":"*",'
        '"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"} ]\n}\n'
    )
    assert put(bucket, text) == 204
    assert bucket.calls() == []  # the owner's root needs no permission
    got = bucket.request("GET", "/bkt", query="policy")
    assert body_bytes(got) == text.encode()  # exactly as sent
    assert parse("GetBucketPolicy", got) == {"Policy": text}
    assert bucket.request("DELETE", "/bkt", query="policy").status == 204
    with pytest.raises(errors.NoSuchBucketPolicy) as caught:
        bucket.request("GET", "/bkt", query="policy")
    assert caught.value.extra == {"BucketName": "bkt"}
    assert bucket.request("DELETE", "/bkt", query="policy").status == 204


MALFORMED = [
    ("", "Policies must be valid JSON and the first byte must be '{'"),
    ('["Statement"]', "Policies must be valid JSON and the first byte must be '{'"),
    ("{not json", "This policy contains invalid Json"),
    (json.dumps({"Version": "2012-10-17", "Statment": []}), "Unknown field Statment"),
    (policy(stmt(), version="2013-01-01"), "The policy must contain a valid version string"),
    (json.dumps({"Version": "2012-10-17"}), "Missing required field Statement"),
    (policy(), "Could not parse the policy: Statement is empty!"),
    (policy(stmt(Effect="hello")), "Invalid effect: hello"),
    (policy(stmt(Effect=None)), "Missing required field Effect"),
    (policy(stmt(Principal=None)), "Missing required field Principal"),
    (policy(stmt(Action=None)), "Missing required field Action"),
    (policy(stmt(Resource=None)), "Missing required field Resource"),
    (policy(stmt(Colour="blue")), "Unknown field Colour"),
    (policy(stmt(Action="s3:FooBar")), "Policy has invalid action"),
    (policy(stmt(Action="iam:CreateUser")), "Policy has invalid action"),
    (policy(stmt(Action="getobject")), "Policy has invalid action"),
    (policy(stmt(Resource="arn:aws:s3:::other-bucket/*")), "Policy has invalid resource"),
    (policy(stmt(Resource="arn:aws:s3:::bk/*")), "Policy has invalid resource"),
    (policy(stmt(Resource="arn:aws:iam::111122223333:user/alice")), "Policy has invalid resource"),
    (policy(stmt(Resource="bkt")), "Policy has invalid resource"),
    (policy(stmt(Resource="arn:aws:s3:::bkt")), "Action does not apply to any resource(s) in statement"),
    (policy(stmt(Action="s3:ListBucket")), "Action does not apply to any resource(s) in statement"),
    (
        policy(stmt(Action="s3:ListAllMyBuckets", Resource="arn:aws:s3:::bkt")),
        "Action does not apply to any resource(s) in statement",
    ),
    (policy(stmt(Principal={"AWS": "arn:aws:iam::111122223333:user/nobody"})), "Invalid principal in policy"),
    (policy(stmt(Principal={"AWS": "arn:aws:iam::111122223333:user/*"})), "Invalid principal in policy"),
    (policy(stmt(Principal={"AWS": "arn:aws:iam::999999999999:root"})), "Invalid principal in policy"),
    (policy(stmt(Principal={"AWS": "999999999999"})), "Invalid principal in policy"),
    (policy(stmt(Principal={"AWS": "arn:aws:iam::111122223333:role/missing"})), "Invalid principal in policy"),
    (policy(stmt(Principal={"AWS": "arn:aws:iam::111122223333:user/bob"})), "Invalid principal in policy"),  # path
    (policy(stmt(Principal={"AWS": "not an arn"})), "Invalid principal in policy"),
    ('{"Statement": "' + "x" * 21000 + '"}', "Policy exceeds the maximum allowed document size."),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_policies(bucket: S3Client, text: str, message: str) -> None:
    with pytest.raises(errors.MalformedPolicy) as caught:
        put(bucket, text)
    assert caught.value.text == message
    assert caught.value.status == 400
    with bucket.store.read() as conn:
        record = get_bucket(conn, "bkt")
    assert record is not None and record.policy is None


ACCEPTED = [
    policy(stmt()),
    policy(stmt(), version=None),
    policy(stmt(), version="2008-10-17"),
    json.dumps({"Id": "p1", "Statement": stmt()}),  # a single statement object
    policy(stmt(Resource="*")),
    policy(stmt(Resource="arn:aws:s3:::bk?/*")),
    policy(stmt(Resource="arn:aws:s3:::bkt*", Action=["s3:GetObject", "s3:ListBucket"])),
    policy(stmt(Action="s3:Get*", Resource="arn:aws:s3:::bkt")),  # Get* includes GetBucketPolicy
    policy(stmt(Action="s3:*", Resource=["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"])),
    policy(stmt(Action="*")),
    policy(stmt(NotAction="s3:DeleteObject", Action=None, Effect="Deny")),
    policy(stmt(Principal={"AWS": "111122223333"})),
    policy(stmt(Principal={"AWS": ["arn:aws:iam::444455556666:root", "*"]})),
    policy(stmt(Principal={"AWS": "arn:aws:sts::111122223333:assumed-role/deploy/session"})),
    policy(stmt(Principal={"Service": "cloudfront.amazonaws.com"})),
    policy(stmt(NotPrincipal={"AWS": "arn:aws:iam::111122223333:user/alice"}, Principal=None, Effect="Deny")),
    policy(stmt(Condition={"StringEquals": {"s3:x-amz-acl": "private"}})),
    '  {"Statement": ' + json.dumps([stmt()]) + "}",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_policies(bucket: S3Client, text: str) -> None:
    assert put(bucket, text) == 204
    assert body_bytes(bucket.request("GET", "/bkt", query="policy")) == text.encode()


def test_principals_are_resolved_to_unique_ids(bucket: S3Client) -> None:
    text = policy(
        stmt(Principal={"AWS": ["arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:role/deploy"]}),
        stmt(Principal={"AWS": "arn:aws:iam::111122223333:user/team/bob"}, Sid="Bob"),
    )
    assert put(bucket, text) == 204
    with bucket.store.read() as conn:
        record = get_bucket(conn, "bkt")
    assert record is not None
    assert dict(record.policy_principal_ids) == {
        "arn:aws:iam::111122223333:user/alice": USER_ID,
        "arn:aws:iam::111122223333:role/deploy": ROLE_ID,
        "arn:aws:iam::111122223333:user/team/bob": "AIDABOBEXAMPLE0000001",
    }


def test_the_bucket_policy_reaches_the_authorizer(bucket: S3Client) -> None:
    bucket.put("bkt", "k", b"x")
    assert bucket.calls()[0].kwargs["resource_policies"] == ()
    text = policy(stmt())
    put(bucket, text)
    bucket.get("bkt", "k")
    [compiled] = bucket.calls()[0].kwargs["resource_policies"]
    assert compiled.text == text
    bucket.get("bkt", "k")
    [again] = bucket.calls()[0].kwargs["resource_policies"]
    assert again is compiled  # cached until the policy changes
    put(bucket, policy(stmt(Sid="Changed")))
    bucket.get("bkt", "k")
    [changed] = bucket.calls()[0].kwargs["resource_policies"]
    assert changed is not compiled and '"Changed"' in changed.text


def test_managing_a_policy_needs_permission(bucket: S3Client) -> None:
    bucket.deny = lambda caller, action, resource: True
    # The owner's root may always manage the policy, whatever the policy says.
    assert put(bucket, policy(stmt()), caller=ROOT) == 204
    with pytest.raises(errors.AccessDenied):
        put(bucket, policy(stmt()), caller=ALICE)
    with pytest.raises(errors.AccessDenied):
        bucket.request("GET", "/bkt", query="policy", caller=ALICE)
    bucket.deny = None
    assert put(bucket, policy(stmt()), caller=ALICE) == 204
    [call] = bucket.calls()
    assert (call.action, call.resource) == ("s3:PutBucketPolicy", "arn:aws:s3:::bkt")


@pytest.mark.parametrize(("method", "body"), [("PUT", b'{"Statement": []}'), ("GET", b""), ("DELETE", b"")])
def test_other_accounts_get_405(bucket: S3Client, method: str, body: bytes) -> None:
    with pytest.raises(errors.MethodNotAllowed) as caught:
        bucket.request(method, "/bkt", query="policy", body=body, caller=OTHER_ROOT)
    assert caught.value.extra == {"Method": method, "ResourceType": "BUCKET"}
    assert bucket.calls()[0].kwargs["resource_account"] == ACCOUNT
    assert OTHER_ROOT.account == OTHER_ACCOUNT


def test_policy_on_a_missing_bucket(client: S3Client) -> None:
    with pytest.raises(errors.NoSuchBucket):
        client.request("PUT", "/nope", query="policy", body=policy(stmt()).encode())
