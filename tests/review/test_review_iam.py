"""Review: every IAM operation authorizes before it acts or reveals anything, and stays in the caller's account.

Findings (xfail strict) and the checks that held (plain tests).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostiary import iam
from ostiary.protocol.params import Kind
from tests.review.test_review_helpers import Review, allow, running, trust
from tests.support import ROOT_ACCOUNT, find

A = f"arn:aws:iam::{ROOT_ACCOUNT}"
OTHER_ACCOUNT = "111122223333"
B = f"arn:aws:iam::{OTHER_ACCOUNT}"


@pytest.fixture
def review(tmp_path: Path) -> Iterator[Review]:
    yield from running(tmp_path)


def _params(operation: str, values: dict[str, str]) -> dict[str, str]:
    """Plausible parameters for `operation`, drawn from `values` by member name."""
    params: dict[str, str] = {}
    for param in iam.OPERATIONS[operation].params:
        if param.name == "Tags":
            params.update({"Tags.member.1.Key": "k", "Tags.member.1.Value": "v"})
        elif param.name == "TagKeys":
            params["TagKeys.member.1"] = "k"
        elif param.name in values:
            name = f"{param.name}.member.1" if param.kind is Kind.STRING_LIST else param.name
            params[name] = values[param.name]
    return params


def _values(account_arn: str, key_id: str) -> dict[str, str]:
    return {
        "UserName": "target",
        "RoleName": "trole",
        "GroupName": "tgroup",
        "PolicyArn": f"{account_arn}:policy/tpol",
        "PolicyName": "p0",
        "PolicyDocument": allow("s3:*"),
        "AssumeRolePolicyDocument": trust({"AWS": f"{A}:root"}),
        "AccessKeyId": key_id,
        "Status": "Inactive",
        "VersionId": "v1",
        "PermissionsBoundary": f"{account_arn}:policy/tpol",
        "AccountAlias": "review-alias",
        "PolicySourceArn": f"{account_arn}:user/target",
        "NewUserName": "target2",
        "NewGroupName": "tgroup2",
        "Description": "d",
        "PolicyInputList": allow("s3:*"),
        "ActionNames": "s3:GetObject",
        "SetAsDefault": "true",
        "MaxSessionDuration": "3600",
    }


def _targets(review: Review) -> str:
    """A user (with a key), role, group and policy to aim at; returns the user's access key ID."""
    target = review.user("target", allow("s3:GetObject"))
    review.role("trole", trust({"AWS": f"{A}:root"}), allow("s3:*"))
    review.ok("iam", "CreateGroup", GroupName="tgroup")
    review.ok("iam", "PutGroupPolicy", GroupName="tgroup", PolicyName="p0", PolicyDocument=allow("s3:*"))
    review.ok("iam", "CreatePolicy", PolicyName="tpol", PolicyDocument=allow("s3:*"))
    review.ok("iam", "AddUserToGroup", GroupName="tgroup", UserName="target")
    return target.key


# --- findings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["SimulatePrincipalPolicy", "GetContextKeysForPrincipalPolicy"])
def test_simulator_resolves_the_entity_the_arn_names(review: Review, operation: str) -> None:
    review.user("admin", allow("iam:*", "s3:*"))
    helper = review.user(
        "helper",
        allow("iam:SimulatePrincipalPolicy", "iam:GetContextKeysForPrincipalPolicy", resource=f"{A}:user/sandbox/*"),
    )
    params = {"ActionNames.member.1": "iam:CreateUser"} if operation == "SimulatePrincipalPolicy" else {}
    assert review.code("iam", operation, helper, PolicySourceArn=f"{A}:user/admin", **params) == "AccessDenied"
    status, root = review.call("iam", operation, helper, PolicySourceArn=f"{A}:user/sandbox/admin", **params)
    assert status != 200, ET.tostring(root)[:300]


# --- what held ----------------------------------------------------------------------------------


def test_every_iam_operation_is_denied_to_a_user_without_policies(review: Review) -> None:
    key_id = _targets(review)
    nobody = review.user("nobody")
    values = _values(A, key_id)
    allowed = {name: review.code("iam", name, nobody, **_params(name, values)) for name in sorted(iam.OPERATIONS)}
    assert {name: code for name, code in allowed.items() if code != "AccessDenied"} == {}


