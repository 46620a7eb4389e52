"""Managed policies and their versions: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy,
Create/Get/List/DeletePolicyVersion, SetDefaultPolicyVersion.

Recorded AWS behaviour (localstack ``test_iam_policies.snapshot.json``,
``test_iam_managed_policies.snapshot.json``):

- CreatePolicy returns no ``Description``; GetPolicy returns it and ``Tags``
  (an empty list when there are none); ListPolicies returns neither.
- CreatePolicyVersion and ListPolicyVersions return no ``Document``;
  ListPolicyVersions lists the newest version first; version numbers are never
  reused (``v6`` after deleting one of five).
- Unknown policy or version in Get/Delete/SetDefault: "Policy ARN version vN
  does not exist or is not attachable."
- A policy still attached, or still used as a boundary, cannot be deleted;
  nor one that has versions besides the default (aws-nuke#1 output).
- AWS managed policies can be read and attached here but never changed: they
  belong to the ``aws`` account, so changing one is AccessDenied.
"""

from __future__ import annotations

from typing import Any

from ostiary import ids, limits
from ostiary.api import Call, Operation, Result
from ostiary.aws_managed import AWS_MANAGED_POLICIES
from ostiary.iam import messages
from ostiary.iam import params as p
from ostiary.iam.common import (
    account_of,
    creating,
    display,
    encode_document,
    paginate,
    parse_arn,
    parse_tags,
    policy_member,
    request_tag_keys,
)
from ostiary.iam.documents import check_managed_policy
from ostiary.iam.entities import authorize_policy, is_aws_managed
from ostiary.iam.tags import sorted_policy_tags
from ostiary.model import EntityKind, ManagedPolicy, PolicyVersion
from ostiary.store import policies
from ostiary.store.tags import delete_all_tags, put_tags


def _version_member(version: PolicyVersion, *, document: bool) -> dict[str, Any]:
    return {
        "Document": encode_document(version.document) if document else None,
        "VersionId": version.version_id,
        "IsDefaultVersion": version.is_default,
        "CreateDate": version.created_at,
    }


def _versions(call: Call, policy: ManagedPolicy) -> list[PolicyVersion]:
    if is_aws_managed(policy):
        builtin = AWS_MANAGED_POLICIES[policy.arn]
        return [PolicyVersion(policy.policy_id, builtin.version, builtin.document, builtin.updated_at, True)]
    with call.store.read() as conn:
        return policies.list_policy_versions(conn, policy.policy_id)


def _writable(call: Call, action: str, *, missing: Any) -> ManagedPolicy:
    """A customer managed policy the caller may change; `missing` builds the NoSuchEntity to raise."""
    arn: str = call.params["PolicyArn"]
    parse_arn(arn)
    policy, _ = authorize_policy(call, action, arn)
    if policy is None:
        raise missing(arn)
    if is_aws_managed(policy):
        raise messages.aws_managed_denied(call.caller.arn, action, arn)
    return policy


def create_policy(call: Call) -> Result:
    account = account_of(call)
    name: str = call.params["PolicyName"]
    path: str = call.params.get("Path", "/")
    document: str = call.params["PolicyDocument"]
    tags = parse_tags(call.params.get("Tags"), case_insensitive=False)
    arn = f"arn:aws:iam::{account}:policy{path}{name}"
    tag_keys = request_tag_keys(tags) if tags else {}
    call.authorize("iam:CreatePolicy", arn, keys=tag_keys, resource_display=display("policy", name))
    if tags:
        call.authorize("iam:TagPolicy", arn, keys=tag_keys, resource_display=display("policy", name))
    check_managed_policy(document)
    policy = ManagedPolicy(
        policy_id=ids.unique_id(ids.POLICY, call.rng),
        account_id=account,
        name=name,
        path=path,
        arn=arn,
        default_version="v1",
        created_at=call.now,
        updated_at=call.now,
        description=call.params.get("Description"),
    )
    with creating(call, messages.policy_already_exists(name)) as conn:
        if policies.get_managed_policy_by_name(conn, account, name) is not None:
            raise messages.policy_already_exists(name)
        if policies.count_managed_policies(conn, account) >= limits.MANAGED_POLICIES_PER_ACCOUNT:
            raise messages.quota("PoliciesPerAccount", limits.MANAGED_POLICIES_PER_ACCOUNT)
        policies.insert_managed_policy(conn, policy, document)
        put_tags(conn, EntityKind.POLICY, policy.policy_id, tags)
    return {"Policy": policy_member(policy, description=False, tags=tags or None)}


def get_policy(call: Call) -> Result:
    arn: str = call.params["PolicyArn"]
    parse_arn(arn)
    policy, tags = authorize_policy(call, "iam:GetPolicy", arn)
    if policy is None:
        raise messages.policy_not_found(arn)
    return {"Policy": policy_member(policy, tags=sorted_policy_tags(tags))}


def _listed(policy: ManagedPolicy, only_attached: bool, usage: str | None) -> bool:
    if not only_attached:
        return True
    if usage == "PermissionsPolicy":
        return policy.attachment_count > 0
    if usage == "PermissionsBoundary":
        return policy.boundary_usage_count > 0
    return policy.attachment_count > 0 or policy.boundary_usage_count > 0


