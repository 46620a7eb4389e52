from __future__ import annotations

import json
import re

import pytest

from ostiary.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
)
from tests.iam.helpers import ACCOUNT, S3_READ, START, Harness

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def doc(action: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})


def test_create_and_get_policy(iam: Harness) -> None:
    created = iam.call(
        "CreatePolicy",
        PolicyName="p",
        Path="/team/",
        PolicyDocument=S3_READ,
        Description="reads",
        Tags=[{"Key": "b", "Value": "1"}, {"Key": "a", "Value": "2"}],
    )["Policy"]
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:policy/team/p"
    assert re.fullmatch(r"ANPA[A-Z2-7]{17}", created["PolicyId"])
    assert (created["DefaultVersionId"], created["AttachmentCount"], created["IsAttachable"]) == ("v1", 0, True)
    assert "Description" not in created  # CreatePolicy leaves it out (recorded)
    assert created["Tags"] == [{"Key": "b", "Value": "1"}, {"Key": "a", "Value": "2"}]  # request order
    got = iam.call("GetPolicy", PolicyArn=created["Arn"])["Policy"]
    assert got["Description"] == "reads"
    assert got["Tags"] == [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "1"}]
    version = iam.call("GetPolicyVersion", PolicyArn=created["Arn"], VersionId="v1")["PolicyVersion"]
    assert version == {
        "Document": json.loads(S3_READ),
        "VersionId": "v1",
        "IsDefaultVersion": True,
        "CreateDate": START,
    }


def test_policy_names_are_unique_whatever_the_path(iam: Harness) -> None:
    iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ)
    with pytest.raises(
        EntityAlreadyExists, match=r"^A policy called P already exists\. Duplicate names are not allowed\.$"
    ):
        iam.call("CreatePolicy", PolicyName="P", Path="/x/", PolicyDocument=S3_READ)


def test_documents_are_validated(iam: Harness) -> None:
    with pytest.raises(MalformedPolicyDocument, match=r"^Syntax errors in policy.$"):
        iam.call("CreatePolicy", PolicyName="p", PolicyDocument='{"Version":"2012-10-17","Statement":[{}]}')
    with pytest.raises(MalformedPolicyDocument, match=r"^Policy document must be version 2012-10-17 or greater.$"):
        iam.call("CreatePolicy", PolicyName="p", PolicyDocument=doc("s3:*").replace("2012-10-17", "2008-10-17"))


def test_policy_size_quota_ignores_whitespace(iam: Harness) -> None:
    actions = [f"s3:GetObject{i:05d}" for i in range(320)]
    big = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
    assert len(big.replace(" ", "")) > 6144
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for PolicySize: 6144$"):
        iam.call("CreatePolicy", PolicyName="p", PolicyDocument=big)
    spacious = json.dumps(json.loads(doc("s3:*")), indent=400)
    assert len(spacious) > 6144
    iam.call("CreatePolicy", PolicyName="p", PolicyDocument=spacious)


def test_versions(iam: Harness) -> None:
    arn = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=doc("s3:A"))["Policy"]["Arn"]
    v2 = iam.call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=doc("s3:B"), SetAsDefault=True)
    assert v2["PolicyVersion"] == {"VersionId": "v2", "IsDefaultVersion": True, "CreateDate": START}
    iam.call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=doc("s3:C"))
    listed = iam.call("ListPolicyVersions", PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in listed] == [("v3", False), ("v2", True), ("v1", False)]
    assert iam.call("GetPolicy", PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    iam.call("SetDefaultPolicyVersion", PolicyArn=arn, VersionId="v1")
    with pytest.raises(DeleteConflict, match=r"^Cannot delete the default version of a policy.$"):
        iam.call("DeletePolicyVersion", PolicyArn=arn, VersionId="v1")
    iam.call("DeletePolicyVersion", PolicyArn=arn, VersionId="v3")
    with pytest.raises(NoSuchEntity, match=rf"^Policy {arn} version v3 does not exist or is not attachable.$"):
        iam.call("GetPolicyVersion", PolicyArn=arn, VersionId="v3")


def test_at_most_five_versions_and_numbers_are_not_reused(iam: Harness) -> None:
    arn = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=doc("s3:A"))["Policy"]["Arn"]
    for _ in range(4):
        iam.call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=doc("s3:B"))
    with pytest.raises(LimitExceeded, match=r"^A managed policy can have up to 5 versions"):
        iam.call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=doc("s3:C"))
    iam.call("DeletePolicyVersion", PolicyArn=arn, VersionId="v5")
    assert (
        iam.call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=doc("s3:C"))["PolicyVersion"]["VersionId"] == "v6"
    )


