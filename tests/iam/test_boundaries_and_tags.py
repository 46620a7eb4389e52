from __future__ import annotations

import pytest

from ostiary.errors import InvalidInput, LimitExceeded, NoSuchEntity
from tests.iam.helpers import ACCOUNT, S3_READ, TRUST_EC2, Harness

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.mark.parametrize("noun", ["User", "Role"])
def test_put_and_delete_boundary(iam: Harness, noun: str) -> None:
    if noun == "User":
        iam.call("CreateUser", UserName="e")
    else:
        iam.call("CreateRole", RoleName="e", AssumeRolePolicyDocument=TRUST_EC2)
    name = {f"{noun}Name": "e"}
    mine = iam.call("CreatePolicy", PolicyName="b", PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.call(f"Put{noun}PermissionsBoundary", PermissionsBoundary=mine, **name)
    assert iam.authorizer.last(f"iam:Put{noun}PermissionsBoundary").keys["iam:PermissionsBoundary"] == (mine,)
    got = iam.call(f"Get{noun}", **name)[noun]
    assert got["PermissionsBoundary"] == {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": mine}
    iam.call(f"Put{noun}PermissionsBoundary", PermissionsBoundary=ADMIN, **name)  # AWS managed ones too
    iam.call(f"Delete{noun}PermissionsBoundary", **name)
    assert iam.authorizer.last(f"iam:Delete{noun}PermissionsBoundary").keys["iam:PermissionsBoundary"] == (ADMIN,)
    assert "PermissionsBoundary" not in iam.call(f"Get{noun}", **name)[noun]


@pytest.mark.parametrize("operation", ["PutRolePermissionsBoundary", "CreateRole"])
def test_boundary_errors(iam: Harness, operation: str) -> None:
    if operation == "PutRolePermissionsBoundary":
        iam.call("CreateRole", RoleName="e", AssumeRolePolicyDocument=TRUST_EC2)
        extra = {}
    else:
        extra = {"AssumeRolePolicyDocument": TRUST_EC2}
    bad = f"arn:aws:iam::{ACCOUNT}:not_a_policy/invalid"
    with pytest.raises(InvalidInput, match=rf"^ARN {bad} is not valid.$"):
        iam.call(operation, RoleName="e", PermissionsBoundary=bad, **extra)
    missing = f"arn:aws:iam::{ACCOUNT}:policy/nonexistent-policy"
    with pytest.raises(NoSuchEntity, match=rf"^Scope ARN: {missing} does not exist or is not attachable.$"):
        iam.call(operation, RoleName="e", PermissionsBoundary=missing, **extra)


def test_user_tags(iam: Harness) -> None:
    iam.call("CreateUser", UserName="u", Tags=[{"Key": "Env", "Value": "test"}])
    iam.call("TagUser", UserName="u", Tags=[{"Key": "team", "Value": "a"}, {"Key": "ENV", "Value": "prod"}])
    # Keys are case-insensitive: ENV replaces Env's value and keeps its place and spelling.
    assert iam.call("ListUserTags", UserName="u")["Tags"] == [
        {"Key": "Env", "Value": "prod"},
        {"Key": "team", "Value": "a"},
    ]
    iam.call("UntagUser", UserName="u", TagKeys=["env", "missing"])
    assert iam.call("ListUserTags", UserName="u")["Tags"] == [{"Key": "team", "Value": "a"}]
    keys = iam.authorizer.last("iam:UntagUser").keys
    assert keys["aws:TagKeys"] == ("env", "missing") and keys["aws:ResourceTag/team"] == ("a",)


def test_duplicate_tag_keys(iam: Harness) -> None:
    tags = [{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]
    with pytest.raises(
        InvalidInput, match=r"^Duplicate tag keys found\. Please note that Tag keys are case insensitive\.$"
    ):
        iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2, Tags=tags)
    # Policy tag keys are case-sensitive: a and A are two tags.
    arn = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ, Tags=tags)["Policy"]["Arn"]
    assert [t["Key"] for t in iam.call("ListPolicyTags", PolicyArn=arn)["Tags"]] == ["A", "a"]
    with pytest.raises(InvalidInput, match=r"^Duplicate tag keys found\.$"):
        iam.call("TagPolicy", PolicyArn=arn, Tags=[{"Key": "x", "Value": "1"}, {"Key": "x", "Value": "2"}])


def test_policy_tag_order(iam: Harness) -> None:
    tags = [{"Key": k, "Value": v} for k, v in (("abc", "first"), ("b", "second"), ("z", "third"), ("a", "fourth"))]
    arn = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ, Tags=tags)["Policy"]["Arn"]
    listed = iam.call("ListPolicyTags", PolicyArn=arn)["Tags"]
    assert [t["Key"] for t in listed] == ["a", "b", "z", "abc"]  # as recorded from AWS
    iam.call("UntagPolicy", PolicyArn=arn, TagKeys=["A", "a"])
    assert [t["Key"] for t in iam.call("ListPolicyTags", PolicyArn=arn)["Tags"]] == ["b", "z", "abc"]


def test_at_most_fifty_tags(iam: Harness) -> None:
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)
    iam.call("TagRole", RoleName="r", Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)])
    iam.call("TagRole", RoleName="r", Tags=[{"Key": "K7", "Value": "again"}])  # replaces: still 50
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for TagsPerRole: 50$"):
        iam.call("TagRole", RoleName="r", Tags=[{"Key": "one-more", "Value": ""}])
    page = iam.call("ListRoleTags", RoleName="r", MaxItems=20)
    assert len(page["Tags"]) == 20 and page["IsTruncated"]


def test_tag_condition_keys(iam: Harness) -> None:
    tags = [{"Key": "team", "Value": "core"}, {"Key": "cost", "Value": "1"}]
    iam.call("CreateUser", UserName="u", Tags=tags)
    create = iam.authorizer.last("iam:CreateUser").keys
    assert create["aws:RequestTag/team"] == ("core",) and create["aws:TagKeys"] == ("team", "cost")
    assert iam.authorizer.last("iam:TagUser").display == "user u"  # creating with tags needs iam:TagUser too
    iam.call("TagUser", UserName="u", Tags=[{"Key": "new", "Value": "x"}])
    tag = iam.authorizer.last("iam:TagUser").keys
    assert tag["aws:RequestTag/new"] == ("x",) and tag["aws:ResourceTag/team"] == ("core",)
