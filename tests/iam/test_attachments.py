from __future__ import annotations

import pytest

from ostiary.caller import root_caller
from ostiary.errors import LimitExceeded, NoSuchEntity, ValidationError
from tests.iam.helpers import ACCOUNT, OTHER_ACCOUNT, S3_READ, TRUST_EC2, Harness

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"

# (entity noun, create operation, create params)
OWNERS = [
    ("User", "CreateUser", {"UserName": "e"}),
    ("Group", "CreateGroup", {"GroupName": "e"}),
    ("Role", "CreateRole", {"RoleName": "e", "AssumeRolePolicyDocument": TRUST_EC2}),
]


@pytest.mark.parametrize(("noun", "create", "params"), OWNERS)
def test_attach_list_detach(iam: Harness, noun: str, create: str, params: dict[str, str]) -> None:
    iam.call(create, **params)
    mine = iam.call("CreatePolicy", PolicyName="mine", Path="/team/", PolicyDocument=S3_READ)["Policy"]["Arn"]
    name = {f"{noun}Name": "e"}
    iam.call(f"Attach{noun}Policy", PolicyArn=mine, **name)
    iam.call(f"Attach{noun}Policy", PolicyArn=READ_ONLY, **name)
    iam.call(f"Attach{noun}Policy", PolicyArn=READ_ONLY, **name)  # twice: a no-op
    attached = iam.call(f"ListAttached{noun}Policies", **name)["AttachedPolicies"]
    assert attached == [
        {"PolicyName": "mine", "PolicyArn": mine},
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY},
    ]
    assert iam.call(f"ListAttached{noun}Policies", PathPrefix="/team/", **name)["AttachedPolicies"] == attached[:1]
    assert iam.call("GetPolicy", PolicyArn=READ_ONLY)["Policy"]["AttachmentCount"] == 1
    iam.call(f"Detach{noun}Policy", PolicyArn=READ_ONLY, **name)
    with pytest.raises(NoSuchEntity, match=rf"^Policy {READ_ONLY} was not found.$"):
        iam.call(f"Detach{noun}Policy", PolicyArn=READ_ONLY, **name)
    keys = iam.authorizer.last(f"iam:Detach{noun}Policy").keys
    assert keys["iam:PolicyARN"] == (READ_ONLY,)


@pytest.mark.parametrize(("noun", "create", "params"), OWNERS)
def test_at_most_ten_attached(iam: Harness, noun: str, create: str, params: dict[str, str]) -> None:
    iam.call(create, **params)
    for i in range(10):
        arn = iam.call("CreatePolicy", PolicyName=f"p{i}", PolicyDocument=S3_READ)["Policy"]["Arn"]
        iam.call(f"Attach{noun}Policy", PolicyArn=arn, **{f"{noun}Name": "e"})
    with pytest.raises(LimitExceeded, match=rf"^Cannot exceed quota for PoliciesPer{noun}: 10$"):
        iam.call(f"Attach{noun}Policy", PolicyArn=READ_ONLY, **{f"{noun}Name": "e"})


def test_attach_errors(iam: Harness) -> None:
    iam.call("CreateUser", UserName="u")
    missing = f"arn:aws:iam::{ACCOUNT}:policy/nope"
    with pytest.raises(NoSuchEntity, match=rf"^Policy {missing} does not exist or is not attachable.$"):
        iam.call("AttachUserPolicy", UserName="u", PolicyArn=missing)
    with pytest.raises(ValidationError, match=r"^ARN longpolicynamebutnoarn is not valid.$"):
        iam.call("AttachUserPolicy", UserName="u", PolicyArn="longpolicynamebutnoarn")
    with pytest.raises(NoSuchEntity, match=r"^The user with name ghost cannot be found.$"):
        iam.call("AttachUserPolicy", UserName="ghost", PolicyArn=READ_ONLY)


def test_another_accounts_policy_is_not_attachable(iam: Harness) -> None:
    iam.call("CreateUser", UserName="u")
    theirs = iam.call(
        "CreatePolicy", PolicyName="theirs", PolicyDocument=S3_READ, caller=root_caller(OTHER_ACCOUNT, None)
    )
    arn = theirs["Policy"]["Arn"]
    with pytest.raises(NoSuchEntity, match="does not exist or is not attachable"):
        iam.call("AttachUserPolicy", UserName="u", PolicyArn=arn)


def test_list_entities_for_policy(iam: Harness) -> None:
    arn = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ)["Policy"]["Arn"]
    user = iam.call("CreateUser", UserName="u", Path="/x/")["User"]
    group = iam.call("CreateGroup", GroupName="g")["Group"]
    role = iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2, PermissionsBoundary=arn)["Role"]
    iam.call("AttachUserPolicy", UserName="u", PolicyArn=arn)
    iam.call("AttachGroupPolicy", GroupName="g", PolicyArn=arn)
    everything = iam.call("ListEntitiesForPolicy", PolicyArn=arn)
    assert everything == {
        "PolicyGroups": [{"GroupName": "g", "GroupId": group["GroupId"]}],
        "PolicyUsers": [{"UserName": "u", "UserId": user["UserId"]}],
        "PolicyRoles": [{"RoleName": "r", "RoleId": role["RoleId"]}],
        "IsTruncated": False,
    }
    attached_only = iam.call("ListEntitiesForPolicy", PolicyArn=arn, PolicyUsageFilter="PermissionsPolicy")
    assert attached_only["PolicyRoles"] == []
    assert iam.call("ListEntitiesForPolicy", PolicyArn=arn, EntityFilter="User")["PolicyGroups"] == []
    assert (
        iam.call("ListEntitiesForPolicy", PolicyArn=arn, PathPrefix="/x/")["PolicyUsers"] == everything["PolicyUsers"]
    )
    assert iam.call("ListEntitiesForPolicy", PolicyArn=arn, PathPrefix="/x/")["PolicyGroups"] == []
    page = iam.call("ListEntitiesForPolicy", PolicyArn=arn, MaxItems=1)
    assert page["PolicyGroups"] and not page["PolicyUsers"] and page["IsTruncated"] is True
    missing = f"arn:aws:iam::{ACCOUNT}:policy/NonExistentPolicy"
    with pytest.raises(NoSuchEntity, match=rf"^Policy {missing} does not exist or is not attachable.$"):
        iam.call("ListEntitiesForPolicy", PolicyArn=missing)