def list_policies(call: Call) -> Result:
    account = account_of(call)
    scope: str = call.params.get("Scope", "All")
    prefix: str = call.params.get("PathPrefix", "/")
    only_attached: bool = call.params.get("OnlyAttached", False)
    usage: str | None = call.params.get("PolicyUsageFilter")
    # Denials read "on resource: policy path /" (public CLI output for iam:ListPolicies).
    call.authorize(
        "iam:ListPolicies", f"arn:aws:iam::{account}:policy{prefix}*", resource_display=f"policy path {prefix}"
    )
    with call.store.read() as conn:
        found = policies.list_managed_policies(conn, account, customer=scope != "AWS", aws=scope != "Local")
    found = [x for x in found if x.path.startswith(prefix) and _listed(x, only_attached, usage)]
    page, more = paginate(call, found, lambda x: f"{x.name.lower()}|{x.arn}")
    return {"Policies": [policy_member(x, description=False) for x in page], **more}


def delete_policy(call: Call) -> Result:
    policy = _writable(call, "iam:DeletePolicy", missing=messages.policy_not_found)
    with call.store.write() as conn:
        current = policies.get_managed_policy(conn, policy.account_id, policy.arn)
        if current is None:
            raise messages.policy_not_found(policy.arn)
        if current.attachment_count or current.boundary_usage_count:
            raise messages.delete_conflict(messages.POLICY_ATTACHED)
        if len(policies.list_policy_versions(conn, current.policy_id)) > 1:
            raise messages.delete_conflict(messages.POLICY_HAS_VERSIONS)
        delete_all_tags(conn, EntityKind.POLICY, current.policy_id)
        policies.delete_managed_policy(conn, current.policy_id)
    return None


def create_policy_version(call: Call) -> Result:
    policy = _writable(call, "iam:CreatePolicyVersion", missing=messages.policy_not_found)
    document: str = call.params["PolicyDocument"]
    check_managed_policy(document)
    with call.store.write() as conn:
        if policies.get_managed_policy(conn, policy.account_id, policy.arn) is None:
            raise messages.policy_not_found(policy.arn)
        if len(policies.list_policy_versions(conn, policy.policy_id)) >= limits.POLICY_VERSIONS_MAX:
            raise messages.versions_exceeded()
        version = policies.add_policy_version(
            conn, policy.policy_id, document, call.now, set_default=bool(call.params.get("SetAsDefault"))
        )
    return {"PolicyVersion": _version_member(version, document=False)}


def get_policy_version(call: Call) -> Result:
    arn: str = call.params["PolicyArn"]
    version_id: str = call.params["VersionId"]
    parse_arn(arn)
    policy, _ = authorize_policy(call, "iam:GetPolicyVersion", arn)
    found = [v for v in _versions(call, policy) if v.version_id == version_id] if policy is not None else []
    if not found:
        raise messages.policy_version_not_found(arn, version_id)
    return {"PolicyVersion": _version_member(found[0], document=True)}


def list_policy_versions(call: Call) -> Result:
    arn: str = call.params["PolicyArn"]
    parse_arn(arn)
    policy, _ = authorize_policy(call, "iam:ListPolicyVersions", arn)
    if policy is None:
        raise messages.policy_not_found(arn)
    page, more = paginate(call, _versions(call, policy))
    return {"Versions": [_version_member(v, document=False) for v in page], **more}


def delete_policy_version(call: Call) -> Result:
    version_id: str = call.params["VersionId"]

    def missing(arn: str) -> Exception:
        return messages.policy_version_not_found(arn, version_id)

    policy = _writable(call, "iam:DeletePolicyVersion", missing=missing)
    with call.store.write() as conn:
        version = policies.get_policy_version(conn, policy.policy_id, version_id)
        if version is None:
            raise missing(policy.arn)
        if version.is_default:
            raise messages.delete_conflict(messages.DEFAULT_VERSION)
        policies.delete_policy_version(conn, policy.policy_id, version_id)
    return None


def set_default_policy_version(call: Call) -> Result:
    version_id: str = call.params["VersionId"]

    def missing(arn: str) -> Exception:
        return messages.policy_version_not_found(arn, version_id)

    policy = _writable(call, "iam:SetDefaultPolicyVersion", missing=missing)
    with call.store.write() as conn:
        if policies.get_policy_version(conn, policy.policy_id, version_id) is None:
            raise missing(policy.arn)
        policies.set_default_policy_version(conn, policy.policy_id, version_id, call.now)
    return None


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "CreatePolicy",
        (p.policy_name(), p.policy_path(), p.policy_document(), p.POLICY_DESCRIPTION, p.tags()),
        create_policy,
    ),
    Operation("GetPolicy", (p.policy_arn(),), get_policy),
    Operation(
        "ListPolicies",
        (p.POLICY_SCOPE, p.ONLY_ATTACHED, p.POLICY_PATH_PREFIX, p.POLICY_USAGE_FILTER, *p.PAGINATION),
        list_policies,
    ),
    Operation("DeletePolicy", (p.policy_arn(),), delete_policy),
    Operation("CreatePolicyVersion", (p.policy_arn(), p.policy_document(), p.SET_AS_DEFAULT), create_policy_version),
    Operation("GetPolicyVersion", (p.policy_arn(), p.version_id()), get_policy_version),
    Operation("ListPolicyVersions", (p.policy_arn(), *p.PAGINATION), list_policy_versions),
    Operation("DeletePolicyVersion", (p.policy_arn(), p.version_id()), delete_policy_version),
    Operation("SetDefaultPolicyVersion", (p.policy_arn(), p.version_id()), set_default_policy_version),
)
