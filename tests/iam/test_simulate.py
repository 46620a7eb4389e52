from __future__ import annotations

import json
from typing import Any

import pytest

from ostiary.errors import InvalidInput, NoSuchEntity
from tests.iam.helpers import ACCOUNT, TRUST_EC2, Harness


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str, resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def results(response: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"]) for r in response["EvaluationResults"]]


def test_custom_policy_decisions(iam: Harness) -> None:
    document = policy(allow("s3:Get*"), deny("s3:GetObject", "arn:aws:s3:::secret/*"))
    response = iam.call(
        "SimulateCustomPolicy",
        PolicyInputList=[document],
        ActionNames=["s3:GetObject", "s3:PutObject"],
        ResourceArns=["arn:aws:s3:::public/a", "arn:aws:s3:::secret/b"],
    )
    assert results(response) == [
        ("s3:GetObject", "arn:aws:s3:::public/a", "allowed"),
        ("s3:GetObject", "arn:aws:s3:::secret/b", "explicitDeny"),
        ("s3:PutObject", "arn:aws:s3:::public/a", "implicitDeny"),
        ("s3:PutObject", "arn:aws:s3:::secret/b", "implicitDeny"),
    ]
    allowed, denied, implicit, _ = response["EvaluationResults"]
    assert allowed["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    assert allowed["MatchedStatements"][0]["SourcePolicyType"] == "IAM Policy"
    assert allowed["MatchedStatements"][0]["StartPosition"]["Line"] == 1
    assert (
        denied["MatchedStatements"][0]["StartPosition"]["Column"]
        > allowed["MatchedStatements"][0]["StartPosition"]["Column"]
    )
    assert implicit["MatchedStatements"] == []
    specific = allowed["ResourceSpecificResults"][0]
    assert (specific["EvalResourceName"], specific["EvalResourceDecision"]) == ("arn:aws:s3:::public/a", "allowed")


def test_statement_positions_follow_the_text(iam: Harness) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": [allow("s3:GetObject")]}, indent=2)
    matched = iam.call("SimulateCustomPolicy", PolicyInputList=[document], ActionNames=["s3:GetObject"])
    statement = matched["EvaluationResults"][0]["MatchedStatements"][0]
    lines = document.splitlines()
    start, end = statement["StartPosition"], statement["EndPosition"]
    assert lines[start["Line"] - 1][start["Column"] - 1] == "{"
    assert lines[end["Line"] - 1][end["Column"] - 1] == "}"


def test_missing_context_values(iam: Harness) -> None:
    document = policy(allow("s3:ListBucket", Condition={"StringEquals": {"s3:prefix": "home/"}}))
    missing = iam.call("SimulateCustomPolicy", PolicyInputList=[document], ActionNames=["s3:ListBucket"])
    first = missing["EvaluationResults"][0]
    assert (first["EvalDecision"], first["MissingContextValues"]) == ("implicitDeny", ["s3:prefix"])
    given = iam.call(
        "SimulateCustomPolicy",
        PolicyInputList=[document],
        ActionNames=["s3:ListBucket"],
        ContextEntries=[{"ContextKeyName": "s3:prefix", "ContextKeyValues": ["home/"], "ContextKeyType": "string"}],
    )
    assert given["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert given["EvaluationResults"][0]["MissingContextValues"] == []


def test_principal_policy_gathers_the_users_policies(iam: Harness) -> None:
    iam.call("CreateUser", UserName="alice")
    iam.call("CreateGroup", GroupName="devs")
    iam.call("AddUserToGroup", GroupName="devs", UserName="alice")
    iam.call("PutUserPolicy", UserName="alice", PolicyName="own", PolicyDocument=policy(allow("s3:GetObject")))
    iam.call("PutGroupPolicy", GroupName="devs", PolicyName="team", PolicyDocument=policy(allow("s3:PutObject")))
    iam.call("AttachUserPolicy", UserName="alice", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    response = iam.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/alice",
        ActionNames=["s3:GetObject", "s3:PutObject", "iam:ListUsers", "s3:DeleteObject"],
    )
    decisions = {r["EvalActionName"]: r for r in response["EvaluationResults"]}
    assert {k: v["EvalDecision"] for k, v in decisions.items()} == {
        "s3:GetObject": "allowed",
        "s3:PutObject": "allowed",
        "iam:ListUsers": "allowed",
        "s3:DeleteObject": "implicitDeny",
    }
    sources = {k: v["MatchedStatements"][0]["SourcePolicyId"] for k, v in decisions.items() if v["MatchedStatements"]}
    assert sources == {
        "s3:GetObject": "user_alice_own",
        "s3:PutObject": "group_devs_team",
        "iam:ListUsers": "IAMReadOnlyAccess",
    }
    assert iam.authorizer.last("iam:SimulatePrincipalPolicy").resource == f"arn:aws:iam::{ACCOUNT}:user/alice"


def test_permissions_boundary(iam: Harness) -> None:
    boundary = iam.call("CreatePolicy", PolicyName="b", PolicyDocument=policy(allow("s3:*")))["Policy"]["Arn"]
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2, PermissionsBoundary=boundary)
    iam.call("PutRolePolicy", RoleName="r", PolicyName="all", PolicyDocument=policy(allow("*")))
    response = iam.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/r",
        ActionNames=["s3:GetObject", "iam:CreateUser"],
    )
    by_action = {r["EvalActionName"]: r for r in response["EvaluationResults"]}
    assert by_action["s3:GetObject"]["EvalDecision"] == "allowed"
    assert by_action["s3:GetObject"]["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert by_action["iam:CreateUser"]["EvalDecision"] == "implicitDeny"
    assert by_action["iam:CreateUser"]["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    # A boundary passed in replaces the attached one.
    replaced = iam.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/r",
        ActionNames=["iam:CreateUser"],
        PermissionsBoundaryPolicyInputList=[policy(allow("iam:*"))],
    )
    assert replaced["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_policy_exclusion(iam: Harness) -> None:
    iam.call("CreateUser", UserName="u")
    iam.call("AttachUserPolicy", UserName="u", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    source = f"arn:aws:iam::{ACCOUNT}:user/u"
    excluded = iam.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=source,
        ActionNames=["s3:GetObject"],
        PolicyExclusionList=[{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    )
    assert excluded["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    by_type = iam.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=source,
        ActionNames=["s3:GetObject"],
        PolicyExclusionList=[{"PolicyType": "aws-managed"}],
    )
    assert by_type["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


def test_resource_policy_and_caller(iam: Harness) -> None:
    iam.call("CreateUser", UserName="bob")
    bob = f"arn:aws:iam::{ACCOUNT}:user/bob"
    bucket_policy = policy({"Effect": "Allow", "Principal": {"AWS": bob}, "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::b/*"})  # fmt: skip
    response = iam.call(
        "SimulateCustomPolicy",
        PolicyInputList=[policy(allow("s3:ListBucket"))],
        ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::b/k"],
        ResourcePolicy=bucket_policy,
        CallerArn=bob,
    )
    result = response["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["SourcePolicyId"] == "ResourcePolicy"


def test_service_control_policies(iam: Harness) -> None:
    response = iam.call(
        "SimulateCustomPolicy",
        PolicyInputList=[policy(allow("*"))],
        ActionNames=["s3:GetObject", "iam:CreateUser"],
        OrderedOrganizationPolicyInputList=[
            {"ServiceControlPolicyInputList": [policy(allow("*"), deny("iam:*"))]},
        ],
    )
    by_action = {r["EvalActionName"]: r for r in response["EvaluationResults"]}
    assert by_action["s3:GetObject"]["EvalDecision"] == "allowed"
    assert by_action["s3:GetObject"]["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    assert by_action["iam:CreateUser"]["EvalDecision"] == "explicitDeny"
    assert by_action["iam:CreateUser"]["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}


def test_context_keys(iam: Harness) -> None:
    document = policy(
        allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"),
        allow("s3:ListBucket", Condition={"StringLike": {"s3:prefix": "x", "aws:SourceIp": "10.0.0.1"}}),
    )
    keys = iam.call("GetContextKeysForCustomPolicy", PolicyInputList=[document])["ContextKeyNames"]
    assert sorted(k.lower() for k in keys) == ["aws:sourceip", "aws:username", "s3:prefix"]
    iam.call("CreateUser", UserName="u")
    iam.call("PutUserPolicy", UserName="u", PolicyName="p", PolicyDocument=document)
    principal = iam.call(
        "GetContextKeysForPrincipalPolicy",
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/u",
        PolicyInputList=[policy(allow("s3:*", Condition={"Bool": {"aws:SecureTransport": "true"}}))],
    )
    assert sorted(k.lower() for k in principal["ContextKeyNames"]) == [
        "aws:securetransport",
        "aws:sourceip",
        "aws:username",
        "s3:prefix",
    ]


def test_simulator_errors(iam: Harness) -> None:
    with pytest.raises(NoSuchEntity, match=r"^The user with name ghost cannot be found\.$"):
        iam.call("SimulatePrincipalPolicy", PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/ghost", ActionNames=["s3:x"])
    with pytest.raises(InvalidInput):
        iam.call("SimulateCustomPolicy", PolicyInputList=["{not json"], ActionNames=["s3:GetObject"])


def test_inline_policy_exclusion(iam: Harness) -> None:
    iam.call("CreateUser", UserName="u")
    iam.call("PutUserPolicy", UserName="u", PolicyName="p", PolicyDocument=policy(allow("s3:GetObject")))
    identifier = {"PolicyName": "p", "AttachmentType": "user", "AttachmentName": "u"}
    response = iam.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/u",
        ActionNames=["s3:GetObject"],
        PolicyExclusionList=[{"InlinePolicyIdentifier": identifier}],
    )
    assert response["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
