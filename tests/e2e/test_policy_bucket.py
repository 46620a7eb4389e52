"""S3 bucket policies in the policy engine: same-account grants, denies with conditions, anonymous access,
and cross-account access that needs both sides.

Sources: Amazon S3 User Guide example-bucket-policies (public read with "Principal": "*", enforcing TLS with
aws:SecureTransport), IAM User Guide reference_policies_evaluation-logic_policy-eval-basics (a same-account
resource-based grant to a user ARN needs no identity policy) and reference_policies_evaluation-logic-cross-account
(both the bucket policy and the caller's identity policy must allow), Amazon S3 User Guide troubleshoot-403-errors
(S3 gives the detailed message only within the bucket owner's account or organization, so anonymous and
cross-account callers get "Access Denied", https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore
import pytest

from tests.e2e.test_sts_policy_support import (
    Kit,
    PrivateServer,
    allow,
    assume,
    denied_message,
    deny,
    doc,
    error_of,
    explicit_deny,
    private_server,
    trust,
)
from tests.support import Server

PLAIN_DENIAL = ("AccessDenied", 403, "Access Denied")


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


def anonymous(kit: Kit) -> Any:
    return kit.root.client("s3", signature_version=botocore.UNSIGNED)


def named_bucket(kit: Kit, *statements: dict[str, Any], objects: dict[str, bytes] | None = None) -> str:
    """A bucket whose policy is made of `statements`; "{bucket}" in a Resource is replaced by its name."""
    name = kit.unique_name("bkt")
    resolved = []
    for statement in statements:
        resource = statement["Resource"]
        fixed = (
            [r.replace("{bucket}", name) for r in resource]
            if isinstance(resource, list)
            else resource.replace("{bucket}", name)
        )
        resolved.append(statement | {"Resource": fixed})
    kit.bucket(doc(*resolved) if resolved else None, objects=objects, name=name)
    return name


def test_bucket_policy_grants_a_same_account_user_without_an_identity_policy(kit: Kit) -> None:
    user = kit.user()
    bucket = named_bucket(
        kit, allow("s3:GetObject", "arn:aws:s3:::{bucket}/*", Principal={"AWS": user.arn}), objects={"k": b"v"}
    )
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert error_of(user.creds.s3.put_object, Bucket=bucket, Key="k2", Body=b"x").code == "AccessDenied"
    stranger = kit.user()
    assert error_of(stranger.creds.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"


def test_bucket_policy_naming_the_account_delegates_to_identity_policies(kit: Kit) -> None:
    bucket = named_bucket(
        kit,
        allow("s3:GetObject", "arn:aws:s3:::{bucket}/*", Principal={"AWS": f"arn:aws:iam::{kit.account}:root"}),
        objects={"k": b"v"},
    )
    without = kit.user()
    assert error_of(without.creds.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"
    with_policy = kit.user(allow("s3:GetObject"))
    assert with_policy.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_bucket_policy_deny_enforcing_tls(kit: Kit) -> None:
    """The S3 User Guide's "enforce encryption in transit" policy denies every plain-HTTP request."""
    user = kit.user(allow("s3:*"))
    bucket = named_bucket(
        kit,
        deny(
            "s3:*",
            ["arn:aws:s3:::{bucket}", "arn:aws:s3:::{bucket}/*"],
            Principal="*",
            Condition={"Bool": {"aws:SecureTransport": "false"}},
        ),
        objects={"k": b"v"},
    )
    error = error_of(user.creds.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        user.arn, "s3:GetObject", f'"arn:aws:s3:::{bucket}/k"', explicit_deny("resource-based policy")
    )


