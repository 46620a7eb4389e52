"""Marker / MaxItems / IsTruncated on every List*: pages cover everything exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.iam.helpers import S3_READ, TRUST_EC2, Harness


def collect(iam: Harness, operation: str, member: str, key: str | None, **params: Any) -> list[Any]:
    """Walk every page with MaxItems=2; returns the items (or the `key` of each)."""
    items: list[Any] = []
    marker: str | None = None
    while True:
        page = iam.call(operation, MaxItems=2, **({"Marker": marker} if marker else {}), **params)
        assert len(page[member]) <= 2
        items += [x[key] if key else x for x in page[member]]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            return items
        marker = page["Marker"]


def test_list_users_pages(iam: Harness) -> None:
    names = [f"user{i:02d}" for i in range(7)]
    for name in reversed(names):
        iam.call("CreateUser", UserName=name)
    assert collect(iam, "ListUsers", "Users", "UserName") == names


def test_default_page_is_a_hundred(iam: Harness) -> None:
    for i in range(101):
        iam.call("CreateGroup", GroupName=f"g{i:03d}")
    first = iam.call("ListGroups")
    assert len(first["Groups"]) == 100 and first["IsTruncated"] is True
    assert [g["GroupName"] for g in iam.call("ListGroups", Marker=first["Marker"])["Groups"]] == ["g100"]


def test_markers_survive_deletions_between_pages(iam: Harness) -> None:
    for name in "abcde":
        iam.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=TRUST_EC2)
    first = iam.call("ListRoles", MaxItems=2)
    iam.call("DeleteRole", RoleName="a")  # already listed: the next page does not shift
    rest = iam.call("ListRoles", Marker=first["Marker"])
    assert [r["RoleName"] for r in rest["Roles"]] == ["c", "d", "e"]


@pytest.mark.parametrize(
    ("operation", "member", "key", "setup"),
    [
        ("ListPolicies", "Policies", "PolicyName", "policies"),
        ("ListUserPolicies", "PolicyNames", None, "inline"),
        ("ListAttachedUserPolicies", "AttachedPolicies", "PolicyName", "attached"),
        ("ListGroupsForUser", "Groups", "GroupName", "groups"),
        ("ListUserTags", "Tags", "Key", "tags"),
        ("ListPolicyVersions", "Versions", "VersionId", "versions"),
    ],
)
def test_other_lists_page(iam: Harness, operation: str, member: str, key: str | None, setup: str) -> None:
    iam.call("CreateUser", UserName="u")
    params: dict[str, Any] = {"UserName": "u"}
    expected: list[Any]
    if setup == "policies":
        expected = [f"p{i}" for i in range(5)]
        for name in expected:
            iam.call("CreatePolicy", PolicyName=name, PolicyDocument=S3_READ)
        params = {"Scope": "Local"}
    elif setup == "inline":
        expected = [f"p{i}" for i in range(5)]
        for name in expected:
            iam.call("PutUserPolicy", UserName="u", PolicyName=name, PolicyDocument=S3_READ)
    elif setup == "attached":
        expected = [f"p{i}" for i in range(5)]
        for name in expected:
            arn = iam.call("CreatePolicy", PolicyName=name, PolicyDocument=S3_READ)["Policy"]["Arn"]
            iam.call("AttachUserPolicy", UserName="u", PolicyArn=arn)
    elif setup == "groups":
        expected = [f"g{i}" for i in range(5)]
        for name in expected:
            iam.call("CreateGroup", GroupName=name)
            iam.call("AddUserToGroup", GroupName=name, UserName="u")
    elif setup == "tags":
        expected = [f"k{i}" for i in range(5)]
        iam.call("TagUser", UserName="u", Tags=[{"Key": k, "Value": "v"} for k in expected])
    else:
        arn = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ)["Policy"]["Arn"]
        for _ in range(4):
            iam.call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=S3_READ)
        expected = ["v5", "v4", "v3", "v2", "v1"]
        params = {"PolicyArn": arn}
    assert collect(iam, operation, member, key, **params) == expected