def test_delete_policy(iam: Harness) -> None:
    arn = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.call("CreateUser", UserName="u")
    iam.call("AttachUserPolicy", UserName="u", PolicyArn=arn)
    with pytest.raises(DeleteConflict, match=r"^Cannot delete a policy attached to entities.$"):
        iam.call("DeletePolicy", PolicyArn=arn)
    iam.call("DetachUserPolicy", UserName="u", PolicyArn=arn)
    iam.call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=S3_READ)
    with pytest.raises(DeleteConflict, match=r"^This policy has more than one version"):
        iam.call("DeletePolicy", PolicyArn=arn)
    iam.call("DeletePolicyVersion", PolicyArn=arn, VersionId="v2")
    iam.call("DeletePolicy", PolicyArn=arn)
    with pytest.raises(NoSuchEntity, match=rf"^Policy {arn} was not found.$"):
        iam.call("GetPolicy", PolicyArn=arn)
    recreated = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ)["Policy"]
    assert recreated["Arn"] == arn


def test_a_boundary_in_use_blocks_deletion(iam: Harness) -> None:
    arn = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.call("CreateUser", UserName="u", PermissionsBoundary=arn)
    assert iam.call("GetPolicy", PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    with pytest.raises(DeleteConflict, match=r"^Cannot delete a policy attached to entities.$"):
        iam.call("DeletePolicy", PolicyArn=arn)


def test_aws_managed_policies_are_readable_not_writable(iam: Harness) -> None:
    got = iam.call("GetPolicy", PolicyArn=ADMIN)["Policy"]
    assert (got["PolicyName"], got["Tags"], got["AttachmentCount"]) == ("AdministratorAccess", [], 0)
    version = iam.call("GetPolicyVersion", PolicyArn=ADMIN, VersionId=got["DefaultVersionId"])["PolicyVersion"]
    assert version["Document"]["Statement"][0]["Action"] == "*"
    assert len(iam.call("ListPolicyVersions", PolicyArn=ADMIN)["Versions"]) == 1
    for operation, extra in (
        ("DeletePolicy", {}),
        ("CreatePolicyVersion", {"PolicyDocument": S3_READ}),
        ("SetDefaultPolicyVersion", {"VersionId": "v1"}),
        ("TagPolicy", {"Tags": [{"Key": "k", "Value": "v"}]}),
    ):
        with pytest.raises(
            AccessDenied, match=rf"^User: .* is not authorized to perform: iam:{operation} on resource: policy {ADMIN}"
        ):
            iam.call(operation, PolicyArn=ADMIN, **extra)


def test_list_policies_scopes_and_filters(iam: Harness) -> None:
    mine = iam.call("CreatePolicy", PolicyName="mine", Path="/team/", PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.call("CreatePolicy", PolicyName="unused", PolicyDocument=S3_READ)
    iam.call(
        "CreateRole",
        RoleName="r",
        AssumeRolePolicyDocument=doc("sts:AssumeRole").replace(
            '"Resource": "*"', '"Principal": {"Service": "ec2.amazonaws.com"}'
        ),
    )
    iam.call("AttachRolePolicy", RoleName="r", PolicyArn=mine)
    iam.call("AttachRolePolicy", RoleName="r", PolicyArn=ADMIN)

    def names(**params: object) -> list[str]:
        return [x["PolicyName"] for x in iam.call("ListPolicies", **params)["Policies"]]

    local = names(Scope="Local")
    assert local == ["mine", "unused"]
    assert "AdministratorAccess" in names(Scope="AWS") and "mine" not in names(Scope="AWS")
    assert names(OnlyAttached=True) == ["AdministratorAccess", "mine"]
    assert names(Scope="Local", PathPrefix="/team/") == ["mine"]
    listed = iam.call("ListPolicies", Scope="Local")["Policies"][0]
    assert "Tags" not in listed and "Description" not in listed and listed["AttachmentCount"] == 1
    assert iam.authorizer.last("iam:ListPolicies").display == "policy path /"
