"""Managed and inline policies, versions, and the simulator through boto3; a flow on each backend."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support import Server


def document(*actions: str, effect: str = "Allow") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": list(actions), "Resource": "*"}]}


def test_managed_policy_versions(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    name = unique_name("pol")
    policy = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document("s3:GetObject")), Description="x")
    arn = policy["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document("s3:PutObject")), SetAsDefault=True)
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v2", True), ("v1", False)]
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]
    assert got["Document"] == document("s3:PutObject")  # URL-encoded on the wire, decoded by botocore
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Description"] == "x"
    with pytest.raises(ClientError) as conflict:
        iam.delete_policy(PolicyArn=arn)
    assert conflict.value.response["Error"]["Code"] == "DeleteConflict"
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy(PolicyArn=arn)


def test_malformed_and_oversized_documents(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.create_policy(PolicyName=unique_name("bad"), PolicyDocument='{"Version": "2012-10-17"')
    big = document(*[f"s3:GetObject{i:05d}" for i in range(400)])
    with pytest.raises(iam.exceptions.LimitExceededException) as raised:
        iam.create_policy(PolicyName=unique_name("big"), PolicyDocument=json.dumps(big))
    assert raised.value.response["Error"]["Message"] == "Cannot exceed quota for PolicySize: 6144"


def test_inline_policy_takes_effect_at_once(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    name = unique_name("inline")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    own = server.client("iam", access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"])
    with pytest.raises(ClientError):
        own.list_user_policies(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=json.dumps(document("iam:List*")))
    assert own.list_user_policies(UserName=name)["PolicyNames"] == ["read"]
    iam.put_user_policy(
        UserName=name, PolicyName="read", PolicyDocument=json.dumps(document("iam:List*", effect="Deny"))
    )
    with pytest.raises(ClientError) as denied:
        own.list_user_policies(UserName=name)
    assert "with an explicit deny in an identity-based policy" in denied.value.response["Error"]["Message"]


def test_simulator(server: Server, unique_name: Callable[[str], str]) -> None:
    iam = server.client("iam")
    name = unique_name("sim")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    results = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["s3:GetObject", "s3:PutObject"])
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in results["EvaluationResults"]}
    assert decisions == {"s3:GetObject": "allowed", "s3:PutObject": "implicitDeny"}
    custom = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps(document("s3:*"))], ActionNames=["s3:DeleteBucket"], ResourceArns=["arn:aws:s3:::b"]
    )["EvaluationResults"][0]
    assert (
        custom["EvalDecision"] == "allowed" and custom["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    )


def test_basic_flow_on_each_backend(backend_server: Server, unique_name: Callable[[str], str]) -> None:
    iam = backend_server.client("iam")
    user, group, role = unique_name("u"), unique_name("g"), unique_name("r")
    iam.create_user(UserName=user, Tags=[{"Key": "k", "Value": "v"}])
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    arn = iam.create_policy(PolicyName=unique_name("p"), PolicyDocument=json.dumps(document("s3:*")))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert iam.list_entities_for_policy(PolicyArn=arn)["PolicyRoles"][0]["RoleName"] == role
    assert iam.list_user_tags(UserName=user)["Tags"] == [{"Key": "k", "Value": "v"}]
    iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    iam.delete_role(RoleName=role)
    iam.remove_user_from_group(GroupName=group, UserName=user)
    iam.delete_group(GroupName=group)
    iam.delete_user(UserName=user)
    iam.delete_policy(PolicyArn=arn)
