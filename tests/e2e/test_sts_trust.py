"""Trust-policy semantics of AssumeRole on real requests.

Sources:
- IAM User Guide reference_policies_evaluation-logic_policy-eval-basics ("IAM role trust policies and KMS
  key policies are exceptions ... because they must explicitly allow access for principals") and
  reference_policies_elements_principal (naming an account "delegates permissions to the account"): in the same
  account a trust policy naming the caller's ARN is enough by itself; one naming the account delegates to the
  caller's identity policies.
- IAM User Guide reference_policies_iam-condition-keys (sts:ExternalId, sts:RoleSessionName,
  sts:SourceIdentity, sts:TransitiveTagKeys), id_session-tags (sts:TagSession, aws:PrincipalTag for session
  tags, transitive tags in role chains), id_credentials_temp_control-access_monitor (source identity persists
  across chained sessions).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.test_sts_policy_support import (
    Kit,
    allow,
    assume,
    denied_message,
    deny,
    error_of,
    trust,
)
from tests.support import Server


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


def assume_denied(kit: Kit, caller_arn: str, role_arn: str, call: Callable[..., object], **kwargs: object) -> None:
    error = error_of(call, RoleArn=role_arn, **kwargs)
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert error.message == denied_message(caller_arn, "sts:AssumeRole", role_arn)


def test_trust_naming_the_user_needs_no_identity_policy_in_the_same_account(kit: Kit) -> None:
    user = kit.user()
    role = kit.role(trust(user.arn))
    session, _ = assume(user.creds, role.arn)
    assert session.sts.get_caller_identity()["Arn"].endswith(f":assumed-role/{role.name}/session")


@pytest.mark.parametrize("form", ["arn", "bare-id"])
def test_trust_naming_the_account_needs_the_callers_identity_policy(kit: Kit, form: str) -> None:
    """`"AWS": "ACCT"` and `"AWS": "arn:aws:iam::ACCT:root"` delegate to the account's identity policies."""
    principal = f"arn:aws:iam::{kit.account}:root" if form == "arn" else kit.account
    role = kit.role(trust(principal))
    without = kit.user()
    assume_denied(kit, without.arn, role.arn, without.creds.sts.assume_role, RoleSessionName="s1")

    scoped = kit.user(allow("sts:AssumeRole", role.arn))
    assume(scoped.creds, role.arn)
    elsewhere = kit.user(allow("sts:AssumeRole", f"arn:aws:iam::{kit.account}:role/some-other-role"))
    assume_denied(kit, elsewhere.arn, role.arn, elsewhere.creds.sts.assume_role, RoleSessionName="s1")


def test_identity_policy_alone_is_not_enough(kit: Kit) -> None:
    """sts:AssumeRole on * in the identity policy does not help when the trust policy names someone else."""
    trusted = kit.user()
    caller = kit.user(allow("sts:AssumeRole"))
    role = kit.role(trust(trusted.arn))
    assume_denied(kit, caller.arn, role.arn, caller.creds.sts.assume_role, RoleSessionName="s1")


def test_explicit_deny_in_the_identity_policy_beats_a_trust_policy_naming_the_user(kit: Kit) -> None:
    user = kit.user(deny("sts:AssumeRole"))
    role = kit.role(trust(user.arn))
    assume_denied(kit, user.arn, role.arn, user.creds.sts.assume_role, RoleSessionName="s1")


