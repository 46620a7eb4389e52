from __future__ import annotations

import re
from typing import Any

import pytest

from ostiary.errors import DeleteConflict, EntityAlreadyExists, NoSuchEntity, ValidationError
from tests.iam.helpers import ACCOUNT, S3_READ, START, Harness, role_session_caller


def test_create_get_list_delete(iam: Harness) -> None:
    created = iam.call("CreateUser", UserName="alice", Path="/eng/")["User"]
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/eng/alice"
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", created["UserId"])
    assert created["CreateDate"] == START
    assert "Tags" not in created and "PermissionsBoundary" not in created
    assert iam.call("GetUser", UserName="ALICE")["User"] == created
    assert [u["UserName"] for u in iam.call("ListUsers")["Users"]] == ["alice"]
    iam.call("DeleteUser", UserName="alice")
    with pytest.raises(NoSuchEntity, match=r"^The user with name alice cannot be found\.$"):
        iam.call("GetUser", UserName="alice")


def test_names_are_unique_case_insensitively(iam: Harness) -> None:
    iam.call("CreateUser", UserName="Admin")
    with pytest.raises(EntityAlreadyExists, match=r"^User with name admin already exists\.$"):
        iam.call("CreateUser", UserName="admin", Path="/other/")
    assert iam.call("GetUser", UserName="admin")["User"]["UserName"] == "Admin"


def test_recreated_user_gets_a_new_id(iam: Harness) -> None:
    first = iam.call("CreateUser", UserName="bob")["User"]["UserId"]
    iam.call("DeleteUser", UserName="bob")
    assert iam.call("CreateUser", UserName="bob")["User"]["UserId"] != first


def test_list_users_by_path_prefix_and_name(iam: Harness) -> None:
    for name, path in (("zed", "/a/"), ("amy", "/a/b/"), ("Bea", "/"), ("carl", "/c/")):
        iam.call("CreateUser", UserName=name, Path=path)
    assert [u["UserName"] for u in iam.call("ListUsers")["Users"]] == ["amy", "Bea", "carl", "zed"]
    assert [u["UserName"] for u in iam.call("ListUsers", PathPrefix="/a/")["Users"]] == ["amy", "zed"]
    assert [u["UserName"] for u in iam.call("ListUsers", PathPrefix="/a/b")["Users"]] == ["amy"]


def test_list_users_has_no_tags_or_boundary(iam: Harness) -> None:
    policy = iam.call("CreatePolicy", PolicyName="b", PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.call("CreateUser", UserName="t", Tags=[{"Key": "k", "Value": "v"}], PermissionsBoundary=policy)
    listed = iam.call("ListUsers")["Users"][0]
    assert "Tags" not in listed and "PermissionsBoundary" not in listed
    got = iam.call("GetUser", UserName="t")["User"]
    assert got["Tags"] == [{"Key": "k", "Value": "v"}]
    assert got["PermissionsBoundary"] == {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": policy}


def test_get_user_without_name_is_the_caller(iam: Harness) -> None:
    iam.call("CreateUser", UserName="me")
    assert iam.call("GetUser", caller=iam.user("me"))["User"]["UserName"] == "me"


def test_get_user_as_root_returns_the_root_user(iam: Harness) -> None:
    assert iam.call("GetUser")["User"] == {
        "UserId": ACCOUNT,
        "Arn": f"arn:aws:iam::{ACCOUNT}:root",
        "CreateDate": START,
    }


def test_get_user_without_name_from_a_role_session(iam: Harness) -> None:
    with pytest.raises(ValidationError, match=r"^Must specify userName when calling with non-User credentials$"):
        iam.call("GetUser", caller=role_session_caller(ACCOUNT, "AROAEXAMPLEEXAMPLE01", "r"))


def test_update_user_renames_and_moves(iam: Harness) -> None:
    user_id = iam.call("CreateUser", UserName="old")["User"]["UserId"]
    iam.call("UpdateUser", UserName="old", NewUserName="new", NewPath="/moved/")
    got = iam.call("GetUser", UserName="new")["User"]
    assert (got["UserId"], got["Path"], got["Arn"]) == (user_id, "/moved/", f"arn:aws:iam::{ACCOUNT}:user/moved/new")
    with pytest.raises(NoSuchEntity):
        iam.call("GetUser", UserName="old")
    # Permission is asked on the source and on the target (API reference, UpdateUser).
    asked = [a.resource for a in iam.authorizer.asked if a.action == "iam:UpdateUser"]
    assert asked == [f"arn:aws:iam::{ACCOUNT}:user/old", f"arn:aws:iam::{ACCOUNT}:user/moved/new"]


def test_update_user_onto_an_existing_name(iam: Harness) -> None:
    iam.call("CreateUser", UserName="a")
    iam.call("CreateUser", UserName="b")
    with pytest.raises(EntityAlreadyExists, match=r"^User with name B already exists\.$"):
        iam.call("UpdateUser", UserName="a", NewUserName="B")
    iam.call("UpdateUser", UserName="a", NewUserName="A")  # a case-only rename of itself is fine
    assert iam.call("GetUser", UserName="a")["User"]["UserName"] == "A"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("key", "Cannot delete entity, must delete access keys first."),
        ("inline", "Cannot delete entity, must delete policies first."),
        ("attached", "Cannot delete entity, must detach all policies first."),
        ("group", "Cannot delete entity, must remove users from group first."),
    ],
)
def test_delete_user_conflicts(iam: Harness, setup: str, message: str) -> None:
    iam.call("CreateUser", UserName="u")
    if setup == "key":
        iam.call("CreateAccessKey", UserName="u")
    elif setup == "inline":
        iam.call("PutUserPolicy", UserName="u", PolicyName="p", PolicyDocument=S3_READ)
    elif setup == "attached":
        iam.call("AttachUserPolicy", UserName="u", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    else:
        iam.call("CreateGroup", GroupName="g")
        iam.call("AddUserToGroup", GroupName="g", UserName="u")
    with pytest.raises(DeleteConflict) as raised:
        iam.call("DeleteUser", UserName="u")
    assert raised.value.text == message
    assert iam.call("GetUser", UserName="u")["User"]["UserName"] == "u"


def test_delete_user_removes_its_tags(iam: Harness) -> None:
    iam.call("CreateUser", UserName="u", Tags=[{"Key": "k", "Value": "v"}])
    iam.call("DeleteUser", UserName="u")
    iam.call("CreateUser", UserName="u")
    assert iam.call("ListUserTags", UserName="u")["Tags"] == []


def test_a_racing_create_meets_the_unique_constraint(iam: Harness) -> None:
    from types import SimpleNamespace

    from ostiary.iam import messages
    from ostiary.iam.common import creating
    from ostiary.model import User
    from ostiary.store.principals import insert_user

    iam.call("CreateUser", UserName="dup")
    call: Any = SimpleNamespace(store=iam.store)
    clash = messages.already_exists("User", "DUP")
    with pytest.raises(EntityAlreadyExists), creating(call, clash) as conn:
        insert_user(conn, User("AIDAEXAMPLEEXAMPLE999", ACCOUNT, "DUP", "/", START))
    assert [u["UserName"] for u in iam.call("ListUsers")["Users"]] == ["dup"]
