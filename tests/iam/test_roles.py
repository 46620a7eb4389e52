from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from ostiary.errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, MalformedPolicyDocument, NoSuchEntity
from ostiary.errors import ValidationError as Invalid
from ostiary.store.principals import get_role, record_role_use
from tests.iam.helpers import ACCOUNT, OTHER_ACCOUNT, S3_READ, START, TRUST_EC2, Harness


def trust(principal: dict[str, object]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def test_create_role_returns_the_trust_policy_as_sent(iam: Harness) -> None:
    document = (
        '{\n  "Version": "2012-10-17",\n  "Statement": {"Effect": "Allow", '
        '"Principal": {"Service": ["ec2.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}\n}'
    )
    role = iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=document, Description="d")["Role"]
    assert role["AssumeRolePolicyDocument"] == json.loads(document)
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", role["RoleId"])
    # CreateRole returns neither Description, MaxSessionDuration nor RoleLastUsed (recorded).
    assert set(role) == {"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument"}
    with iam.store.read() as conn:
        stored = get_role(conn, ACCOUNT, "r")
    assert stored is not None and stored.trust_policy == document


def test_get_role(iam: Harness) -> None:
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2, MaxSessionDuration=7200, Description="d")
    got = iam.call("GetRole", RoleName="R")["Role"]
    assert (got["MaxSessionDuration"], got["Description"], got["RoleLastUsed"]) == (7200, "d", {})
    used = START + dt.timedelta(hours=1)
    with iam.store.write() as conn:
        record_role_use(conn, got["RoleId"], used, "eu-west-1")
    assert iam.call("GetRole", RoleName="r")["Role"]["RoleLastUsed"] == {"LastUsedDate": used, "Region": "eu-west-1"}


def test_max_session_duration_defaults_and_bounds(iam: Harness) -> None:
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)
    assert iam.call("GetRole", RoleName="r")["Role"]["MaxSessionDuration"] == 3600
    with pytest.raises(Invalid, match=r"Member must have value less than or equal to 43200"):
        iam.call("UpdateRole", RoleName="r", MaxSessionDuration=43201)
    iam.call("UpdateRole", RoleName="r", MaxSessionDuration=43200)
    assert iam.call("GetRole", RoleName="r")["Role"]["MaxSessionDuration"] == 43200


def test_list_roles_shape(iam: Harness) -> None:
    iam.call("CreateRole", RoleName="b", AssumeRolePolicyDocument=TRUST_EC2, Tags=[{"Key": "k", "Value": "v"}])
    iam.call("CreateRole", RoleName="a", Path="/svc/", AssumeRolePolicyDocument=TRUST_EC2, Description="x")
    roles = iam.call("ListRoles")["Roles"]
    assert [r["RoleName"] for r in roles] == ["a", "b"]
    assert roles[0]["Description"] == "x" and roles[0]["MaxSessionDuration"] == 3600
    assert all("Tags" not in r and "RoleLastUsed" not in r for r in roles)
    assert [r["RoleName"] for r in iam.call("ListRoles", PathPrefix="/svc/")["Roles"]] == ["a"]


def test_update_role_description(iam: Harness) -> None:
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)
    role = iam.call("UpdateRoleDescription", RoleName="r", Description="new")["Role"]
    assert role["Description"] == "new" and "MaxSessionDuration" not in role and "RoleLastUsed" not in role
    iam.call("UpdateRole", RoleName="r", Description="newer")
    assert iam.call("GetRole", RoleName="r")["Role"]["Description"] == "newer"


def test_trust_principals_are_resolved_to_unique_ids(iam: Harness) -> None:
    user = iam.call("CreateUser", UserName="dev", Path="/team/")["User"]
    other = iam.call("CreateRole", RoleName="ci", AssumeRolePolicyDocument=TRUST_EC2)["Role"]
    document = trust({"AWS": [user["Arn"], other["Arn"], f"arn:aws:iam::{ACCOUNT}:root", "999999999999"]})
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=document)
    with iam.store.read() as conn:
        stored = get_role(conn, ACCOUNT, "r")
    assert stored is not None
    assert stored.trust_principal_ids == {user["Arn"]: user["UserId"], other["Arn"]: other["RoleId"]}