def test_deny_in_the_trust_policy_beats_its_allow(kit: Kit) -> None:
    user = kit.user(allow("sts:AssumeRole"))
    role = kit.role(
        trust(f"arn:aws:iam::{kit.account}:root"),
        {"Effect": "Deny", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"},
    )
    assume_denied(kit, user.arn, role.arn, user.creds.sts.assume_role, RoleSessionName="s1")


def test_external_id_condition(kit: Kit) -> None:
    """sts:ExternalId: absent or wrong → denied; the right value → allowed (IAM User Guide
    id_roles_common-scenarios_third-party)."""
    user = kit.user()
    role = kit.role(trust(user.arn, Condition={"StringEquals": {"sts:ExternalId": "Unique-ID-4711"}}))
    sts = user.creds.sts
    assume_denied(kit, user.arn, role.arn, sts.assume_role, RoleSessionName="s1")
    assume_denied(kit, user.arn, role.arn, sts.assume_role, RoleSessionName="s1", ExternalId="Unique-ID-4712")
    assume(user.creds, role.arn, ExternalId="Unique-ID-4711")


def test_principal_tag_condition_reads_the_calling_users_tags(kit: Kit) -> None:
    """aws:PrincipalTag/<k> in a trust policy is the calling user's tag (IAM User Guide troubleshoot_roles)."""
    statement = trust(f"arn:aws:iam::{kit.account}:root", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}})
    role = kit.role(statement)
    blue = kit.user(allow("sts:AssumeRole"), tags={"team": "blue"})
    red = kit.user(allow("sts:AssumeRole"), tags={"team": "red"})
    untagged = kit.user(allow("sts:AssumeRole"))
    assume(blue.creds, role.arn)
    for other in (red, untagged):
        assume_denied(kit, other.arn, role.arn, other.creds.sts.assume_role, RoleSessionName="s1")
    # Tags changed with TagUser apply at once.
    kit.root.iam.tag_user(UserName=red.name, Tags=[{"Key": "team", "Value": "blue"}])
    assume(red.creds, role.arn)


def test_role_session_name_condition_with_a_policy_variable(kit: Kit) -> None:
    """The documented pattern: require the session name to be the user name.

    IAM User Guide reference_policies_iam-condition-keys, sts:RoleSessionName
    ("StringLike": {"sts:RoleSessionName": "${aws:username}"}).
    """
    user = kit.user()
    role = kit.role(trust(user.arn, Condition={"StringLike": {"sts:RoleSessionName": "${aws:username}"}}))
    session, response = assume(user.creds, role.arn, user.name)
    assert response["AssumedRoleUser"]["Arn"].endswith(f"/{role.name}/{user.name}")
    assume_denied(kit, user.arn, role.arn, user.creds.sts.assume_role, RoleSessionName="somebody-else")
    assert session.sts.get_caller_identity()["UserId"] == f"{role.role_id}:{user.name}"


def test_source_identity_needs_set_source_identity_in_the_trust_policy(kit: Kit) -> None:
    """Passing SourceIdentity needs sts:SetSourceIdentity (STS API Reference, AssumeRole, SourceIdentity)."""
    user = kit.user()
    role = kit.role(trust(user.arn))
    error = error_of(user.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="s1", SourceIdentity=user.name)
    assert error.code == "AccessDenied"
    # Without a SourceIdentity the same trust policy is enough.
    assume(user.creds, role.arn)


