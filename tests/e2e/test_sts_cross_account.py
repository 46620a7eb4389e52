"""Cross-account AssumeRole on a private server with a second account (`ostiary accounts create`).

Sources: IAM User Guide reference_policies_evaluation-logic-cross-account ("you attach a resource-based
policy to the resource that you want to share. You must also attach an identity-based policy to the
identity that acts as the principal in the request") and id_roles_common-scenarios_aws-accounts:
both sides must allow, and an explicit deny on either side denies.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.test_sts_policy_support import (
    Kit,
    PrivateServer,
    allow,
    assume,
    denied_message,
    deny,
    error_of,
    private_server,
    trust,
)


@pytest.fixture
def two(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> PrivateServer:
    return private_server(tmp_path_factory, request.config)


@pytest.fixture
def a(two: PrivateServer, unique_name: Callable[[str], str]) -> Kit:
    return Kit(two.server, unique_name)


@pytest.fixture
def b(two: PrivateServer, unique_name: Callable[[str], str]) -> Kit:
    return Kit(two.server, unique_name, root=two.root_b)


def test_the_second_account_is_separate(a: Kit, b: Kit, two: PrivateServer) -> None:
    assert b.account == two.account_b != a.account
    assert two.root_b.sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{b.account}:root"
    accounts = two.cli("accounts", "list")
    assert accounts.returncode == 0, accounts.stderr
    assert a.account in accounts.stdout and b.account in accounts.stdout


def test_cross_account_assume_role_with_both_sides_allowing(a: Kit, b: Kit) -> None:
    bucket = b.bucket(objects={"k": b"in-b"})
    role = b.role(
        trust(f"arn:aws:iam::{a.account}:root"),
        policy=[allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")],
        path="/x/",
    )
    user = a.user(allow("sts:AssumeRole", role.arn))
    session, response = assume(user.creds, role.arn, "visitor")
    assert response["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role.role_id}:visitor",
        "Arn": f"arn:aws:sts::{b.account}:assumed-role/{role.name}/visitor",
    }
    identity = session.sts.get_caller_identity()
    assert (identity["Account"], identity["Arn"]) == (b.account, response["AssumedRoleUser"]["Arn"])
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"in-b"
    assert a.root.sts.get_access_key_info(AccessKeyId=session.access_key_id)["Account"] == b.account
    assert a.root.sts.get_access_key_info(AccessKeyId=b.root.access_key_id)["Account"] == b.account


def test_cross_account_needs_the_callers_identity_policy(a: Kit, b: Kit) -> None:
    """A trust policy naming the user itself is not enough across accounts."""
    user = a.user()
    for principal in (f"arn:aws:iam::{a.account}:root", user.arn):
        role = b.role(trust(principal))
        error = error_of(user.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="s1")
        assert (error.code, error.status) == ("AccessDenied", 403)
        assert error.message == denied_message(user.arn, "sts:AssumeRole", role.arn)


def test_cross_account_needs_the_roles_trust(a: Kit, b: Kit) -> None:
    role = b.role(trust(f"arn:aws:iam::{b.account}:root"))
    user = a.user(allow("sts:AssumeRole"))
    error = error_of(user.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="s1")
    assert (error.code, error.message) == ("AccessDenied", denied_message(user.arn, "sts:AssumeRole", role.arn))


def test_cross_account_explicit_deny_on_either_side(a: Kit, b: Kit) -> None:
    user = a.user(allow("sts:AssumeRole"), deny("sts:AssumeRole", f"arn:aws:iam::{b.account}:role/denied-*"))
    denied_by_caller = b.role(trust(user.arn), name=b.unique_name("denied"))
    assert error_of(user.creds.sts.assume_role, RoleArn=denied_by_caller.arn, RoleSessionName="s1").code == (
        "AccessDenied"
    )
    denied_by_trust = b.role(
        trust(f"arn:aws:iam::{a.account}:root"),
        {"Effect": "Deny", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"},
    )
    assert error_of(user.creds.sts.assume_role, RoleArn=denied_by_trust.arn, RoleSessionName="s1").code == (
        "AccessDenied"
    )
    allowed = b.role(trust(user.arn))
    assume(user.creds, allowed.arn)


def test_cross_account_role_chaining_back_home(a: Kit, b: Kit) -> None:
    """A session of B's role may assume a role in A that trusts B's role (each side allowing)."""
    user = a.user(allow("sts:AssumeRole"))
    outward = b.role(trust(user.arn), policy=[allow("sts:AssumeRole")])
    home = a.role(trust(outward.arn))
    session, _ = assume(user.creds, outward.arn, "out")
    back, response = assume(session, home.arn, "back")
    assert response["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{a.account}:assumed-role/{home.name}/back"
    assert back.sts.get_caller_identity()["Account"] == a.account


def test_a_session_in_b_has_no_access_to_as_buckets(a: Kit, b: Kit) -> None:
    """S3 gives cross-account callers the plain "Access Denied" (Amazon S3 User Guide, "Troubleshoot access denied
    (403 Forbidden) errors in Amazon S3", https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html)."""
    bucket = a.bucket(objects={"k": b"in-a"})
    user = a.user(allow("sts:AssumeRole"))
    role = b.role(trust(user.arn), policy=[allow("s3:*")])
    session, _ = assume(user.creds, role.arn)
    error = error_of(session.s3.get_object, Bucket=bucket, Key="k")
    assert (error.code, error.status, error.message) == ("AccessDenied", 403, "Access Denied")


def test_a_session_in_b_sees_bs_iam_and_buckets_only(a: Kit, b: Kit) -> None:
    """IAM and ListBuckets answer for the caller's account: a session of B's role lists B's roles and buckets;
    A's user, even with iam:*, does not find B's users."""
    bucket_a, bucket_b = a.bucket(), b.bucket()
    user = a.user(allow("sts:AssumeRole"), allow(["iam:*", "s3:*"]))
    role = b.role(trust(user.arn), policy=[allow(["iam:ListRoles", "iam:GetUser", "s3:ListAllMyBuckets"])])
    b_user = b.user()
    session, _ = assume(user.creds, role.arn)

    roles = [r for page in session.iam.get_paginator("list_roles").paginate() for r in page["Roles"]]
    assert role.arn in [r["Arn"] for r in roles]
    assert {r["Arn"].split(":")[4] for r in roles} == {b.account}
    buckets = [x["Name"] for x in session.s3.list_buckets()["Buckets"]]
    assert bucket_b in buckets and bucket_a not in buckets
    assert session.iam.get_user(UserName=b_user.name)["User"]["Arn"] == b_user.arn

    error = error_of(user.creds.iam.get_user, UserName=b_user.name)
    assert (error.code, error.status) == ("NoSuchEntity", 404)
    pages = user.creds.iam.get_paginator("list_users").paginate()
    assert b_user.name not in [u["UserName"] for page in pages for u in page["Users"]]