def test_bucket_policy_deny_whose_condition_does_not_match(kit: Kit) -> None:
    user = kit.user(allow("s3:*"))
    bucket = named_bucket(
        kit,
        deny(
            "s3:GetObject",
            "arn:aws:s3:::{bucket}/*",
            Principal="*",
            Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        ),
        deny(
            "s3:DeleteObject",
            "arn:aws:s3:::{bucket}/*",
            Principal="*",
            Condition={"StringNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{kit.account}:user/nobody"}},
        ),
        objects={"k": b"v"},
    )
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(user.creds.s3.delete_object, Bucket=bucket, Key="k")
    assert error.message.endswith(explicit_deny("resource-based policy"))


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}], ids=["star", "aws-star"])
def test_anonymous_public_read(kit: Kit, principal: object) -> None:
    bucket = named_bucket(
        kit,
        allow("s3:GetObject", "arn:aws:s3:::{bucket}/public/*", Principal=principal),
        objects={"public/k": b"p", "private/k": b"s"},
    )
    s3 = anonymous(kit)
    assert s3.get_object(Bucket=bucket, Key="public/k")["Body"].read() == b"p"
    error = error_of(s3.get_object, Bucket=bucket, Key="private/k")
    assert (error.code, error.status, error.message) == PLAIN_DENIAL
    error = error_of(s3.list_objects_v2, Bucket=bucket)
    assert (error.code, error.status, error.message) == PLAIN_DENIAL


def test_anonymous_access_without_a_policy_is_denied(kit: Kit) -> None:
    bucket = named_bucket(kit, objects={"k": b"v"})
    s3 = anonymous(kit)
    for call, args in ((s3.get_object, {"Key": "k"}), (s3.put_object, {"Key": "k2", "Body": b"x"})):
        error = error_of(call, Bucket=bucket, **args)
        assert (error.code, error.status, error.message) == PLAIN_DENIAL


