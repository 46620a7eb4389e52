"""Account-wide IAM calls: GetAccountSummary, Create/List/DeleteAccountAlias,
GetAccountAuthorizationDetails.

GetAccountSummary returns the keys AWS returns (recorded, localstack
test_iam_account_summary.snapshot.json), with counts from the store and our
quotas (`ostiary.limits`). Kinds of entity ostiary does not host (MFA devices,
instance profiles, server certificates, signing certificates) count zero.
An account has at most one alias; creating another replaces it, and an alias
is unique across all accounts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ostiary import limits
from ostiary.api import Call, Operation, Result
from ostiary.aws_managed import AWS_MANAGED_POLICIES
from ostiary.iam import messages
from ostiary.iam import params as p
from ostiary.iam.common import (
    account_of,
    boundary_member,
    encode_document,
    paginate,
    policy_member,
    policy_name_of,
    tag_members,
)
from ostiary.model import EntityKind
from ostiary.protocol.params import string_list
from ostiary.protocol.query import XmlMap
from ostiary.store import policies, principals
from ostiary.store.tags import list_tags

_NOT_HOSTED = (
    "AccountMFAEnabled",
    "AccountSigningCertificatesPresent",
    "InstanceProfiles",
    "MFADevices",
    "MFADevicesInUse",
    "Providers",
    "ServerCertificates",
    "AccountPasswordPresent",
)

_QUOTAS = {
    "AccessKeysPerUserQuota": limits.ACCESS_KEYS_PER_USER,
    "AssumeRolePolicySizeQuota": limits.TRUST_POLICY_MAX_CHARS,
    "AttachedPoliciesPerGroupQuota": limits.ATTACHED_POLICIES_PER_ENTITY,
    "AttachedPoliciesPerRoleQuota": limits.ATTACHED_POLICIES_PER_ENTITY,
    "AttachedPoliciesPerUserQuota": limits.ATTACHED_POLICIES_PER_ENTITY,
    "GlobalEndpointTokenVersion": 1,
    "GroupPolicySizeQuota": limits.INLINE_POLICY_CHARS_PER_GROUP,
    "GroupsPerUserQuota": limits.GROUPS_PER_USER,
    "GroupsQuota": 300,
    "InstanceProfilesQuota": 1000,
    "PoliciesQuota": limits.MANAGED_POLICIES_PER_ACCOUNT,
    "PolicySizeQuota": limits.MANAGED_POLICY_MAX_CHARS,
    "PolicyVersionsInUseQuota": 10_000,
    "RolePolicySizeQuota": limits.INLINE_POLICY_CHARS_PER_ROLE,
    "RolesQuota": 1000,
    "ServerCertificatesQuota": 20,
    "SigningCertificatesPerUserQuota": 2,
    "UserPolicySizeQuota": limits.INLINE_POLICY_CHARS_PER_USER,
    "UsersQuota": 5000,
    "VersionsPerPolicyQuota": limits.POLICY_VERSIONS_MAX,
}


def get_account_summary(call: Call) -> Result:
    account = account_of(call)
    call.authorize("iam:GetAccountSummary")
    with call.store.read() as conn:
        counts = {
            "AccountAccessKeysPresent": 1 if principals.count_access_keys(conn, None, account) else 0,
            "Groups": len(principals.list_groups(conn, account)),
            "Policies": policies.count_managed_policies(conn, account),
            "PolicyVersionsInUse": policies.policy_versions_in_use(conn, account),
            "Roles": len(principals.list_roles(conn, account)),
            "Users": len(principals.list_users(conn, account)),
        }
    summary: dict[str, int] = {**_QUOTAS, **counts, **dict.fromkeys(_NOT_HOSTED, 0)}
    return {"SummaryMap": XmlMap(sorted(summary.items()))}


def create_account_alias(call: Call) -> Result:
    account = account_of(call)
    alias: str = call.params["AccountAlias"]
    call.authorize("iam:CreateAccountAlias")
    with call.store.write() as conn:
        owner = principals.get_account_by_alias(conn, alias)
        if owner is not None and owner.account_id != account:
            raise messages.account_alias_taken(alias)
        principals.set_account_alias(conn, account, alias)
    return None


def list_account_aliases(call: Call) -> Result:
    account = account_of(call)
    call.authorize("iam:ListAccountAliases")
    with call.store.read() as conn:
        found = principals.get_account(conn, account)
    aliases = [found.alias] if found is not None and found.alias else []
    page, more = paginate(call, aliases)
    return {"AccountAliases": page, **more}


def delete_account_alias(call: Call) -> Result:
    account = account_of(call)
    alias: str = call.params["AccountAlias"]
    call.authorize("iam:DeleteAccountAlias")
    with call.store.write() as conn:
        found = principals.get_account(conn, account)
        if found is None or found.alias != alias:
            raise messages.account_alias_not_found(alias)
        principals.set_account_alias(conn, account, None)
    return None


# --- GetAccountAuthorizationDetails --------------------------------------------------------------


def _inline(conn: Connection, kind: EntityKind, entity_id: str) -> list[dict[str, str]]:
    return [
        {"PolicyName": x.name, "PolicyDocument": encode_document(x.document)}
        for x in policies.list_inline_policies(conn, kind, entity_id)
    ]


def _attached(conn: Connection, kind: EntityKind, entity_id: str) -> list[dict[str, str]]:
    return [
        {"PolicyName": policy_name_of(a), "PolicyArn": a} for a in policies.attached_policy_arns(conn, kind, entity_id)
    ]


def _details(conn: Connection, account: str, wanted: set[str]) -> list[tuple[str, dict[str, Any]]]:
    items: list[tuple[str, dict[str, Any]]] = []
    if "User" in wanted:
        for user in principals.list_users(conn, account):
            tags = list_tags(conn, EntityKind.USER, user.user_id)
            detail = {
                "Path": user.path,
                "UserName": user.name,
                "UserId": user.user_id,
                "Arn": user.arn,
                "CreateDate": user.created_at,
                "UserPolicyList": _inline(conn, EntityKind.USER, user.user_id),
                "GroupList": [g.name for g in principals.user_groups(conn, user.user_id)],
                "AttachedManagedPolicies": _attached(conn, EntityKind.USER, user.user_id),
                "PermissionsBoundary": boundary_member(user.boundary_arn),
                "Tags": tag_members(tags) if tags else None,
            }
            items.append(("UserDetailList", detail))
    if "Group" in wanted:
        for group in principals.list_groups(conn, account):
            detail = {
                "Path": group.path,
                "GroupName": group.name,
                "GroupId": group.group_id,
                "Arn": group.arn,
                "CreateDate": group.created_at,
                "GroupPolicyList": _inline(conn, EntityKind.GROUP, group.group_id),
                "AttachedManagedPolicies": _attached(conn, EntityKind.GROUP, group.group_id),
            }
            items.append(("GroupDetailList", detail))
    if "Role" in wanted:
        for role in principals.list_roles(conn, account):
            tags = list_tags(conn, EntityKind.ROLE, role.role_id)
            detail = {
                "Path": role.path,
                "RoleName": role.name,
                "RoleId": role.role_id,
                "Arn": role.arn,
                "CreateDate": role.created_at,
                "AssumeRolePolicyDocument": encode_document(role.trust_policy),
                "InstanceProfileList": [],
                "RolePolicyList": _inline(conn, EntityKind.ROLE, role.role_id),
                "AttachedManagedPolicies": _attached(conn, EntityKind.ROLE, role.role_id),
                "PermissionsBoundary": boundary_member(role.boundary_arn),
                "Tags": tag_members(tags) if tags else None,
                "RoleLastUsed": {"LastUsedDate": role.last_used_at, "Region": role.last_used_region},
            }
            items.append(("RoleDetailList", detail))
    local, aws = "LocalManagedPolicy" in wanted, "AWSManagedPolicy" in wanted
    for policy in policies.list_managed_policies(conn, account, customer=local, aws=aws):
        if policy.account_id == "aws" and not (policy.attachment_count or policy.boundary_usage_count):
            continue  # AWS managed policies are listed when the account uses them
        detail = policy_member(policy)
        if policy.account_id == "aws":
            builtin = AWS_MANAGED_POLICIES[policy.arn]
            versions = [
                {
                    "Document": encode_document(builtin.document),
                    "VersionId": builtin.version,
                    "IsDefaultVersion": True,
                    "CreateDate": builtin.updated_at,
                }
            ]
        else:
            versions = [
                {
                    "Document": encode_document(v.document),
                    "VersionId": v.version_id,
                    "IsDefaultVersion": v.is_default,
                    "CreateDate": v.created_at,
                }
                for v in policies.list_policy_versions(conn, policy.policy_id)
            ]
        detail["PolicyVersionList"] = versions
        items.append(("Policies", detail))
    return items


def get_account_authorization_details(call: Call) -> Result:
    account = account_of(call)
    call.authorize("iam:GetAccountAuthorizationDetails")
    wanted = set(call.params.get("Filter") or p.ENTITY_TYPES)
    call.store.usage.flush()  # RoleLastUsed
    with call.store.read() as conn:
        items = _details(conn, account, wanted)
    page, more = paginate(call, items)
    result: dict[str, Any] = {name: [d for n, d in page if n == name] for name in _LISTS}
    return {**result, **more}


_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")

OPERATIONS: tuple[Operation, ...] = (
    Operation("GetAccountSummary", (), get_account_summary),
    Operation("CreateAccountAlias", (p.ACCOUNT_ALIAS,), create_account_alias),
    Operation("ListAccountAliases", p.PAGINATION, list_account_aliases),
    Operation("DeleteAccountAlias", (p.ACCOUNT_ALIAS,), delete_account_alias),
    Operation(
        "GetAccountAuthorizationDetails",
        (string_list("Filter", p.ENTITY_FILTER), p.MAX_ITEMS, p.MARKER),
        get_account_authorization_details,
    ),
)