def test_source_identity_condition_and_aws_source_identity_in_the_session(kit: Kit) -> None:
    """sts:SourceIdentity in the trust policy; aws:SourceIdentity on the session's requests; it persists
    across role chaining (IAM User Guide id_credentials_temp_control-access_monitor)."""
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user()
    first = kit.role(
        trust(
            user.arn,
            ["sts:AssumeRole", "sts:SetSourceIdentity"],
            Condition={"StringEquals": {"sts:SourceIdentity": "${aws:username}"}},
        ),
        policy=[
            allow("sts:AssumeRole"),
            allow(
                "s3:GetObject",
                f"arn:aws:s3:::{bucket}/*",
                Condition={"StringEquals": {"aws:SourceIdentity": user.name}},
            ),
        ],
    )
    second = kit.role(
        trust(first.arn, ["sts:AssumeRole", "sts:SetSourceIdentity"]),
        policy=[
            allow(
                "s3:GetObject",
                f"arn:aws:s3:::{bucket}/*",
                Condition={"StringEquals": {"aws:SourceIdentity": user.name}},
            )
        ],
    )
    sts = user.creds.sts
    # No SourceIdentity, or another one: the trust condition fails.
    assume_denied(kit, user.arn, first.arn, sts.assume_role, RoleSessionName="s1")
    error = error_of(sts.assume_role, RoleArn=first.arn, RoleSessionName="s1", SourceIdentity="mallory")
    assert error.code == "AccessDenied"

    session, response = assume(user.creds, first.arn, "s1", SourceIdentity=user.name)
    assert response["SourceIdentity"] == user.name
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"

    chained, chained_response = assume(session, second.arn, "chained")
    assert chained_response.get("SourceIdentity", user.name) == user.name
    assert chained.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_session_tags_need_tag_session_in_the_trust_policy(kit: Kit) -> None:
    """Passing Tags needs sts:TagSession.

    IAM User Guide id_session-tags, "Permissions required to add session tags".
    """
    user = kit.user()
    role = kit.role(trust(user.arn))
    error = error_of(
        user.creds.sts.assume_role,
        RoleArn=role.arn,
        RoleSessionName="s1",
        Tags=[{"Key": "project", "Value": "alpha"}],
    )
    assert error.code == "AccessDenied"


def test_session_tags_become_principal_tags_and_request_tags_are_checked(kit: Kit) -> None:
    """Session tags are aws:PrincipalTag/<k> for the session, overriding the role's tag of the same key;
    the trust policy sees them as aws:RequestTag/<k> and aws:TagKeys (IAM User Guide id_session-tags)."""
    bucket = kit.bucket(objects={"alpha/doc": b"a", "beta/doc": b"b"})
    user = kit.user()
    role = kit.role(
        trust(user.arn, "sts:AssumeRole"),
        trust(
            user.arn,
            "sts:TagSession",
            Condition={
                "StringEquals": {"aws:RequestTag/project": ["alpha", "beta"]},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["project"]},
            },
        ),
        policy=[allow("s3:GetObject", f"arn:aws:s3:::{bucket}/${{aws:PrincipalTag/project}}/*")],
        tags={"project": "beta"},
    )
    session, response = assume(user.creds, role.arn, "tagged", Tags=[{"Key": "project", "Value": "alpha"}])
    assert isinstance(response["PackedPolicySize"], int)
    assert session.s3.get_object(Bucket=bucket, Key="alpha/doc")["Body"].read() == b"a"
    error = error_of(session.s3.get_object, Bucket=bucket, Key="beta/doc")
    assert error.code == "AccessDenied"

    # Without session tags the role's own tag applies.
    untagged, _ = assume(user.creds, role.arn, "untagged")
    assert untagged.s3.get_object(Bucket=bucket, Key="beta/doc")["Body"].read() == b"b"

    # A value or a key the trust policy does not allow.
    for tags in (
        [{"Key": "project", "Value": "gamma"}],
        [{"Key": "project", "Value": "alpha"}, {"Key": "cost", "Value": "1"}],
    ):
        error = error_of(user.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="t1", Tags=tags)
        assert error.code == "AccessDenied", tags


def test_transitive_tags_carry_to_a_chained_session_and_others_do_not(kit: Kit) -> None:
    """TransitiveTagKeys persist through role chaining (IAM User Guide id_session-tags, "Chaining roles with
    session tags"); non-transitive session tags do not."""
    bucket = kit.bucket(objects={"alpha/doc": b"a", "temp/doc": b"t"})
    user = kit.user()
    first = kit.role(trust(user.arn, ["sts:AssumeRole", "sts:TagSession"]), policy=[allow("sts:AssumeRole")])
    second = kit.role(
        trust(first.arn, ["sts:AssumeRole", "sts:TagSession"]),
        policy=[
            allow("s3:GetObject", f"arn:aws:s3:::{bucket}/${{aws:PrincipalTag/project}}/*"),
            allow("s3:GetObject", f"arn:aws:s3:::{bucket}/${{aws:PrincipalTag/scratch}}/*"),
        ],
    )
    session, _ = assume(
        user.creds,
        first.arn,
        "first",
        Tags=[{"Key": "project", "Value": "alpha"}, {"Key": "scratch", "Value": "temp"}],
        TransitiveTagKeys=["project"],
    )
    chained, _ = assume(session, second.arn, "second")
    assert chained.s3.get_object(Bucket=bucket, Key="alpha/doc")["Body"].read() == b"a"
    assert error_of(chained.s3.get_object, Bucket=bucket, Key="temp/doc").code == "AccessDenied"


