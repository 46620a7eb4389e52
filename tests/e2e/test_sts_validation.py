"""STS input validation as AWS answers it, with botocore's own client-side validation switched off.

AWS validates the service model's constraints before anything else and answers ValidationError 400 with
"1 validation error detected: Value '<v>' at '<member>' failed to satisfy constraint: <constraint>".
Texts: recorded AWS responses in localstack's tests/aws/services/sts snapshots (the roleSessionName pattern and
"<arn> is invalid");
the durationSeconds texts as real AWS returned them, quoted in mysql/mysql-shell's tests ("Value '123' at
'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900") and
gravitational/teleport's tests ("Value '86400' at 'durationSeconds' failed to satisfy constraint: Member must
have value less than or equal to 43200"). IAM User Guide troubleshoot_roles: "role names are case sensitive
when you assume a role".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.test_sts_policy_support import Kit, User, allow, denied_message, error_of, trust
from tests.support import Server


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


def raw_sts(user: User) -> Any:
    """An STS client that sends whatever it is given (no client-side parameter validation)."""
    return user.creds.client("sts", parameter_validation=False)


def validation(member: str, value: object, constraint: str) -> str:
    return f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"


@pytest.mark.parametrize(
    ("duration", "constraint"),
    [
        (899, "Member must have value greater than or equal to 900"),
        (43201, "Member must have value less than or equal to 43200"),
    ],
)
def test_assume_role_duration_outside_the_model_range(kit: Kit, duration: int, constraint: str) -> None:
    user = kit.user()
    role = kit.role(trust(user.arn), max_session=43200)
    error = error_of(raw_sts(user).assume_role, RoleArn=role.arn, RoleSessionName="s1", DurationSeconds=duration)
    assert (error.code, error.status, error.message) == (
        "ValidationError",
        400,
        validation("durationSeconds", duration, constraint),
    )


def test_get_session_token_duration_over_the_model_range(kit: Kit) -> None:
    user = kit.user()
    error = error_of(raw_sts(user).get_session_token, DurationSeconds=129601)
    assert (error.code, error.message) == (
        "ValidationError",
        validation("durationSeconds", 129601, "Member must have value less than or equal to 129600"),
    )


def test_role_session_name_pattern(kit: Kit) -> None:
    user = kit.user()
    role = kit.role(trust(user.arn))
    error = error_of(user.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="Session1:2")
    assert (error.code, error.status, error.message) == (
        "ValidationError",
        400,
        validation("roleSessionName", "Session1:2", r"Member must satisfy regular expression pattern: [\w+=,.@-]*"),
    )


def test_invalid_role_arn(kit: Kit) -> None:
    user = kit.user()
    error = error_of(user.creds.sts.assume_role, RoleArn="arn:a:::something/test-role", RoleSessionName="s1")
    assert (error.code, error.status, error.message) == (
        "ValidationError",
        400,
        "arn:a:::something/test-role is invalid",
    )


def test_role_names_are_case_sensitive_when_assuming(kit: Kit) -> None:
    user = kit.user(allow("sts:AssumeRole"))
    name = kit.unique_name("CaseRole")
    role = kit.role(trust(user.arn), name=name)
    wrong_case = role.arn.replace(name, name.lower())
    assert wrong_case != role.arn
    error = error_of(user.creds.sts.assume_role, RoleArn=wrong_case, RoleSessionName="s1")
    assert (error.code, error.message) == ("AccessDenied", denied_message(user.arn, "sts:AssumeRole", wrong_case))
    user.creds.sts.assume_role(RoleArn=role.arn, RoleSessionName="s1")


def test_source_identity_may_not_start_with_aws_prefix(kit: Kit) -> None:
    """STS API Reference, AssumeRole, SourceIdentity: "You cannot use a value that begins with the text aws:"."""
    user = kit.user()
    role = kit.role(trust(user.arn, ["sts:AssumeRole", "sts:SetSourceIdentity"]))
    error = error_of(user.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="s1", SourceIdentity="aws:me")
    assert (error.code, error.status) == ("ValidationError", 400)


def test_federation_name_too_short(kit: Kit) -> None:
    user = kit.user(allow("sts:GetFederationToken"))
    error = error_of(raw_sts(user).get_federation_token, Name="x")
    assert (error.code, error.message) == (
        "ValidationError",
        validation("name", "x", "Member must have length greater than or equal to 2"),
    )
