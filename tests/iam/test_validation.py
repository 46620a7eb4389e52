"""Input validation from the model's constraints, as the server decodes a raw Query form."""

# ruff: noqa: E501 - tables of exact AWS messages read best one case per line

from __future__ import annotations

import pytest

from ostiary.errors import ValidationError
from tests.iam.helpers import TRUST_EC2, Harness

NAME = r"[\w+=,.@-]+"

# (operation, form, expected message after "1 validation error detected: ")
CASES = [
    ("CreateUser", {}, "Value null at 'userName' failed to satisfy constraint: Member must not be null"),
    (
        "CreateUser",
        {"UserName": "u" * 65},
        f"Value '{'u' * 65}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64",
    ),
    (
        "GetUser",
        {"UserName": "a/b"},
        f"Value 'a/b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: {NAME}",
    ),
    (
        "CreateUser",
        {"UserName": "u", "Path": "nopath"},
        "Value 'nopath' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
    ),
    (
        "ListUsers",
        {"MaxItems": "0"},
        "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ),
    (
        "ListRoles",
        {"MaxItems": "1001"},
        "Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
    ),
    (
        "CreateRole",
        {"RoleName": "r", "AssumeRolePolicyDocument": TRUST_EC2, "MaxSessionDuration": "3599"},
        "Value '3599' at 'maxSessionDuration' failed to satisfy constraint: "
        "Member must have value greater than or equal to 3600",
    ),
    (
        "CreateRole",
        {"RoleName": "r" * 65, "AssumeRolePolicyDocument": TRUST_EC2},
        f"Value '{'r' * 65}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
    ),
    (
        "UpdateAccessKey",
        {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Sleeping"},
        "Value 'Sleeping' at 'status' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Active, Inactive, Expired]",
    ),
    (
        "ListPolicies",
        {"Scope": "Mine"},
        "Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]",
    ),
    (
        "GetPolicyVersion",
        {"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "VersionId": "1"},
        r"Value '1' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
    ),
    (
        "GetPolicy",
        {"PolicyArn": "short"},
        "Value 'short' at 'policyArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    ),
    (
        "CreateAccountAlias",
        {"AccountAlias": "Bad--Alias"},
        "Value 'Bad--Alias' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$",
    ),
    (
        "TagUser",
        {"UserName": "u", **{f"Tags.member.{i}.Key": f"k{i}" for i in range(1, 52)},
         **{f"Tags.member.{i}.Value": "" for i in range(1, 52)}},
        None,  # more than 50 tags: the list length constraint
    ),
]  # fmt: skip


@pytest.mark.parametrize(("operation", "form", "message"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_constraint_violations(iam: Harness, operation: str, form: dict[str, str], message: str | None) -> None:
    with pytest.raises(ValidationError) as raised:
        iam.form(operation, form)
    if message is not None:
        assert raised.value.text == f"1 validation error detected: {message}"
    else:
        assert "Member must have length less than or equal to 50" in raised.value.text


def test_unicode_tag_values_are_accepted(iam: Harness) -> None:
    iam.call("CreateUser", UserName="u", Tags=[{"Key": "équipe", "Value": "données / 東京 + x@y"}])
    assert iam.call("ListUserTags", UserName="u")["Tags"][0]["Key"] == "équipe"


def test_bad_tag_characters(iam: Harness) -> None:
    with pytest.raises(ValidationError, match=r"at 'tags.1.member.key' failed to satisfy constraint"):
        iam.call("CreateUser", UserName="u", Tags=[{"Key": "semi;colon", "Value": "v"}])
