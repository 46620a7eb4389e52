"""A cross-section of the STS and policy end-to-end checks on both backends (SQLite and PostgreSQL).

The PostgreSQL cases run when OSTIARY_TEST_DATABASE_URL is set (see tests/conftest.py). What they add over
the SQLite-only files: the policy and key caches follow writes on PostgreSQL at once, and `ostiary roles
revoke-sessions` writing from another process reaches a PostgreSQL-backed server.
"""

from __future__ import annotations

from collections.abc import Callable

import botocore
import pytest

from tests.e2e.test_sts_policy_support import (
    Kit,
    PrivateServer,
    allow,
    assume,
    because_no,
    denied_message,
    doc,
    error_of,
    explicit_deny,
    is_access_denied,
    root_creds,
    trust,
    wait_until,
)
from tests.support import Server


@pytest.fixture
def kit(backend_server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(backend_server, unique_name)


def test_assume_role_chain_and_session_permissions(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user()
    first = kit.role(trust(user.arn), policy=[allow("sts:AssumeRole")], path="/p/")
    second = kit.role(trust(first.arn), policy=[allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")])
    session, response = assume(user.creds, first.arn, "one")
    assert response["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{kit.account}:assumed-role/{first.name}/one"
    chained, _ = assume(session, second.arn, "two")
    assert chained.sts.get_caller_identity()["UserId"] == f"{second.role_id}:two"
    assert chained.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(chained.s3.list_objects_v2, Bucket=bucket)
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:assumed-role/{second.name}/two",
        "s3:ListBucket",
        f'"arn:aws:s3:::{bucket}"',
        because_no("identity-based policy", "s3:ListBucket"),
    )
    error = error_of(session.sts.assume_role, RoleArn=second.arn, RoleSessionName="long", DurationSeconds=3601)
    assert error.code == "ValidationError"


def test_boundary_and_session_policy(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    boundary = kit.managed_policy(allow("s3:*"), {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})
    user = kit.user()
    role = kit.role(
        trust(user.arn), policy=[allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])], boundary=boundary
    )
    session, _ = assume(user.creds, role.arn, "capped", Policy=doc(allow(["s3:GetObject", "s3:DeleteObject"])))
    session_arn = f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/capped"
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(session.s3.delete_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        session_arn, "s3:DeleteObject", f'"arn:aws:s3:::{bucket}/k"', explicit_deny("permissions boundary", boundary)
    )
    error = error_of(session.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    assert error.message == denied_message(
        session_arn, "s3:PutObject", f'"arn:aws:s3:::{bucket}/k2"', because_no("session policy", "s3:PutObject")
    )


def test_bucket_policy_grant_and_anonymous_read(kit: Kit) -> None:
    user = kit.user()
    bucket = kit.unique_name("bkt")
    kit.bucket(
        doc(
            allow("s3:GetObject", f"arn:aws:s3:::{bucket}/public/*", Principal="*"),
            allow("s3:PutObject", f"arn:aws:s3:::{bucket}/drop/*", Principal={"AWS": user.arn}),
        ),
        objects={"public/k": b"p", "private/k": b"s"},
        name=bucket,
    )
    anonymous = kit.root.client("s3", signature_version=botocore.UNSIGNED)
    assert anonymous.get_object(Bucket=bucket, Key="public/k")["Body"].read() == b"p"
    assert error_of(anonymous.get_object, Bucket=bucket, Key="private/k").message == "Access Denied"
    user.creds.s3.put_object(Bucket=bucket, Key="drop/x", Body=b"x")
    assert error_of(user.creds.s3.get_object, Bucket=bucket, Key="private/k").code == "AccessDenied"


def test_policy_and_key_changes_apply_at_once(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(allow("s3:GetObject"))
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    kit.root.iam.put_user_policy(UserName=user.name, PolicyName="inline", PolicyDocument=doc(allow("s3:PutObject")))
    assert error_of(user.creds.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"
    kit.root.iam.update_access_key(UserName=user.name, AccessKeyId=user.access_key_id, Status="Inactive")
    assert error_of(user.creds.sts.get_caller_identity).code == "InvalidClientTokenId"
    kit.root.iam.update_access_key(UserName=user.name, AccessKeyId=user.access_key_id, Status="Active")
    assert user.creds.sts.get_caller_identity()["Arn"] == user.arn


def test_revoke_sessions_reaches_a_postgres_server(pg_server: Server, unique_name: Callable[[str], str]) -> None:
    kit = Kit(pg_server, unique_name)
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user()
    role = kit.role(trust(user.arn), policy=[allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")])
    old, _ = assume(user.creds, role.arn, "old")
    assert old.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"

    result = PrivateServer(pg_server, "", root_creds(pg_server)).cli("roles", "revoke-sessions", role.name)
    assert result.returncode == 0, result.stderr
    revoked = wait_until(lambda: is_access_denied(old.s3.get_object, Bucket=bucket, Key="k"))
    assert revoked, "the revocation did not reach the PostgreSQL-backed server within 5 s"
    new, _ = assume(user.creds, role.arn, "new")
    assert new.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
