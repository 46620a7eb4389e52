"""One assertion per wire error the IAM layer raises: code, HTTP status, exact message.

Each case sets the scene with real calls and then makes the failing one, so
the table proves the handlers raise these errors, not only that
`ostiary.iam.messages` can build them. Sources of the texts are in
`ostiary.iam.messages`.
"""

# ruff: noqa: E501 - tables of exact AWS messages read best one case per line

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from ostiary.caller import root_caller
from ostiary.errors import AwsError
from tests.iam.helpers import ACCOUNT, OTHER_ACCOUNT, S3_READ, TRUST_EC2, Harness, role_session_caller

P = f"arn:aws:iam::{ACCOUNT}:policy"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@dataclass(frozen=True)
class Case:
    name: str
    scene: Callable[[Harness], None]
    code: str
    status: int
    message: str


def user(iam: Harness, name: str = "u") -> None:
    iam.call("CreateUser", UserName=name)


def role(iam: Harness) -> None:
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)


def policy(iam: Harness) -> None:
    iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ)


def trust_naming(principal: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def seq(*steps: Callable[[Harness], object]) -> Callable[[Harness], None]:
    def run(iam: Harness) -> None:
        for step in steps:
            step(iam)

    return run


CASES = [
    # --- NoSuchEntity, 404
    Case("no user", lambda h: h.call("GetUser", UserName="x"), "NoSuchEntity", 404,
         "The user with name x cannot be found."),
    Case("no group", lambda h: h.call("GetGroup", GroupName="x"), "NoSuchEntity", 404,
         "The group with name x cannot be found."),
    Case("no role", lambda h: h.call("GetRole", RoleName="x"), "NoSuchEntity", 404,
         "The role with name x cannot be found."),
    Case("no inline policy", seq(user, lambda h: h.call("GetUserPolicy", UserName="u", PolicyName="x")),
         "NoSuchEntity", 404, "The user policy with name x cannot be found."),
    Case("no managed policy", lambda h: h.call("GetPolicy", PolicyArn=f"{P}/x"), "NoSuchEntity", 404,
         f"Policy {P}/x was not found."),
    Case("not attachable", seq(user, lambda h: h.call("AttachUserPolicy", UserName="u", PolicyArn=f"{P}/x")),
         "NoSuchEntity", 404, f"Policy {P}/x does not exist or is not attachable."),
    Case("no boundary policy", seq(user, lambda h: h.call("PutUserPermissionsBoundary", UserName="u", PermissionsBoundary=f"{P}/x")),
         "NoSuchEntity", 404, f"Scope ARN: {P}/x does not exist or is not attachable."),
    Case("no version", seq(policy, lambda h: h.call("GetPolicyVersion", PolicyArn=f"{P}/p", VersionId="v9")),
         "NoSuchEntity", 404, f"Policy {P}/p version v9 does not exist or is not attachable."),
    Case("no access key", seq(user, lambda h: h.call("DeleteAccessKey", UserName="u", AccessKeyId="AKIAIOSFODNN7EXAMPLE")),
         "NoSuchEntity", 404, "The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found."),
    Case("no alias", lambda h: h.call("DeleteAccountAlias", AccountAlias="nope"), "NoSuchEntity", 404,
         "The account alias nope cannot be found."),
    # --- EntityAlreadyExists, 409
    Case("user exists", seq(user, user), "EntityAlreadyExists", 409, "User with name u already exists."),
    Case("group exists", seq(lambda h: h.call("CreateGroup", GroupName="g"), lambda h: h.call("CreateGroup", GroupName="G")),
         "EntityAlreadyExists", 409, "Group with name G already exists."),
    Case("role exists", seq(role, role), "EntityAlreadyExists", 409, "Role with name r already exists."),
    Case("policy exists", seq(policy, policy), "EntityAlreadyExists", 409,
         "A policy called p already exists. Duplicate names are not allowed."),
    Case("alias taken", seq(lambda h: h.call("CreateAccountAlias", AccountAlias="taken"),
                            lambda h: h.call("CreateAccountAlias", AccountAlias="taken", caller=root_caller(OTHER_ACCOUNT, None))),
         "EntityAlreadyExists", 409, "The account alias taken already exists."),
    # --- DeleteConflict, 409
    Case("user has keys", seq(user, lambda h: h.call("CreateAccessKey", UserName="u"), lambda h: h.call("DeleteUser", UserName="u")),
         "DeleteConflict", 409, "Cannot delete entity, must delete access keys first."),
    Case("role has inline", seq(role, lambda h: h.call("PutRolePolicy", RoleName="r", PolicyName="p", PolicyDocument=S3_READ),
                                lambda h: h.call("DeleteRole", RoleName="r")),
         "DeleteConflict", 409, "Cannot delete entity, must delete policies first."),
    Case("role has attached", seq(role, lambda h: h.call("AttachRolePolicy", RoleName="r", PolicyArn=ADMIN),
                                  lambda h: h.call("DeleteRole", RoleName="r")),
         "DeleteConflict", 409, "Cannot delete entity, must detach all policies first."),
    Case("group has members", seq(user, lambda h: h.call("CreateGroup", GroupName="g"),
                                  lambda h: h.call("AddUserToGroup", GroupName="g", UserName="u"),
                                  lambda h: h.call("DeleteGroup", GroupName="g")),
         "DeleteConflict", 409, "Cannot delete entity, must remove users from group first."),
    Case("policy attached", seq(policy, user, lambda h: h.call("AttachUserPolicy", UserName="u", PolicyArn=f"{P}/p"),
                                lambda h: h.call("DeletePolicy", PolicyArn=f"{P}/p")),
         "DeleteConflict", 409, "Cannot delete a policy attached to entities."),
    Case("policy has versions", seq(policy, lambda h: h.call("CreatePolicyVersion", PolicyArn=f"{P}/p", PolicyDocument=S3_READ),
                                    lambda h: h.call("DeletePolicy", PolicyArn=f"{P}/p")),
         "DeleteConflict", 409,
         "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. "
         "The default version is deleted with the policy."),
    Case("default version", seq(policy, lambda h: h.call("DeletePolicyVersion", PolicyArn=f"{P}/p", VersionId="v1")),
         "DeleteConflict", 409, "Cannot delete the default version of a policy."),
    # --- LimitExceeded, 409
    Case("keys per user", seq(user, *[lambda h: h.call("CreateAccessKey", UserName="u")] * 3),
         "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2"),
    Case("policy size", lambda h: h.call("CreatePolicy", PolicyName="p", PolicyDocument=_big(7000)),
         "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144"),
    Case("trust size", lambda h: h.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=_big_trust()),
         "LimitExceeded", 409, "Cannot exceed quota for ACLSizePerRole: 2048"),
    Case("user inline size", seq(user, lambda h: h.call("PutUserPolicy", UserName="u", PolicyName="p", PolicyDocument=_big(3000))),
         "LimitExceeded", 409, "Maximum policy size of 2048 bytes exceeded for user u"),
    Case("versions", seq(policy, *[lambda h: h.call("CreatePolicyVersion", PolicyArn=f"{P}/p", PolicyDocument=S3_READ)] * 5),
         "LimitExceeded", 409,
         "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."),
    # --- MalformedPolicyDocument, 400
    Case("invalid principal", lambda h: h.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=trust_naming(f"arn:aws:iam::{ACCOUNT}:user/ghost")),
         "MalformedPolicyDocument", 400, f'Invalid principal in policy: "AWS":"arn:aws:iam::{ACCOUNT}:user/ghost"'),
    # --- InvalidInput / ValidationError, 400
    Case("boundary not a policy", seq(user, lambda h: h.call("PutUserPermissionsBoundary", UserName="u", PermissionsBoundary=f"arn:aws:iam::{ACCOUNT}:role/nope")),
         "InvalidInput", 400, f"ARN arn:aws:iam::{ACCOUNT}:role/nope is not valid."),
    Case("duplicate tags", lambda h: h.call("CreateUser", UserName="u", Tags=[{"Key": "a", "Value": ""}, {"Key": "A", "Value": ""}]),
         "InvalidInput", 400, "Duplicate tag keys found. Please note that Tag keys are case insensitive."),
    Case("duplicate policy tags", lambda h: h.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ, Tags=[{"Key": "a", "Value": ""}, {"Key": "a", "Value": ""}]),
         "InvalidInput", 400, "Duplicate tag keys found."),
    Case("bad marker", lambda h: h.call("ListUsers", Marker="%%%"), "InvalidInput", 400, "Invalid Marker."),
    Case("not an arn", seq(user, lambda h: h.call("AttachUserPolicy", UserName="u", PolicyArn="longpolicynamebutnoarn")),
         "ValidationError", 400, "ARN longpolicynamebutnoarn is not valid."),
    Case("non-user credentials", lambda h: h.call("ListAccessKeys", caller=role_session_caller(ACCOUNT, "AROAEXAMPLEEXAMPLE01", "r")),
         "ValidationError", 400, "Must specify userName when calling with non-User credentials"),
    # --- AccessDenied, 403 (written by IAM itself)
    Case("unknown key last used", lambda h: h.call("GetAccessKeyLastUsed", AccessKeyId="AKIAIOSFODNN7EXAMPLE"),
         "AccessDenied", 403,
         f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform iam:GetAccessKeyLastUsed on resource: "
         "access key AKIAIOSFODNN7EXAMPLE"),
    Case("aws managed", lambda h: h.call("DeletePolicy", PolicyArn=ADMIN), "AccessDenied", 403,
         f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: iam:DeletePolicy on resource: policy {ADMIN} "
         "because no resource-based policy allows the iam:DeletePolicy action"),
]  # fmt: skip


def _big(chars: int) -> str:
    base = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s"}]}'
    )
    return base % ("b" * (chars - len(base % "")))


def _big_trust() -> str:
    services = [f"s{i:04d}.amazonaws.com" for i in range(120)]
    statement = {"Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_wire_error(iam: Harness, case: Case) -> None:
    with pytest.raises(AwsError) as raised:
        case.scene(iam)
    error = raised.value
    assert (error.code, error.status, error.text) == (case.code, case.status, case.message)
