"""Permissions boundaries and session policies capping real requests, and how they meet bucket policies.

Sources: IAM User Guide access_policies_boundaries ("Evaluating effective permissions with boundaries":
identity ∩ boundary; "Within the same account, resource-based policies that grant permissions to an IAM
user ARN ... are not limited by an implicit deny in a permissions boundary"; a grant to the role ARN is),
access_policies_session (a resource-based grant to the role ARN is added before the session is created and
is capped by the session policy; a grant to the session ARN is not), troubleshoot_access-denied (the
AccessDenied phrases, https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)
and the AWS Security Blog post "Enhanced access denied error messages with policy ARNs" (": <policy-arn>" after
explicit denies in same-account requests, https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns/).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.test_sts_policy_support import (
    Kit,
    allow,
    assume,
    because_no,
    denied_message,
    deny,
    doc,
    error_of,
    explicit_deny,
    trust,
)
from tests.support import Server


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


def s3_object(bucket: str, key: str) -> str:
    return f'"arn:aws:s3:::{bucket}/{key}"'


def test_user_boundary_caps_the_identity_policy(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    boundary = kit.managed_policy(allow(["s3:GetObject", "s3:ListBucket"]))
    user = kit.user(allow("s3:*"), boundary=boundary)
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(user.creds.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    assert error.message == denied_message(
        user.arn, "s3:PutObject", s3_object(bucket, "k2"), because_no("permissions boundary", "s3:PutObject")
    )


def test_boundary_never_grants(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    boundary = kit.managed_policy(allow("*"))
    user = kit.user(boundary=boundary)
    error = error_of(user.creds.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        user.arn, "s3:GetObject", s3_object(bucket, "k"), because_no("identity-based policy", "s3:GetObject")
    )


def test_explicit_deny_in_a_boundary_names_the_boundary(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    boundary = kit.managed_policy(allow("*"), deny("s3:DeleteObject"))
    user = kit.user(allow("s3:*"), boundary=boundary)
    error = error_of(user.creds.s3.delete_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        user.arn, "s3:DeleteObject", s3_object(bucket, "k"), explicit_deny("permissions boundary", boundary)
    )


def test_boundary_changes_apply_at_once(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    narrow = kit.managed_policy(allow("s3:ListAllMyBuckets"))
    user = kit.user(allow("s3:*"))
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    kit.root.iam.put_user_permissions_boundary(UserName=user.name, PermissionsBoundary=narrow)
    error = error_of(user.creds.s3.get_object, Bucket=bucket, Key="k")
    assert error.message.endswith(because_no("permissions boundary", "s3:GetObject"))
    kit.root.iam.delete_user_permissions_boundary(UserName=user.name)
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_role_boundary_caps_its_sessions(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    boundary = kit.managed_policy(allow("s3:GetObject"))
    user = kit.user()
    role = kit.role(trust(user.arn), policy=[allow("s3:*")], boundary=boundary)
    session, _ = assume(user.creds, role.arn, "bounded")
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(session.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/bounded",
        "s3:PutObject",
        s3_object(bucket, "k2"),
        because_no("permissions boundary", "s3:PutObject"),
    )


def test_boundary_and_same_account_bucket_policy_naming_the_user(kit: Kit) -> None:
    """A bucket policy naming the user ARN is not limited by an implicit deny in the user's boundary;
    an explicit deny in the boundary still wins."""
    boundary = kit.managed_policy(allow("s3:ListAllMyBuckets"), deny("s3:DeleteObject"))
    user = kit.user(boundary=boundary)
    bucket = kit.unique_name("bkt")
    grant = allow(["s3:GetObject", "s3:DeleteObject"], f"arn:aws:s3:::{bucket}/*", Principal={"AWS": user.arn})
    kit.bucket(doc(grant), objects={"k": b"v"}, name=bucket)
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(user.creds.s3.delete_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        user.arn, "s3:DeleteObject", s3_object(bucket, "k"), explicit_deny("permissions boundary", boundary)
    )


def test_boundary_limits_a_bucket_policy_naming_the_role(kit: Kit) -> None:
    """A grant to the role ARN is limited by an implicit deny in the role's boundary."""
    boundary = kit.managed_policy(allow("s3:ListAllMyBuckets"))
    user = kit.user()
    role = kit.role(trust(user.arn), boundary=boundary)
    bucket = kit.unique_name("bkt")
    kit.bucket(
        doc(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*", Principal={"AWS": role.arn})),
        objects={"k": b"v"},
        name=bucket,
    )
    session, _ = assume(user.creds, role.arn, "via-role-arn")
    error = error_of(session.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/via-role-arn",
        "s3:GetObject",
        s3_object(bucket, "k"),
        because_no("permissions boundary", "s3:GetObject"),
    )


def test_session_policy_caps_a_grant_to_the_role_arn_but_not_to_the_session_arn(kit: Kit) -> None:
    bucket = kit.unique_name("bkt")
    user = kit.user()
    role = kit.role(trust(user.arn))
    session_arn = f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/named"
    kit.bucket(
        doc(
            allow("s3:GetObject", f"arn:aws:s3:::{bucket}/by-role/*", Principal={"AWS": role.arn}),
            allow("s3:GetObject", f"arn:aws:s3:::{bucket}/by-session/*", Principal={"AWS": session_arn}),
        ),
        objects={"by-role/k": b"r", "by-session/k": b"s"},
        name=bucket,
    )
    # Without a session policy both grants apply.
    plain, _ = assume(user.creds, role.arn, "named")
    assert plain.s3.get_object(Bucket=bucket, Key="by-role/k")["Body"].read() == b"r"
    assert plain.s3.get_object(Bucket=bucket, Key="by-session/k")["Body"].read() == b"s"

    capped, _ = assume(user.creds, role.arn, "named", Policy=doc(allow("s3:ListAllMyBuckets")))
    error = error_of(capped.s3.get_object, Bucket=bucket, Key="by-role/k")
    assert error.message == denied_message(
        session_arn, "s3:GetObject", s3_object(bucket, "by-role/k"), because_no("session policy", "s3:GetObject")
    )
    assert capped.s3.get_object(Bucket=bucket, Key="by-session/k")["Body"].read() == b"s"


def test_explicit_deny_in_a_managed_session_policy_names_it(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user, role = kit.user_with_role(allow("s3:*"))
    denying = kit.managed_policy(allow("s3:*"), deny("s3:GetObject"))
    session, _ = assume(user.creds, role.arn, "managed-deny", PolicyArns=[{"arn": denying}])
    error = error_of(session.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/managed-deny",
        "s3:GetObject",
        s3_object(bucket, "k"),
        explicit_deny("session policy", denying),
    )


def test_the_one_layer_that_does_not_allow_is_named(kit: Kit) -> None:
    """Role identity, role boundary and session policy together: each denial names the only layer that fails."""
    bucket = kit.bucket(objects={"k": b"v"})
    boundary = kit.managed_policy(allow("s3:GetObject"))
    user = kit.user()
    role = kit.role(trust(user.arn), policy=[allow("s3:*")], boundary=boundary)
    session, _ = assume(user.creds, role.arn, "layers", Policy=doc(allow("s3:PutObject")))
    arn = f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/layers"
    error = error_of(session.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        arn, "s3:GetObject", s3_object(bucket, "k"), because_no("session policy", "s3:GetObject")
    )
    error = error_of(session.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    assert error.message == denied_message(
        arn, "s3:PutObject", s3_object(bucket, "k2"), because_no("permissions boundary", "s3:PutObject")
    )