def test_bucket_policy_granting_a_role_session_arn(kit: Kit) -> None:
    user = kit.user()
    role = kit.role(trust(user.arn))
    session_arn = f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/granted"
    bucket = named_bucket(
        kit, allow("s3:GetObject", "arn:aws:s3:::{bucket}/*", Principal={"AWS": session_arn}), objects={"k": b"v"}
    )
    granted, _ = assume(user.creds, role.arn, "granted")
    assert granted.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    other, _ = assume(user.creds, role.arn, "other")
    assert error_of(other.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"


# --- cross-account -------------------------------------------------------------------------------


@pytest.fixture
def two(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> PrivateServer:
    return private_server(tmp_path_factory, request.config)


@pytest.fixture
def a(two: PrivateServer, unique_name: Callable[[str], str]) -> Kit:
    return Kit(two.server, unique_name)


@pytest.fixture
def b(two: PrivateServer, unique_name: Callable[[str], str]) -> Kit:
    return Kit(two.server, unique_name, root=two.root_b)


def test_cross_account_bucket_access_needs_both_sides(a: Kit, b: Kit) -> None:
    without = a.user()
    with_identity = a.user(allow("s3:GetObject"))
    bucket = named_bucket(
        b,
        allow("s3:GetObject", "arn:aws:s3:::{bucket}/*", Principal={"AWS": [without.arn, with_identity.arn]}),
        objects={"k": b"in-b"},
    )
    assert with_identity.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"in-b"
    error = error_of(without.creds.s3.get_object, Bucket=bucket, Key="k")
    assert (error.code, error.status, error.message) == PLAIN_DENIAL

    # The bucket policy is the other half: without it the identity policy alone is not enough.
    unshared = named_bucket(b, objects={"k": b"in-b"})
    error = error_of(with_identity.creds.s3.get_object, Bucket=unshared, Key="k")
    assert (error.code, error.status, error.message) == PLAIN_DENIAL


def test_cross_account_bucket_policy_naming_the_account(a: Kit, b: Kit) -> None:
    bucket = named_bucket(
        b,
        allow("s3:GetObject", "arn:aws:s3:::{bucket}/*", Principal={"AWS": a.account}),
        objects={"k": b"in-b"},
    )
    reader = a.user(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    assert reader.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"in-b"
    other = a.user(allow("s3:ListAllMyBuckets"))
    assert error_of(other.creds.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"
    # The owner's own users are unaffected by a grant to another account.
    own = b.user()
    assert error_of(own.creds.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"


def test_cross_account_explicit_deny_on_the_callers_side(a: Kit, b: Kit) -> None:
    user = a.user(allow("s3:*"), deny("s3:GetObject", "arn:aws:s3:::*/secret*"))
    bucket = named_bucket(
        b,
        allow("s3:GetObject", "arn:aws:s3:::{bucket}/*", Principal={"AWS": user.arn}),
        objects={"secret": b"s", "open": b"o"},
    )
    assert user.creds.s3.get_object(Bucket=bucket, Key="open")["Body"].read() == b"o"
    assert error_of(user.creds.s3.get_object, Bucket=bucket, Key="secret").code == "AccessDenied"


def test_cross_account_role_session_reads_the_other_accounts_bucket(a: Kit, b: Kit) -> None:
    """Assuming a role in B turns a cross-account request into a same-account one (IAM User Guide
    id_roles_common-scenarios_aws-accounts)."""
    bucket = named_bucket(b, objects={"k": b"in-b"})
    user = a.user(allow("sts:AssumeRole"), allow("s3:*"))
    role = b.role(trust(f"arn:aws:iam::{a.account}:root"), policy=[allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")])
    assert error_of(user.creds.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"
    session, _ = assume(user.creds, role.arn)
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"in-b"
    detail = error_of(session.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    # Same account now: the detailed message names the session in account B.
    assert detail.message.startswith(
        f"User: arn:aws:sts::{b.account}:assumed-role/{role.name}/session is not authorized to perform: s3:PutObject"
    )


def test_anonymous_access_with_referer_and_source_ip_conditions(kit: Kit) -> None:
    """The S3 User Guide examples "Restricting access to a specific HTTP referer" and a public drop folder
    limited by aws:SourceIp."""
    bucket = named_bucket(
        kit,
        allow(
            "s3:GetObject",
            "arn:aws:s3:::{bucket}/*",
            Principal="*",
            Condition={"StringLike": {"aws:Referer": ["http://www.example.com/*"]}},
        ),
        allow(
            "s3:PutObject",
            "arn:aws:s3:::{bucket}/drop/*",
            Principal="*",
            Condition={"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}},
        ),
        objects={"k": b"v"},
    )
    plain = anonymous(kit)
    error = error_of(plain.get_object, Bucket=bucket, Key="k")
    assert (error.code, error.status, error.message) == PLAIN_DENIAL
    referred = anonymous(kit)
    referred.meta.events.register(
        "before-send.s3.GetObject",
        lambda request, **_: request.headers.__setitem__("Referer", "http://www.example.com/index.html"),
    )
    assert referred.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    plain.put_object(Bucket=bucket, Key="drop/x", Body=b"x")
    assert kit.root.s3.get_object(Bucket=bucket, Key="drop/x")["Body"].read() == b"x"
    assert error_of(plain.put_object, Bucket=bucket, Key="elsewhere", Body=b"x").code == "AccessDenied"


def test_bucket_restricted_to_one_role_by_aws_userid(kit: Kit) -> None:
    """The AWS Security Blog pattern "How to restrict Amazon S3 bucket access to a specific IAM role": Deny
    everyone whose aws:userid is not the role's ROLEID:* (its sessions) or the root user's (the account ID: IAM User
    Guide, "IAM policy elements: Variables and tags", principal table, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable)."""
    user = kit.user(allow("s3:*"))
    role = kit.role(trust(user.arn), policy=[allow("s3:*")])
    bucket = named_bucket(
        kit,
        deny(
            "s3:*",
            ["arn:aws:s3:::{bucket}", "arn:aws:s3:::{bucket}/*"],
            Principal="*",
            Condition={"StringNotLike": {"aws:userid": [f"{role.role_id}:*", kit.account]}},
        ),
        objects={"k": b"v"},
    )
    session, _ = assume(user.creds, role.arn)
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert kit.root.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(user.creds.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        user.arn, "s3:GetObject", f'"arn:aws:s3:::{bucket}/k"', explicit_deny("resource-based policy")
    )
