"""Condition keys of IAM requests on real calls: aws:RequestTag, aws:TagKeys, aws:ResourceTag, iam:PolicyARN,
iam:PermissionsBoundary.

Sources: IAM User Guide reference_policies_condition-keys (aws:RequestTag, aws:TagKeys, aws:ResourceTag),
reference_policies_iam-condition-keys (iam:PolicyARN, iam:PermissionsBoundary), access_iam-tags and the example
reference_policies_examples_iam-new-user-tag ("IAM: Create new users only with specific tags").
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.test_sts_policy_support import Kit, allow, error_of, trust
from tests.support import Server


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


def cond(operator: str, key: str, value: object) -> dict[str, dict[str, dict[str, object]]]:
    return {"Condition": {operator: {key: value}}}


# --- tags ----------------------------------------------------------------------------------------


def test_request_tag_and_tag_keys_on_tag_user(kit: Kit) -> None:
    target = kit.user()
    tagger = kit.user(
        allow(
            "iam:TagUser",
            f"arn:aws:iam::{kit.account}:user/*",
            Condition={
                "StringEquals": {"aws:RequestTag/team": ["blue", "green"]},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]},
            },
        )
    )
    iam = tagger.creds.iam
    iam.tag_user(UserName=target.name, Tags=[{"Key": "team", "Value": "blue"}])
    assert kit.root.iam.list_user_tags(UserName=target.name)["Tags"] == [{"Key": "team", "Value": "blue"}]
    for tags in ([{"Key": "team", "Value": "red"}], [{"Key": "team", "Value": "green"}, {"Key": "cost", "Value": "1"}]):
        error = error_of(iam.tag_user, UserName=target.name, Tags=tags)
        assert error.code == "AccessDenied", tags
        assert error.message.startswith(f"User: {tagger.arn} is not authorized to perform: iam:TagUser")
    assert kit.root.iam.list_user_tags(UserName=target.name)["Tags"] == [{"Key": "team", "Value": "blue"}]


def test_create_user_only_with_specific_tags(kit: Kit) -> None:
    """The IAM User Guide example reference_policies_examples_iam-new-user-tag, verbatim in substance."""
    creator = kit.user(
        allow(
            ["iam:CreateUser", "iam:TagUser"],
            Condition={
                "StringEqualsIfExists": {
                    "aws:RequestTag/Department": ["Development", "QualityAssurance"],
                    "aws:RequestTag/JobFunction": "Employee",
                },
                "ForAllValues:StringEquals": {"aws:TagKeys": ["Department", "JobFunction"]},
            },
        )
    )
    iam = creator.creds.iam
    good = kit.unique_name("tagged")
    iam.create_user(
        UserName=good, Tags=[{"Key": "Department", "Value": "Development"}, {"Key": "JobFunction", "Value": "Employee"}]
    )
    assert {t["Key"] for t in kit.root.iam.list_user_tags(UserName=good)["Tags"]} == {"Department", "JobFunction"}
    iam.create_user(UserName=kit.unique_name("untagged"))
    for tags in ([{"Key": "Department", "Value": "Sales"}], [{"Key": "Cost", "Value": "1"}]):
        name = kit.unique_name("refused")
        assert error_of(iam.create_user, UserName=name, Tags=tags).code == "AccessDenied", tags
        assert error_of(kit.root.iam.get_user, UserName=name).code == "NoSuchEntity"


def test_resource_tag_on_iam_users_and_roles(kit: Kit) -> None:
    blue_user = kit.user(tags={"team": "blue"})
    red_user = kit.user(tags={"team": "red"})
    blue_role = kit.role(trust(blue_user.arn), tags={"team": "blue"})
    red_role = kit.role(trust(blue_user.arn), tags={"team": "red"})
    reader = kit.user(allow(["iam:GetUser", "iam:GetRole"], **cond("StringEquals", "aws:ResourceTag/team", "blue")))
    iam = reader.creds.iam
    assert iam.get_user(UserName=blue_user.name)["User"]["Arn"] == blue_user.arn
    assert iam.get_role(RoleName=blue_role.name)["Role"]["Arn"] == blue_role.arn
    error = error_of(iam.get_user, UserName=red_user.name)
    assert error.code == "AccessDenied"
    assert error.message.startswith(f"User: {reader.arn} is not authorized to perform: iam:GetUser")
    assert error_of(iam.get_role, RoleName=red_role.name).code == "AccessDenied"
    # A tag change applies at once.
    kit.root.iam.tag_role(RoleName=red_role.name, Tags=[{"Key": "team", "Value": "blue"}])
    assert iam.get_role(RoleName=red_role.name)["Role"]["Arn"] == red_role.arn


# --- IAM operation keys --------------------------------------------------------------------------


def test_policy_arn_on_attach_user_policy(kit: Kit) -> None:
    permitted = kit.managed_policy(allow("s3:ListAllMyBuckets"))
    other = kit.managed_policy(allow("s3:*"))
    target = kit.user()
    admin = kit.user(
        allow(
            "iam:AttachUserPolicy",
            f"arn:aws:iam::{kit.account}:user/*",
            **cond("ArnEquals", "iam:PolicyARN", permitted),
        )
    )
    admin.creds.iam.attach_user_policy(UserName=target.name, PolicyArn=permitted)
    error = error_of(admin.creds.iam.attach_user_policy, UserName=target.name, PolicyArn=other)
    assert error.code == "AccessDenied"
    assert error.message.startswith(f"User: {admin.arn} is not authorized to perform: iam:AttachUserPolicy")
    attached = kit.root.iam.list_attached_user_policies(UserName=target.name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [permitted]


def test_permissions_boundary_condition_on_create_user(kit: Kit) -> None:
    boundary = kit.managed_policy(allow("s3:*"))
    other = kit.managed_policy(allow("*"))
    admin = kit.user(allow("iam:CreateUser", **cond("StringEquals", "iam:PermissionsBoundary", boundary)))
    iam = admin.creds.iam
    made = kit.unique_name("bounded")
    assert (
        iam.create_user(UserName=made, PermissionsBoundary=boundary)["User"]["PermissionsBoundary"][
            "PermissionsBoundaryArn"
        ]
        == boundary
    )
    for extra in ({}, {"PermissionsBoundary": other}):
        error = error_of(iam.create_user, UserName=kit.unique_name("unbounded"), **extra)
        assert error.code == "AccessDenied", extra
        assert error.message.startswith(f"User: {admin.arn} is not authorized to perform: iam:CreateUser")