@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:iam::{ACCOUNT}:user/nobody",
        f"arn:aws:iam::{ACCOUNT}:user/wrong/dev",  # the user exists, but not at this path
        f"arn:aws:iam::{OTHER_ACCOUNT}:role/NonExistent",
    ],
)
def test_unknown_trust_principals_are_refused(iam: Harness, principal: str) -> None:
    iam.call("CreateUser", UserName="dev", Path="/team/")
    with pytest.raises(MalformedPolicyDocument) as raised:
        iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=trust({"AWS": principal}))
    assert raised.value.text == f'Invalid principal in policy: "AWS":"{principal}"'
    with pytest.raises(NoSuchEntity):
        iam.call("GetRole", RoleName="r")


def test_principals_of_accounts_not_hosted_here_are_kept_as_is(iam: Harness) -> None:
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=trust({"AWS": "arn:aws:iam::999999999999:user/x"}))


def test_update_assume_role_policy_resolves_again(iam: Harness) -> None:
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)
    first = iam.call("CreateUser", UserName="dev")["User"]
    document = trust({"AWS": first["Arn"]})
    iam.call("UpdateAssumeRolePolicy", RoleName="r", PolicyDocument=document)
    assert iam.call("GetRole", RoleName="r")["Role"]["AssumeRolePolicyDocument"] == json.loads(document)
    iam.call("DeleteUser", UserName="dev")
    second = iam.call("CreateUser", UserName="dev")["User"]
    with iam.store.read() as conn:
        stale = get_role(conn, ACCOUNT, "r")
    assert stale is not None and stale.trust_principal_ids == {first["Arn"]: first["UserId"]}
    iam.call("UpdateAssumeRolePolicy", RoleName="r", PolicyDocument=document)
    with iam.store.read() as conn:
        fresh = get_role(conn, ACCOUNT, "r")
    assert fresh is not None and fresh.trust_principal_ids == {second["Arn"]: second["UserId"]}


def test_trust_policy_validation(iam: Harness) -> None:
    with pytest.raises(MalformedPolicyDocument, match=r"^This policy contains invalid Json$"):
        iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument="{not json")
    big = trust({"Service": [f"s{i:04d}.amazonaws.com" for i in range(120)]})
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for ACLSizePerRole: 2048$"):
        iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=big)


def test_duplicate_role(iam: Harness) -> None:
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)
    with pytest.raises(EntityAlreadyExists, match=r"^Role with name R already exists\.$"):
        iam.call("CreateRole", RoleName="R", AssumeRolePolicyDocument=TRUST_EC2)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("inline", "Cannot delete entity, must delete policies first."),
        ("attached", "Cannot delete entity, must detach all policies first."),
    ],
)
def test_delete_role_conflicts(iam: Harness, setup: str, message: str) -> None:
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)
    if setup == "inline":
        iam.call("PutRolePolicy", RoleName="r", PolicyName="p", PolicyDocument=S3_READ)
    else:
        iam.call("AttachRolePolicy", RoleName="r", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    with pytest.raises(DeleteConflict) as raised:
        iam.call("DeleteRole", RoleName="r")
    assert raised.value.text == message


def test_delete_role(iam: Harness) -> None:
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2, Tags=[{"Key": "k", "Value": "v"}])
    iam.call("DeleteRole", RoleName="r")
    with pytest.raises(NoSuchEntity, match=r"^The role with name r cannot be found\.$"):
        iam.call("GetRole", RoleName="r")
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)
    assert iam.call("ListRoleTags", RoleName="r")["Tags"] == []