def test_transitive_tag_keys_must_be_session_tags(kit: Kit) -> None:
    """A TransitiveTagKeys entry that is not one of the session tags is refused (STS API Reference,
    AssumeRole, TransitiveTagKeys)."""
    user = kit.user()
    role = kit.role(trust(user.arn, ["sts:AssumeRole", "sts:TagSession"]))
    error = error_of(
        user.creds.sts.assume_role,
        RoleArn=role.arn,
        RoleSessionName="s1",
        Tags=[{"Key": "project", "Value": "alpha"}],
        TransitiveTagKeys=["cost"],
    )
    assert (error.code, error.status) == ("ValidationError", 400)


def test_trust_naming_a_role_lets_its_sessions_assume(kit: Kit) -> None:
    """A role's sessions are trusted through the role ARN (IAM User Guide, "AWS JSON policy elements: Principal",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html)."""
    user = kit.user()
    first = kit.role(trust(user.arn), policy=[allow("sts:AssumeRole")])
    second = kit.role(trust(first.arn))
    third = kit.role(trust(user.arn))
    session, _ = assume(user.creds, first.arn, "hop")
    assume(session, second.arn, "next")
    session_arn = f"arn:aws:sts::{kit.account}:assumed-role/{first.name}/hop"
    assume_denied(kit, session_arn, third.arn, session.sts.assume_role, RoleSessionName="next")


def test_trust_naming_one_role_session(kit: Kit) -> None:
    """A trust policy may name one session, arn:aws:sts::ACCT:assumed-role/ROLE/SESSION (IAM User Guide
    reference_policies_elements_principal, "Role session principals")."""
    user = kit.user()
    first = kit.role(trust(user.arn), policy=[allow("sts:AssumeRole")])
    chosen = f"arn:aws:sts::{kit.account}:assumed-role/{first.name}/chosen"
    second = kit.role(trust(chosen))
    session, _ = assume(user.creds, first.arn, "chosen")
    assume(session, second.arn, "next")
    other, _ = assume(user.creds, first.arn, "other")
    other_arn = f"arn:aws:sts::{kit.account}:assumed-role/{first.name}/other"
    assume_denied(kit, other_arn, second.arn, other.sts.assume_role, RoleSessionName="next")


def test_a_boundary_allowing_assume_role_or_denying_it_explicitly(kit: Kit) -> None:
    allowing = kit.user(boundary=kit.managed_policy(allow(["s3:*", "sts:AssumeRole"])))
    assume(allowing.creds, kit.role(trust(allowing.arn)).arn)
    denying = kit.user(boundary=kit.managed_policy(allow("*"), deny("sts:AssumeRole")))
    role = kit.role(trust(denying.arn))
    assume_denied(kit, denying.arn, role.arn, denying.creds.sts.assume_role, RoleSessionName="s1")


def test_trust_naming_the_role_is_capped_by_the_calling_sessions_boundary(kit: Kit) -> None:
    """A grant to the role ARN is limited by an implicit deny in the role's boundary (access_policies_boundaries)."""
    user = kit.user()
    first = kit.role(trust(user.arn), policy=[allow("*")], boundary=kit.managed_policy(allow("s3:*")))
    session, _ = assume(user.creds, first.arn, "bounded")
    role = kit.role(trust(first.arn))
    session_arn = f"arn:aws:sts::{kit.account}:assumed-role/{first.name}/bounded"
    assume_denied(kit, session_arn, role.arn, session.sts.assume_role, RoleSessionName="s1")


