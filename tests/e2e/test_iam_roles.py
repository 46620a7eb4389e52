"""Roles, trust policies and boundaries through boto3 against a live server, with STS in the loop."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support import Server


def trust(principal: dict[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
    }


def user_with_key(server: Server, name: str, *policies: str) -> tuple[dict[str, Any], Any]:
    iam = server.client("iam")
    user = iam.create_user(UserName=name)["User"]
    for arn in policies:
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return user, (key["AccessKeyId"], key["SecretAccessKey"])


def test_role_round_trip(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    name = unique_name("svc")
    document = trust({"Service": "ec2.amazonaws.com"})
    sent = json.dumps(document, indent=4)
    created = iam.create_role(RoleName=name, Path="/svc/", AssumeRolePolicyDocument=sent, Description="d")["Role"]
    assert created["AssumeRolePolicyDocument"] == document
    got = iam.get_role(RoleName=name)["Role"]
    assert (got["MaxSessionDuration"], got["Description"], got["RoleLastUsed"]) == (3600, "d", {})
    iam.update_role(RoleName=name, MaxSessionDuration=7200)
    assert iam.get_role(RoleName=name)["Role"]["MaxSessionDuration"] == 7200
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))  # fmt: skip
    with pytest.raises(ClientError) as conflict:
        iam.delete_role(RoleName=name)
    assert conflict.value.response["Error"]["Message"] == "Cannot delete entity, must delete policies first."
    iam.delete_role_policy(RoleName=name, PolicyName="inline")
    iam.delete_role(RoleName=name)


def test_trust_names_the_user_by_its_unique_id(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    user_name, role_name = unique_name("dev"), unique_name("deploy")
    assume = "arn:aws:iam::aws:policy/PowerUserAccess"
    user, (key, secret) = user_with_key(server, user_name, assume)
    document = json.dumps(trust({"AWS": user["Arn"]}))
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=document)["Role"]
    sts = server.client("sts", access_key_id=key, secret_access_key=secret)
    assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    assert assumed["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:s1"
    assert iam.get_role(RoleName=role_name)["Role"]["RoleLastUsed"].get("Region") == "us-east-1"

    # Delete and re-create the user: same ARN, new unique ID. The trust policy still names the old one.
    iam.detach_user_policy(UserName=user_name, PolicyArn=assume)
    iam.delete_access_key(UserName=user_name, AccessKeyId=key)
    iam.delete_user(UserName=user_name)
    _, (key2, secret2) = user_with_key(server, user_name, assume)
    sts2 = server.client("sts", access_key_id=key2, secret_access_key=secret2)
    with pytest.raises(ClientError) as denied:
        sts2.assume_role(RoleArn=role["Arn"], RoleSessionName="s2")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=document)  # saved again: resolved again
    assert sts2.assume_role(RoleArn=role["Arn"], RoleSessionName="s3")["AssumedRoleUser"]["Arn"].endswith("/s3")


def test_trust_policy_naming_nobody_is_refused(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    ghost = f"arn:aws:iam::{server.account_id}:role/{unique_name('nobody')}"
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as raised:
        iam.create_role(RoleName=unique_name("r"), AssumeRolePolicyDocument=json.dumps(trust({"AWS": ghost})))
    assert raised.value.response["Error"]["Message"] == f'Invalid principal in policy: "AWS":"{ghost}"'


def test_permissions_boundary_limits_the_user(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    name = unique_name("bounded")
    _, (key, secret) = user_with_key(server, name, "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    own = server.client("iam", access_key_id=key, secret_access_key=secret)
    assert own.get_user()["User"]["UserName"] == name
    only_s3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    boundary = iam.create_policy(PolicyName=unique_name("only-s3"), PolicyDocument=json.dumps(only_s3))["Policy"]
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary["Arn"])
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": boundary["Arn"],
    }
    with pytest.raises(ClientError) as denied:
        own.get_user()
    assert "because no permissions boundary allows the iam:GetUser action" in denied.value.response["Error"]["Message"]
    iam.delete_user_permissions_boundary(UserName=name)
    assert own.get_user()["User"]["UserName"] == name