def test_a_missing_entity_is_not_revealed_before_authorization(review: Review) -> None:
    nobody = review.user("nobody")
    values = {**_values(A, "AKIAGFS5FVUBNOSUCHKY"), "UserName": "ghost", "RoleName": "ghost", "GroupName": "ghost"}
    values["PolicyArn"] = f"{A}:policy/ghost"
    codes = {name: review.code("iam", name, nobody, **_params(name, values)) for name in sorted(iam.OPERATIONS)}
    assert {name: code for name, code in codes.items() if code != "AccessDenied"} == {}


def test_an_admin_of_another_account_reaches_nothing_here(review: Review) -> None:
    key_id = _targets(review)
    other = review.account(OTHER_ACCOUNT)
    admin = review.user("admin", allow("iam:*"), creds=other)
    values = _values(A, key_id)  # ARNs and key IDs of this account; names resolve in the caller's own
    for name in sorted(iam.OPERATIONS):
        review.code("iam", name, admin, **_params(name, values))
    # Nothing here changed: the target still has its key, policies, group and role.
    listed = review.ok("iam", "ListAccessKeys", UserName="target")
    assert find(listed, "ListAccessKeysResult/AccessKeyMetadata/member/Status") == "Active"
    assert find(review.ok("iam", "GetRole", RoleName="trole"), "GetRoleResult/Role/RoleName") == "trole"
    assert find(review.ok("iam", "GetPolicy", PolicyArn=f"{A}:policy/tpol"), "GetPolicyResult/Policy/PolicyName")
    assert review.ok("iam", "GetUserPolicy", UserName="target", PolicyName="p0") is not None
    groups = review.ok("iam", "ListGroupsForUser", UserName="target")
    assert find(groups, "ListGroupsForUserResult/Groups/member/GroupName") == "tgroup"
    # And the ARN-addressed reads do not cross over either.
    assert review.code("iam", "GetPolicy", admin, PolicyArn=f"{A}:policy/tpol") == "NoSuchEntity"
    assert review.code("iam", "GetAccessKeyLastUsed", admin, AccessKeyId=key_id) == "AccessDenied"
    assert review.code("iam", "AttachUserPolicy", admin, UserName="admin", PolicyArn=f"{A}:policy/tpol") == (
        "NoSuchEntity"
    )
    assert (
        review.code(
            "iam",
            "SimulatePrincipalPolicy",
            admin,
            PolicySourceArn=f"{A}:user/target",
            **{"ActionNames.member.1": "s3:GetObject"},
        )
        == "NoSuchEntity"
    )


def test_boundary_and_tag_conditions_guard_delegated_user_creation(review: Review) -> None:
    """The usual delegation guardrail: create users only with the boundary, and never remove it."""
    import json

    boundary = review.ok("iam", "CreatePolicy", PolicyName="bound", PolicyDocument=allow("s3:GetObject"))
    boundary_arn = str(find(boundary, "CreatePolicyResult/Policy/Arn"))
    delegate = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["iam:CreateUser", "iam:PutUserPermissionsBoundary"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}},
                },
                {
                    "Effect": "Allow",
                    "Action": ["iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary"],
                    "Resource": "*",
                },
                {
                    "Effect": "Deny",
                    "Action": ["iam:DeleteUserPermissionsBoundary", "iam:PutUserPolicy"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}},
                },
            ],
        }
    )
    lead = review.user("lead", delegate)
    assert review.code("iam", "CreateUser", lead, UserName="free") == "AccessDenied"
    assert review.code("iam", "CreateUser", lead, UserName="bounded", PermissionsBoundary=boundary_arn) == "OK"
    assert review.code("iam", "DeleteUserPermissionsBoundary", lead, UserName="bounded") == "AccessDenied"
    assert (
        review.code("iam", "PutUserPolicy", lead, UserName="bounded", PolicyName="x", PolicyDocument=allow("*"))
        == "AccessDenied"
    )
    assert (
        review.code(
            "iam", "PutUserPermissionsBoundary", lead, UserName="bounded", PermissionsBoundary=f"{A}:policy/other"
        )
        == "AccessDenied"
    )
