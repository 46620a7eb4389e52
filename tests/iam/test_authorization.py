"""What each handler asks the authorizer: action, resource ARN, AccessDenied wording, condition keys,
and that it asks before it reveals whether the entity exists."""

from __future__ import annotations

from typing import Any

import pytest

from ostiary.errors import AccessDenied
from tests.iam.helpers import ACCOUNT, S3_READ, TRUST_EC2, Harness

A = f"arn:aws:iam::{ACCOUNT}"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def setup_entities(iam: Harness) -> str:
    boundary = iam.call("CreatePolicy", PolicyName="bound", PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.call(
        "CreateUser", UserName="alice", Path="/eng/", PermissionsBoundary=boundary, Tags=[{"Key": "t", "Value": "u"}]
    )
    iam.call("CreateGroup", GroupName="devs", Path="/eng/")
    iam.call(
        "CreateRole",
        RoleName="deploy",
        Path="/ci/",
        AssumeRolePolicyDocument=TRUST_EC2,
        Tags=[{"Key": "t", "Value": "r"}],
    )
    return boundary


# (operation, params, action, resource, display)
CASES: list[tuple[str, dict[str, Any], str, str, str | None]] = [
    ("CreateUser", {"UserName": "bob", "Path": "/x/"}, "iam:CreateUser", f"{A}:user/x/bob", None),
    ("GetUser", {"UserName": "alice"}, "iam:GetUser", f"{A}:user/eng/alice", "user alice"),
    ("ListUsers", {}, "iam:ListUsers", f"{A}:user/*", None),
    ("CreateAccessKey", {"UserName": "alice"}, "iam:CreateAccessKey", f"{A}:user/eng/alice", "user alice"),
    ("ListGroupsForUser", {"UserName": "alice"}, "iam:ListGroupsForUser", f"{A}:user/eng/alice", "user alice"),
    ("CreateGroup", {"GroupName": "ops"}, "iam:CreateGroup", f"{A}:group/ops", None),
    ("GetGroup", {"GroupName": "devs"}, "iam:GetGroup", f"{A}:group/eng/devs", "group devs"),
    (
        "AddUserToGroup",
        {"GroupName": "devs", "UserName": "alice"},
        "iam:AddUserToGroup",
        f"{A}:group/eng/devs",
        "group devs",
    ),
    ("CreateRole", {"RoleName": "r2", "AssumeRolePolicyDocument": TRUST_EC2}, "iam:CreateRole", f"{A}:role/r2", None),
    ("GetRole", {"RoleName": "deploy"}, "iam:GetRole", f"{A}:role/ci/deploy", "role deploy"),
    ("ListRolePolicies", {"RoleName": "deploy"}, "iam:ListRolePolicies", f"{A}:role/ci/deploy", "role deploy"),
    (
        "CreatePolicy",
        {"PolicyName": "np", "PolicyDocument": S3_READ},
        "iam:CreatePolicy",
        f"{A}:policy/np",
        "policy np",
    ),
    ("GetPolicy", {"PolicyArn": READ_ONLY}, "iam:GetPolicy", READ_ONLY, f"policy {READ_ONLY}"),
    ("ListRoles", {"PathPrefix": "/ci/"}, "iam:ListRoles", f"{A}:role/ci/*", None),
    ("GetAccountSummary", {}, "iam:GetAccountSummary", "*", None),
]


@pytest.mark.parametrize(("operation", "params", "action", "resource", "shown"), CASES, ids=[c[0] for c in CASES])
def test_resource_and_display(
    iam: Harness, operation: str, params: dict[str, Any], action: str, resource: str, shown: str | None
) -> None:
    setup_entities(iam)
    iam.call(operation, **params)
    asked = iam.authorizer.last(action)
    assert (asked.resource, asked.display) == (resource, shown)


@pytest.mark.parametrize(
    ("operation", "params", "action"),
    [
        ("GetUser", {"UserName": "ghost"}, "iam:GetUser"),
        ("DeleteRole", {"RoleName": "ghost"}, "iam:DeleteRole"),
        ("GetGroup", {"GroupName": "ghost"}, "iam:GetGroup"),
        ("GetPolicy", {"PolicyArn": f"{A}:policy/ghost"}, "iam:GetPolicy"),
        ("AttachUserPolicy", {"UserName": "ghost", "PolicyArn": READ_ONLY}, "iam:AttachUserPolicy"),
    ],
)
def test_denied_before_not_found(iam: Harness, operation: str, params: dict[str, Any], action: str) -> None:
    iam.authorizer.deny.add(action)
    with pytest.raises(AccessDenied):
        iam.call(operation, **params)
    # A missing entity is named by its path-less ARN.
    assert "ghost" in iam.authorizer.last(action).resource


def test_denied_calls_change_nothing(iam: Harness) -> None:
    iam.authorizer.deny.add("iam:TagUser")
    with pytest.raises(AccessDenied):
        iam.call("CreateUser", UserName="tagged", Tags=[{"Key": "k", "Value": "v"}])
    assert iam.call("ListUsers")["Users"] == []


def test_condition_keys(iam: Harness) -> None:
    boundary = setup_entities(iam)
    iam.call("AttachUserPolicy", UserName="alice", PolicyArn=READ_ONLY)
    keys = iam.authorizer.last("iam:AttachUserPolicy").keys
    assert keys == {
        "aws:ResourceTag/t": ("u",),
        "iam:ResourceTag/t": ("u",),
        "iam:PermissionsBoundary": (boundary,),
        "iam:PolicyARN": (READ_ONLY,),
    }
    iam.call("AttachGroupPolicy", GroupName="devs", PolicyArn=READ_ONLY)
    assert iam.authorizer.last("iam:AttachGroupPolicy").keys == {"iam:PolicyARN": (READ_ONLY,)}
    iam.call("PutRolePolicy", RoleName="deploy", PolicyName="p", PolicyDocument=S3_READ)
    assert iam.authorizer.last("iam:PutRolePolicy").keys == {"aws:ResourceTag/t": ("r",), "iam:ResourceTag/t": ("r",)}
    iam.call("GetRole", RoleName="deploy")
    assert iam.authorizer.last("iam:GetRole").keys == {"aws:ResourceTag/t": ("r",), "iam:ResourceTag/t": ("r",)}
    iam.call("CreateRole", RoleName="b", AssumeRolePolicyDocument=TRUST_EC2, PermissionsBoundary=boundary)
    assert iam.authorizer.last("iam:CreateRole").keys == {"iam:PermissionsBoundary": (boundary,)}
