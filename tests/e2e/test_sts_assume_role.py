"""AssumeRole end to end with boto3: credentials, identities, durations, session policies, denials.

Sources: STS API Reference, AssumeRole (Credentials, AssumedRoleUser, DurationSeconds, Policy,
PolicyArns, PackedPolicySize); IAM User Guide id_roles_use (session durations) and
id_roles_terms-and-concepts (role chaining) and reference_identifiers (ARNs and unique IDs,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html); AccessDenied texts as seen in public
AWS CLI output.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from tests.e2e.test_sts_policy_support import (
    Kit,
    allow,
    assert_expires_in,
    assume,
    because_no,
    denied_message,
    deny,
    doc,
    error_of,
    session_creds,
    trust,
)
from tests.support import Server

ROLE_CHAINING_MESSAGE = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
)
MAX_SESSION_MESSAGE = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


def test_assume_role_returns_aws_shaped_credentials_and_identity(kit: Kit) -> None:
    """ASIA key, 40-char secret, a token; AssumedRoleId = ROLEID:SESSION; the session ARN has no path.

    STS API Reference, AssumeRole, Response Elements; IAM User Guide reference_identifiers
    ("arn:aws:sts::account:assumed-role/role-name/role-session-name", no path).
    """
    user = kit.user()
    role = kit.role(trust(user.arn), path="/team/deploy/")
    before = time.time()
    session, response = assume(user.creds, role.arn, "build-42", DurationSeconds=900)
    after = time.time()

    creds = response["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", creds["AccessKeyId"])
    assert len(creds["SecretAccessKey"]) == 40
    assert creds["SessionToken"]
    assert_expires_in(creds["Expiration"], 900, before, after)
    assert response["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role.role_id}:build-42",
        "Arn": f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/build-42",
    }
    assert role.arn == f"arn:aws:iam::{kit.account}:role/team/deploy/{role.name}"

    identity = session.sts.get_caller_identity()
    assert identity["UserId"] == f"{role.role_id}:build-42"
    assert identity["Account"] == kit.account
    assert identity["Arn"] == f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/build-42"


def test_default_duration_is_one_hour(kit: Kit) -> None:
    """DurationSeconds defaults to 3600 (STS API Reference, AssumeRole, DurationSeconds)."""
    user = kit.user()
    role = kit.role(trust(user.arn))
    before = time.time()
    _, response = assume(user.creds, role.arn)
    assert_expires_in(response["Credentials"]["Expiration"], 3600, before, time.time())


def test_session_has_the_roles_permissions_not_the_users(kit: Kit) -> None:
    """A role session acts with the role's policies; the user's own key has none of them."""
    bucket = kit.bucket(objects={"reports/a.txt": b"alpha"})
    user = kit.user()
    role = kit.role(
        trust(user.arn),
        policy=[
            allow("s3:ListAllMyBuckets"),
            allow("s3:GetObject", f"arn:aws:s3:::{bucket}/reports/*"),
            allow("iam:GetRole", f"arn:aws:iam::{kit.account}:role/*"),
        ],
    )
    session, _ = assume(user.creds, role.arn, "reader")
    session_arn = f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/reader"

    assert bucket in [b["Name"] for b in session.s3.list_buckets()["Buckets"]]
    assert session.s3.get_object(Bucket=bucket, Key="reports/a.txt")["Body"].read() == b"alpha"
    assert session.iam.get_role(RoleName=role.name)["Role"]["Arn"] == role.arn

    put = error_of(session.s3.put_object, Bucket=bucket, Key="reports/b.txt", Body=b"x")
    assert (put.code, put.status) == ("AccessDenied", 403)
    assert put.message == denied_message(
        session_arn,
        "s3:PutObject",
        f'"arn:aws:s3:::{bucket}/reports/b.txt"',
        because_no("identity-based policy", "s3:PutObject"),
    )
    listed = error_of(session.iam.list_users)
    assert listed.code == "AccessDenied"
    assert listed.message.startswith(f"User: {session_arn} is not authorized to perform: iam:ListUsers")

    # The user's own key has none of the role's permissions.
    own = error_of(user.creds.s3.get_object, Bucket=bucket, Key="reports/a.txt")
    assert own.code == "AccessDenied"
    assert own.message.startswith(f"User: {user.arn} is not authorized to perform: s3:GetObject")


def test_duration_over_the_roles_maximum_is_a_validation_error(kit: Kit) -> None:
    """Over MaxSessionDuration: ValidationError 400 with AWS's text (STS API Reference, "AssumeRole",
    DurationSeconds, https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html)."""
    user = kit.user()
    role = kit.role(trust(user.arn))
    error = error_of(user.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="long", DurationSeconds=3601)
    assert (error.code, error.status, error.message) == ("ValidationError", 400, MAX_SESSION_MESSAGE)


def test_raising_max_session_duration_with_update_role_allows_longer_sessions(kit: Kit) -> None:
    """UpdateRole MaxSessionDuration sets what DurationSeconds may ask (IAM API Reference, UpdateRole)."""
    user = kit.user()
    role = kit.role(trust(user.arn))
    kit.root.iam.update_role(RoleName=role.name, MaxSessionDuration=7200)
    assert kit.root.iam.get_role(RoleName=role.name)["Role"]["MaxSessionDuration"] == 7200

    before = time.time()
    _, response = assume(user.creds, role.arn, "long", DurationSeconds=7200)
    assert_expires_in(response["Credentials"]["Expiration"], 7200, before, time.time())
    error = error_of(user.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="longer", DurationSeconds=7201)
    assert (error.code, error.message) == ("ValidationError", MAX_SESSION_MESSAGE)


def test_role_chaining_is_capped_at_one_hour(kit: Kit) -> None:
    """A role session assuming a role gets at most 3600 s, whatever the role's maximum.

    STS API Reference, AssumeRole, DurationSeconds ("if you assume a role using role chaining and
    provide a DurationSeconds parameter value greater than one hour, the operation fails"); the text
    is from AWS Knowledge Center "iam-role-chaining-limit".
    """
    user = kit.user()
    first = kit.role(trust(user.arn), policy=[allow("sts:AssumeRole")], max_session=43200)
    second = kit.role(trust(first.arn), max_session=43200)
    session, _ = assume(user.creds, first.arn, "first", DurationSeconds=43200)

    error = error_of(session.sts.assume_role, RoleArn=second.arn, RoleSessionName="second", DurationSeconds=3601)
    assert (error.code, error.status, error.message) == ("ValidationError", 400, ROLE_CHAINING_MESSAGE)

    before = time.time()
    chained, response = assume(session, second.arn, "second", DurationSeconds=3600)
    assert_expires_in(response["Credentials"]["Expiration"], 3600, before, time.time())
    assert chained.sts.get_caller_identity()["Arn"] == f"arn:aws:sts::{kit.account}:assumed-role/{second.name}/second"


def test_get_session_token_credentials_count_as_role_chaining(kit: Kit) -> None:
    """AssumeRole with GetSessionToken credentials is limited to one hour as well.

    AWS Knowledge Center "iam-role-chaining-limit": "Users that use Multi-Factor Authentication (MFA) with
    the AWS CLI use temporary credentials to assume another role. The temporary credentials use the AWS
    STS GetSessionToken API and are limited to 1 hour."
    """
    user = kit.user(allow("sts:AssumeRole"))
    role = kit.role(trust(user.arn), max_session=43200)
    temporary = session_creds(kit.server, user.creds.sts.get_session_token())

    error = error_of(temporary.sts.assume_role, RoleArn=role.arn, RoleSessionName="mfa", DurationSeconds=7200)
    assert (error.code, error.message) == ("ValidationError", ROLE_CHAINING_MESSAGE)
    # Long-term credentials of the same user may ask for the role's maximum.
    assume(user.creds, role.arn, "direct", DurationSeconds=7200)


def test_root_cannot_assume_a_role(kit: Kit) -> None:
    """AssumeRole with root credentials is refused (AccessDenied "Roles may not be assumed by root accounts.")."""
    role = kit.role(trust(f"arn:aws:iam::{kit.account}:root"))
    error = error_of(kit.root.sts.assume_role, RoleArn=role.arn, RoleSessionName="root")
    assert (error.code, error.status, error.message) == (
        "AccessDenied",
        403,
        "Roles may not be assumed by root accounts.",
    )


def test_denied_assume_role_names_the_role_arn_with_its_path_and_no_reason(kit: Kit) -> None:
    """AssumeRole denials read "User: <arn> is not authorized to perform: sts:AssumeRole on resource: <role arn>".

    Public AWS CLI output (AssumeRole denials come without a reason clause; the role ARN includes its path);
    IAM User Guide troubleshoot_roles.
    """
    user = kit.user()
    other = kit.user()
    role = kit.role(trust(other.arn), path="/ops/")
    error = error_of(user.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="nope")
    assert (error.code, error.status) == ("AccessDenied", 403)
    role_arn = f"arn:aws:iam::{kit.account}:role/ops/{role.name}"
    assert error.message == denied_message(user.arn, "sts:AssumeRole", role_arn)


def test_assuming_a_role_that_does_not_exist_is_the_same_access_denied(kit: Kit) -> None:
    """A missing role gets the same AccessDenied as an untrusting one: existence is not revealed."""
    user = kit.user(allow("sts:AssumeRole"))
    missing = f"arn:aws:iam::{kit.account}:role/{kit.unique_name('missing')}"
    error = error_of(user.creds.sts.assume_role, RoleArn=missing, RoleSessionName="nope")
    assert (error.code, error.message) == ("AccessDenied", denied_message(user.arn, "sts:AssumeRole", missing))


# --- session policies ------------------------------------------------------------------------------


def test_inline_session_policy_narrows_the_session(kit: Kit) -> None:
    """The session's permissions are the role's ∩ the session policy (IAM User Guide access_policies_session)."""
    bucket = kit.bucket(objects={"k": b"v"})
    user, role = kit.user_with_role(allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{bucket}/*"))
    policy = doc(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    session, response = assume(user.creds, role.arn, "narrow", Policy=policy)

    assert isinstance(response["PackedPolicySize"], int)
    assert 0 <= response["PackedPolicySize"] <= 100
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(session.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/narrow",
        "s3:PutObject",
        f'"arn:aws:s3:::{bucket}/k2"',
        because_no("session policy", "s3:PutObject"),
    )


def test_session_policy_never_widens_the_session(kit: Kit) -> None:
    """A session policy cannot grant more than the role's identity policies allow."""
    bucket = kit.bucket(objects={"k": b"v"})
    user, role = kit.user_with_role(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    session, _ = assume(user.creds, role.arn, "wide", Policy=doc(allow(["s3:*", "iam:*"])))

    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(session.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/wide",
        "s3:PutObject",
        f'"arn:aws:s3:::{bucket}/k2"',
        because_no("identity-based policy", "s3:PutObject"),
    )
    assert error_of(session.iam.list_users).code == "AccessDenied"


def test_managed_session_policies_narrow_the_session(kit: Kit) -> None:
    """PolicyArns are session policies too; several intersect with the role as a union among themselves."""
    bucket = kit.bucket(objects={"k": b"v"})
    user, role = kit.user_with_role(
        allow(["s3:ListBucket"], f"arn:aws:s3:::{bucket}"),
        allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], f"arn:aws:s3:::{bucket}/*"),
    )
    lister = kit.managed_policy(allow("s3:ListBucket", f"arn:aws:s3:::{bucket}"))
    getter = kit.managed_policy(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    session, response = assume(user.creds, role.arn, "arns", PolicyArns=[{"arn": lister}, {"arn": getter}])

    assert "PackedPolicySize" in response
    assert [o["Key"] for o in session.s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(session.s3.delete_object, Bucket=bucket, Key="k")
    assert error.message.endswith(because_no("session policy", "s3:DeleteObject"))


def test_aws_managed_policy_as_a_session_policy(kit: Kit) -> None:
    """PolicyArns may name AWS managed policies (STS API Reference, AssumeRole, PolicyArns)."""
    bucket = kit.bucket(objects={"k": b"v"})
    user, role = kit.user_with_role(allow("s3:*"))
    session, _ = assume(
        user.creds, role.arn, "read-only", PolicyArns=[{"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}]
    )
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(session.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    assert error.message.endswith(because_no("session policy", "s3:PutObject"))


def test_inline_and_managed_session_policies_together(kit: Kit) -> None:
    """Inline Policy and PolicyArns combine: the session may do what either allows, within the role."""
    bucket = kit.bucket(objects={"k": b"v"})
    user, role = kit.user_with_role(
        allow("s3:ListBucket", f"arn:aws:s3:::{bucket}"), allow(["s3:GetObject"], f"arn:aws:s3:::{bucket}/*")
    )
    lister = kit.managed_policy(allow("s3:ListBucket", f"arn:aws:s3:::{bucket}"))
    session, _ = assume(
        user.creds,
        role.arn,
        "both",
        PolicyArns=[{"arn": lister}],
        Policy=doc(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")),
    )
    assert session.s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_malformed_session_policy_is_rejected(kit: Kit) -> None:
    """An invalid session policy: MalformedPolicyDocument 400 (STS API Reference, AssumeRole, Errors)."""
    user = kit.user()
    role = kit.role(trust(user.arn))
    for policy in ('{"Version": "2012-10-17", "Statement": [', doc(allow("s3:GetObject") | {"Principal": "*"})):
        error = error_of(user.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="bad", Policy=policy)
        assert (error.code, error.status) == ("MalformedPolicyDocument", 400), policy


def test_explicit_deny_in_a_session_policy_is_named(kit: Kit) -> None:
    """An inline session policy's Deny: "with an explicit deny in a session policy" (no ARN: it has none)."""
    bucket = kit.bucket(objects={"k": b"v"})
    user, role = kit.user_with_role(allow("s3:*"))
    session, _ = assume(
        user.creds, role.arn, "deny", Policy=doc(allow("s3:*"), deny("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    )
    error = error_of(session.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/deny",
        "s3:GetObject",
        f'"arn:aws:s3:::{bucket}/k"',
        "with an explicit deny in a session policy",
    )
