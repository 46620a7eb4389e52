"""IAM users, access keys and groups through boto3 against a live server."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from tests.support import Server


def error(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def test_user_lifecycle(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    name = unique_name("alice")
    created = iam.create_user(UserName=name, Path="/e2e/", Tags=[{"Key": "team", "Value": "core"}])["User"]
    assert created["Arn"] == f"arn:aws:iam::{server.account_id}:user/e2e/{name}"
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", created["UserId"])
    assert iam.get_user(UserName=name)["User"]["Tags"] == [{"Key": "team", "Value": "core"}]
    names = [
        u["UserName"] for page in iam.get_paginator("list_users").paginate(PathPrefix="/e2e/") for u in page["Users"]
    ]
    assert name in names
    with pytest.raises(ClientError) as raised:
        iam.create_user(UserName=name.upper())
    assert error(raised) == ("EntityAlreadyExists", 409, f"User with name {name.upper()} already exists.")
    iam.delete_user(UserName=name)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as missing:
        iam.get_user(UserName=name)
    assert error(missing) == ("NoSuchEntity", 404, f"The user with name {name} cannot be found.")


def test_access_keys_work_and_stop_working_at_once(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    name = unique_name("keyed")
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    key = iam.create_access_key(UserName=name)["AccessKey"]
    assert len(key["SecretAccessKey"]) == 40
    mine = server.client("iam", access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"])
    assert mine.get_user()["User"]["UserName"] == name  # no UserName: the caller's own user
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert used["UserName"] == name and used["AccessKeyLastUsed"]["ServiceName"] == "iam"
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as raised:
        mine.get_user()
    assert raised.value.response["Error"]["Code"] == "InvalidClientTokenId"
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Active")
    assert mine.get_user()["User"]["UserName"] == name
    iam.create_access_key(UserName=name)
    with pytest.raises(ClientError) as limit:
        iam.create_access_key(UserName=name)
    assert error(limit) == ("LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")
    with pytest.raises(ClientError) as conflict:
        iam.delete_user(UserName=name)
    assert error(conflict) == ("DeleteConflict", 409, "Cannot delete entity, must delete access keys first.")
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as deleted:
        mine.get_user()
    assert deleted.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_groups_grant_their_policies(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    user, group = unique_name("member"), unique_name("readers")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    member = server.client("iam", access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"])
    with pytest.raises(ClientError) as denied:
        member.list_groups_for_user(UserName=user)
    arn = f"arn:aws:iam::{server.account_id}:user/{user}"
    assert error(denied) == (
        "AccessDenied",
        403,
        f"User: {arn} is not authorized to perform: iam:ListGroupsForUser on resource: user {user} "
        "because no identity-based policy allows the iam:ListGroupsForUser action",
    )
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    iam.attach_group_policy(GroupName=group, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert [g["GroupName"] for g in member.list_groups_for_user(UserName=user)["Groups"]] == [group]
    assert [u["UserName"] for u in iam.get_group(GroupName=group)["Users"]] == [user]
    with pytest.raises(ClientError) as conflict:
        iam.delete_group(GroupName=group)
    assert error(conflict)[2] == "Cannot delete entity, must remove users from group first."
