from __future__ import annotations

import re

import pytest

from ostiary.errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity
from tests.iam.helpers import ACCOUNT, S3_READ, Harness


def test_group_lifecycle(iam: Harness) -> None:
    group = iam.call("CreateGroup", GroupName="devs", Path="/eng/")["Group"]
    assert group["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/eng/devs"
    assert re.fullmatch(r"AGPA[A-Z2-7]{17}", group["GroupId"])
    assert iam.call("GetGroup", GroupName="DEVS") == {"Group": group, "Users": [], "IsTruncated": False}
    with pytest.raises(EntityAlreadyExists, match=r"^Group with name Devs already exists\.$"):
        iam.call("CreateGroup", GroupName="Devs")
    iam.call("UpdateGroup", GroupName="devs", NewGroupName="developers", NewPath="/")
    assert [g["GroupName"] for g in iam.call("ListGroups")["Groups"]] == ["developers"]
    iam.call("DeleteGroup", GroupName="developers")
    with pytest.raises(NoSuchEntity, match=r"^The group with name developers cannot be found\.$"):
        iam.call("GetGroup", GroupName="developers")


def test_membership(iam: Harness) -> None:
    iam.call("CreateUser", UserName="alice")
    iam.call("CreateGroup", GroupName="b")
    iam.call("CreateGroup", GroupName="a")
    iam.call("AddUserToGroup", GroupName="b", UserName="alice")
    iam.call("AddUserToGroup", GroupName="a", UserName="alice")
    iam.call("AddUserToGroup", GroupName="a", UserName="alice")  # again: no error, no second membership
    assert [g["GroupName"] for g in iam.call("ListGroupsForUser", UserName="alice")["Groups"]] == ["a", "b"]
    assert [u["UserName"] for u in iam.call("GetGroup", GroupName="a")["Users"]] == ["alice"]
    iam.call("RemoveUserFromGroup", GroupName="a", UserName="alice")
    iam.call("RemoveUserFromGroup", GroupName="a", UserName="alice")  # not a member: still 200 (recorded)
    assert [g["GroupName"] for g in iam.call("ListGroupsForUser", UserName="alice")["Groups"]] == ["b"]


def test_membership_errors_name_the_user_first(iam: Harness) -> None:
    with pytest.raises(NoSuchEntity, match=r"^The user with name nobody cannot be found.$"):
        iam.call("RemoveUserFromGroup", GroupName="nogroup", UserName="nobody")
    iam.call("CreateUser", UserName="alice")
    with pytest.raises(NoSuchEntity, match=r"^The group with name nogroup cannot be found.$"):
        iam.call("AddUserToGroup", GroupName="nogroup", UserName="alice")


def test_at_most_ten_groups_per_user(iam: Harness) -> None:
    iam.call("CreateUser", UserName="alice")
    for i in range(10):
        iam.call("CreateGroup", GroupName=f"g{i}")
        iam.call("AddUserToGroup", GroupName=f"g{i}", UserName="alice")
    iam.call("AddUserToGroup", GroupName="g3", UserName="alice")  # already a member: not over quota
    iam.call("CreateGroup", GroupName="g10")
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for GroupsPerUser: 10$"):
        iam.call("AddUserToGroup", GroupName="g10", UserName="alice")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("member", "Cannot delete entity, must remove users from group first."),
        ("inline", "Cannot delete entity, must delete policies first."),
        ("attached", "Cannot delete entity, must detach all policies first."),
    ],
)
def test_delete_group_conflicts(iam: Harness, setup: str, message: str) -> None:
    iam.call("CreateGroup", GroupName="g")
    if setup == "member":
        iam.call("CreateUser", UserName="u")
        iam.call("AddUserToGroup", GroupName="g", UserName="u")
    elif setup == "inline":
        iam.call("PutGroupPolicy", GroupName="g", PolicyName="p", PolicyDocument=S3_READ)
    else:
        iam.call("AttachGroupPolicy", GroupName="g", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    with pytest.raises(DeleteConflict) as raised:
        iam.call("DeleteGroup", GroupName="g")
    assert raised.value.text == message


def test_group_users_paginate(iam: Harness) -> None:
    iam.call("CreateGroup", GroupName="g")
    for name in ("c", "a", "b"):
        iam.call("CreateUser", UserName=name)
        iam.call("AddUserToGroup", GroupName="g", UserName=name)
    first = iam.call("GetGroup", GroupName="g", MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == ["a", "b"] and first["IsTruncated"] is True
    rest = iam.call("GetGroup", GroupName="g", Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == ["c"] and rest["IsTruncated"] is False