def test_trust_naming_the_user_is_still_capped_by_the_users_boundary(kit: Kit) -> None:
    """A trust policy naming the user does not get past the user's boundary: it must allow sts:AssumeRole.

    IAM User Guide id_roles_update-role-trust-policy, Notes: "If a user is listed as the principal in a role's
    trust policy but cannot assume the role, check the user's permissions boundary. If a permissions boundary
    is set for the user, then it must allow the sts:AssumeRole action." (The general rule that a same-account
    grant to a user ARN is not capped by the boundary does not hold for role trust policies, which "must
    explicitly allow access", reference_policies_evaluation-logic_policy-eval-basics.)
    """
    user = kit.user(boundary=kit.managed_policy(allow("s3:*")))
    role = kit.role(trust(user.arn))
    assume_denied(kit, user.arn, role.arn, user.creds.sts.assume_role, RoleSessionName="s1")


def test_session_tag_overrides_a_role_tag_case_insensitively(kit: Kit) -> None:
    """STS API Reference, AssumeRole, Tags: "Assume that the role has the Department=Marketing tag and you pass
    the department=engineering session tag ... the session tag passed in the request takes precedence"."""
    bucket = kit.bucket(objects={"engineering/doc": b"e", "Marketing/doc": b"m"})
    user = kit.user()
    role = kit.role(
        trust(user.arn, ["sts:AssumeRole", "sts:TagSession"]),
        policy=[allow("s3:GetObject", f"arn:aws:s3:::{bucket}/${{aws:PrincipalTag/Department}}/*")],
        tags={"Department": "Marketing"},
    )
    session, _ = assume(user.creds, role.arn, "tagged", Tags=[{"Key": "department", "Value": "engineering"}])
    assert session.s3.get_object(Bucket=bucket, Key="engineering/doc")["Body"].read() == b"e"
    assert error_of(session.s3.get_object, Bucket=bucket, Key="Marketing/doc").code == "AccessDenied"


def test_a_chained_session_cannot_pass_an_inherited_transitive_tag_key(kit: Kit) -> None:
    """STS API Reference, AssumeRole, Tags: "If you pass a session tag with the same key as an inherited tag, the
    operation fails"."""
    user = kit.user()
    first = kit.role(trust(user.arn, ["sts:AssumeRole", "sts:TagSession"]), policy=[allow("sts:*")])
    second = kit.role(trust(first.arn, ["sts:AssumeRole", "sts:TagSession"]))
    session, _ = assume(
        user.creds, first.arn, "first", Tags=[{"Key": "project", "Value": "alpha"}], TransitiveTagKeys=["project"]
    )
    error = error_of(
        session.sts.assume_role,
        RoleArn=second.arn,
        RoleSessionName="second",
        Tags=[{"Key": "Project", "Value": "beta"}],
    )
    assert 400 <= error.status < 500, error
    # Other keys may be added.
    assume(session, second.arn, "second", Tags=[{"Key": "stage", "Value": "dev"}])


def test_the_source_identity_of_a_chain_cannot_be_changed(kit: Kit) -> None:
    """IAM User Guide id_credentials_temp_control-access_monitor: the source identity "persists when a role is
    used to assume another role ... The value that is set cannot be changed during the role session"."""
    user = kit.user()
    first = kit.role(trust(user.arn, ["sts:AssumeRole", "sts:SetSourceIdentity"]), policy=[allow("sts:*")])
    second = kit.role(trust(first.arn, ["sts:AssumeRole", "sts:SetSourceIdentity"]))
    session, _ = assume(user.creds, first.arn, "one", SourceIdentity="alice")
    error = error_of(session.sts.assume_role, RoleArn=second.arn, RoleSessionName="two", SourceIdentity="bob")
    assert 400 <= error.status < 500, error
    _, response = assume(session, second.arn, "two", SourceIdentity="alice")
    assert response["SourceIdentity"] == "alice"
