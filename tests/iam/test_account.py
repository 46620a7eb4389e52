from __future__ import annotations

import pytest

from ostiary.caller import root_caller
from ostiary.errors import EntityAlreadyExists, NoSuchEntity
from tests.iam.helpers import OTHER_ACCOUNT, S3_READ, TRUST_EC2, Harness

# The keys AWS returns (recorded, localstack test_iam_account_summary.snapshot.json).
SUMMARY_KEYS = {
    "AccessKeysPerUserQuota", "AccountAccessKeysPresent", "AccountMFAEnabled", "AccountPasswordPresent",
    "AccountSigningCertificatesPresent", "AssumeRolePolicySizeQuota", "AttachedPoliciesPerGroupQuota",
    "AttachedPoliciesPerRoleQuota", "AttachedPoliciesPerUserQuota", "GlobalEndpointTokenVersion",
    "GroupPolicySizeQuota", "Groups", "GroupsPerUserQuota", "GroupsQuota", "InstanceProfiles",
    "InstanceProfilesQuota", "MFADevices", "MFADevicesInUse", "Policies", "PoliciesQuota", "PolicySizeQuota",
    "PolicyVersionsInUse", "PolicyVersionsInUseQuota", "Providers", "RolePolicySizeQuota", "Roles", "RolesQuota",
    "ServerCertificates", "ServerCertificatesQuota", "SigningCertificatesPerUserQuota", "UserPolicySizeQuota",
    "Users", "UsersQuota", "VersionsPerPolicyQuota",
}  # fmt: skip


def test_account_summary(iam: Harness) -> None:
    iam.call("CreateUser", UserName="u")
    iam.call("CreateGroup", GroupName="g")
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)
    arn = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=S3_READ)
    iam.call("CreateUser", UserName="elsewhere", caller=root_caller(OTHER_ACCOUNT, None))
    summary = iam.call("GetAccountSummary")["SummaryMap"]
    assert set(summary) == SUMMARY_KEYS
    counts = {k: summary[k] for k in ("Users", "Groups", "Roles", "Policies", "PolicyVersionsInUse")}
    assert counts == {"Users": 1, "Groups": 1, "Roles": 1, "Policies": 1, "PolicyVersionsInUse": 2}
    assert (summary["PolicySizeQuota"], summary["AccessKeysPerUserQuota"]) == (6144, 2)


def test_account_aliases(iam: Harness) -> None:
    assert iam.call("ListAccountAliases") == {"AccountAliases": [], "IsTruncated": False}
    iam.call("CreateAccountAlias", AccountAlias="my-team")
    iam.call("CreateAccountAlias", AccountAlias="my-team-2")  # one alias per account: replaced
    assert iam.call("ListAccountAliases")["AccountAliases"] == ["my-team-2"]
    with pytest.raises(EntityAlreadyExists):
        iam.call("CreateAccountAlias", AccountAlias="my-team-2", caller=root_caller(OTHER_ACCOUNT, None))
    with pytest.raises(NoSuchEntity):
        iam.call("DeleteAccountAlias", AccountAlias="my-team")
    iam.call("DeleteAccountAlias", AccountAlias="my-team-2")
    assert iam.call("ListAccountAliases")["AccountAliases"] == []


def test_account_authorization_details(iam: Harness) -> None:
    arn = iam.call("CreatePolicy", PolicyName="p", PolicyDocument=S3_READ)["Policy"]["Arn"]
    iam.call("CreateUser", UserName="u", Tags=[{"Key": "k", "Value": "v"}])
    iam.call("CreateGroup", GroupName="g")
    iam.call("AddUserToGroup", GroupName="g", UserName="u")
    iam.call("PutUserPolicy", UserName="u", PolicyName="inline", PolicyDocument=S3_READ)
    iam.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST_EC2)
    iam.call("AttachRolePolicy", RoleName="r", PolicyArn=arn)
    iam.call("AttachRolePolicy", RoleName="r", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    details = iam.call("GetAccountAuthorizationDetails")
    user = details["UserDetailList"][0]
    assert (user["UserName"], user["GroupList"], user["Tags"]) == ("u", ["g"], [{"Key": "k", "Value": "v"}])
    assert user["UserPolicyList"][0]["PolicyName"] == "inline"
    assert details["GroupDetailList"][0]["GroupName"] == "g"
    role = details["RoleDetailList"][0]
    assert [a["PolicyName"] for a in role["AttachedManagedPolicies"]] == ["p", "ReadOnlyAccess"]
    # Customer managed policies, and the AWS managed ones in use.
    assert [p["PolicyName"] for p in details["Policies"]] == ["p", "ReadOnlyAccess"]
    only_roles = iam.call("GetAccountAuthorizationDetails", Filter=["Role"])
    assert (only_roles["UserDetailList"], len(only_roles["RoleDetailList"])) == ([], 1)
