"""Bucket policies end to end: a grant to another user of the account, a deny by condition, anonymous
reads, and the exact AccessDenied texts S3 gives same-account callers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore import UNSIGNED
from botocore.exceptions import ClientError

from tests.support import Server


@pytest.fixture
def s3(server: Server) -> Any:
    return server.client("s3")


@pytest.fixture
def bucket(s3: Any, unique_name: Callable[[str], str]) -> str:
    name = unique_name("pol")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="public/readme.txt", Body=b"public")
    s3.put_object(Bucket=name, Key="private/secret.txt", Body=b"secret")
    return name


def make_user(server: Server, name: str, identity_policy: dict[str, Any] | None = None) -> Any:
    iam = server.client("iam")
    iam.create_user(UserName=name)
    if identity_policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(identity_policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("s3", access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"])


def code(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error.get("Message", "")


def test_a_bucket_policy_grants_another_user(
    server: Server, s3: Any, bucket: str, unique_name: Callable[[str], str]
) -> None:
    user = unique_name("reader")
    reader = make_user(server, user)
    arn = f"arn:aws:iam::{server.account_id}:user/{user}"
    denied = code(lambda: reader.get_object(Bucket=bucket, Key="public/readme.txt"))
    assert denied == (
        "AccessDenied",
        f"User: {arn} is not authorized to perform: s3:GetObject on resource: "
        f'"arn:aws:s3:::{bucket}/public/readme.txt" because no identity-based policy allows the s3:GetObject action',
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Principal": {"AWS": arn},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == policy
    assert reader.get_object(Bucket=bucket, Key="public/readme.txt")["Body"].read() == b"public"
    assert code(lambda: reader.put_object(Bucket=bucket, Key="x", Body=b"x"))[0] == "AccessDenied"
    # Without s3:ListBucket a missing key is 403, not 404.
    assert code(lambda: reader.get_object(Bucket=bucket, Key="nope"))[0] == "AccessDenied"
    # The grant names the user as it was when the policy was saved: a new user with the same name is not covered.
    iam = server.client("iam")
    for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=user)
    impostor = make_user(server, user)
    assert code(lambda: impostor.get_object(Bucket=bucket, Key="public/readme.txt"))[0] == "AccessDenied"


def test_a_bucket_policy_denies_by_condition(
    server: Server, s3: Any, bucket: str, unique_name: Callable[[str], str]
) -> None:
    user = unique_name("lister")
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    lister = make_user(server, user, everything)
    assert lister.list_objects_v2(Bucket=bucket)["KeyCount"] == 2
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyPublic",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringNotLike": {"s3:prefix": "public/*"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert [c["Key"] for c in lister.list_objects_v2(Bucket=bucket, Prefix="public/")["Contents"]] == [
        "public/readme.txt"
    ]
    denied = code(lambda: lister.list_objects_v2(Bucket=bucket, Prefix="private/"))
    assert denied == (
        "AccessDenied",
        f"User: arn:aws:iam::{server.account_id}:user/{user} is not authorized to perform: s3:ListBucket on resource: "
        f'"arn:aws:s3:::{bucket}" with an explicit deny in a resource-based policy',
    )
    # The owner's root can always take the policy away again.
    s3.delete_bucket_policy(Bucket=bucket)
    assert lister.list_objects_v2(Bucket=bucket, Prefix="private/")["KeyCount"] == 1


def test_anonymous_reads_through_the_bucket_policy(server: Server, s3: Any, bucket: str) -> None:
    url = f"{server.endpoint}/{bucket}/public/readme.txt"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url)
    assert caught.value.code == 403
    assert b"<Code>AccessDenied</Code><Message>Access Denied</Message>" in caught.value.read()
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/public/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"public"
    anonymous = server.client("s3", signature_version=UNSIGNED)
    assert anonymous.get_object(Bucket=bucket, Key="public/readme.txt")["Body"].read() == b"public"
    assert code(lambda: anonymous.get_object(Bucket=bucket, Key="private/secret.txt")) == (
        "AccessDenied",
        "Access Denied",
    )
    assert code(lambda: anonymous.list_objects_v2(Bucket=bucket))[0] == "AccessDenied"


def test_malformed_policies_use_s3_words(s3: Any, bucket: str) -> None:
    def put(policy: dict[str, Any]) -> tuple[str, str]:
        return code(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy)))

    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::other/*",
    }
    assert put({"Statement": [statement]}) == ("MalformedPolicy", "Policy has invalid resource")
    statement["Resource"] = f"arn:aws:s3:::{bucket}"
    assert put({"Statement": [statement]}) == (
        "MalformedPolicy",
        "Action does not apply to any resource(s) in statement",
    )
    statement["Principal"] = {"AWS": "arn:aws:iam::123456789012:user/nobody"}
    assert put({"Statement": [statement]})[1] == "Invalid principal in policy"
    assert code(lambda: s3.get_bucket_policy(Bucket=bucket))[0] == "NoSuchBucketPolicy"
