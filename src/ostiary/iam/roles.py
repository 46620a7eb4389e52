"""IAM roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription,
UpdateAssumeRolePolicy, DeleteRole.

- The trust policy is validated as `PolicyKind.TRUST`, limited to 2,048
  characters without whitespace (``ACLSizePerRole``), stored exactly as sent and
  returned URL-encoded; the users and roles it names are resolved to their
  unique IDs when it is saved (`ostiary.iam.documents`).
- MaxSessionDuration is 3600–43200 seconds, 3600 by default (the model's range).
- Result shapes as recorded (localstack test_iam_roles.snapshot.json):
  CreateRole returns no Description, MaxSessionDuration or RoleLastUsed;
  GetRole returns all, ``RoleLastUsed`` empty until the role is used; ListRoles
  returns Description and MaxSessionDuration but no tags, boundary or last use;
  UpdateRoleDescription returns the role without MaxSessionDuration and
  RoleLastUsed.
"""

from __future__ import annotations

from ostiary import ids, limits
from ostiary.api import Call, Operation, Result
from ostiary.arn import iam_arn
from ostiary.iam import messages
from ostiary.iam import params as p
from ostiary.iam.common import (
    account_of,
    boundary_keys,
    by_name,
    creating,
    display,
    is_policy_arn,
    merge,
    paginate,
    parse_tags,
    request_tag_keys,
    role_member,
)
from ostiary.iam.documents import check_trust_policy
from ostiary.iam.entities import authorize_role, check_boundary, refetch_role
from ostiary.model import EntityKind, Role
from ostiary.store import principals
from ostiary.store.policies import dependents
from ostiary.store.tags import list_tags, put_tags


def create_role(call: Call) -> Result:
    account = account_of(call)
    name: str = call.params["RoleName"]
    path: str = call.params.get("Path", "/")
    document: str = call.params["AssumeRolePolicyDocument"]
    boundary: str | None = call.params.get("PermissionsBoundary")
    tags = parse_tags(call.params.get("Tags"))
    arn = iam_arn(account, "role", path, name)
    tag_keys = request_tag_keys(tags) if tags else {}
    call.authorize("iam:CreateRole", arn, keys=merge(tag_keys, boundary_keys(boundary)))
    if tags:
        call.authorize("iam:TagRole", arn, keys=tag_keys, resource_display=display("role", name))
    if boundary is not None and not is_policy_arn(boundary):
        raise messages.boundary_arn_invalid(boundary)
    with call.store.read() as conn:
        principal_ids = check_trust_policy(conn, document)
    role = Role(
        role_id=ids.unique_id(ids.ROLE, call.rng),
        account_id=account,
        name=name,
        path=path,
        created_at=call.now,
        max_session_duration=call.params.get("MaxSessionDuration", limits.ROLE_MAX_SESSION_DURATION_MIN),
        trust_policy=document,
        trust_principal_ids=principal_ids,
        description=call.params.get("Description"),
        boundary_arn=boundary,
    )
    with creating(call, messages.already_exists("Role", name)) as conn:
        if principals.get_role(conn, account, name) is not None:
            raise messages.already_exists("Role", name)
        if boundary is not None:
            check_boundary(conn, account, boundary)
        principals.insert_role(conn, role)
        put_tags(conn, EntityKind.ROLE, role.role_id, tags)
    return {"Role": role_member(role, tags=tags, description=False, max_session=False)}


def get_role(call: Call) -> Result:
    call.store.usage.flush()  # RoleLastUsed: write the batched uses first
    role, tags = authorize_role(call, "iam:GetRole", call.params["RoleName"])
    return {"Role": role_member(role, tags=tags, last_used=True)}


def list_roles(call: Call) -> Result:
    account = account_of(call)
    prefix: str = call.params.get("PathPrefix", "/")
    call.authorize("iam:ListRoles", iam_arn(account, "role", prefix, "*"))
    with call.store.read() as conn:
        roles = principals.list_roles(conn, account, prefix)
    page, more = paginate(call, roles, by_name)
    return {"Roles": [role_member(r, boundary=False) for r in page], **more}


def update_role(call: Call) -> Result:
    role, _ = authorize_role(call, "iam:UpdateRole", call.params["RoleName"])
    with call.store.write() as conn:
        current = refetch_role(conn, role)
        description = call.params.get("Description", current.description)
        duration = call.params.get("MaxSessionDuration", current.max_session_duration)
        principals.update_role(conn, current.role_id, description=description, max_session_duration=duration)
    # UpdateRole has an (empty) output shape: botocore needs the <UpdateRoleResult/> wrapper.
    return {}


def update_role_description(call: Call) -> Result:
    role, _ = authorize_role(call, "iam:UpdateRoleDescription", call.params["RoleName"])
    with call.store.write() as conn:
        current = refetch_role(conn, role)
        description: str = call.params["Description"]
        principals.update_role(
            conn, current.role_id, description=description, max_session_duration=current.max_session_duration
        )
        updated = refetch_role(conn, current)
        tags = list_tags(conn, EntityKind.ROLE, current.role_id)
    return {"Role": role_member(updated, tags=tags, max_session=False)}


def update_assume_role_policy(call: Call) -> Result:
    document: str = call.params["PolicyDocument"]
    role, _ = authorize_role(call, "iam:UpdateAssumeRolePolicy", call.params["RoleName"])
    with call.store.read() as conn:
        principal_ids = check_trust_policy(conn, document)
    with call.store.write() as conn:
        current = refetch_role(conn, role)
        principals.set_role_trust_policy(conn, current.role_id, document, principal_ids)
    return None


def delete_role(call: Call) -> Result:
    role, _ = authorize_role(call, "iam:DeleteRole", call.params["RoleName"])
    with call.store.write() as conn:
        current = refetch_role(conn, role)
        # "Before attempting to delete a role, remove … inline policies … attached managed
        # policies" (API reference, DeleteRole); recorded texts in test_iam_roles.snapshot.json.
        inline, attached = dependents(conn, EntityKind.ROLE, current.role_id)
        if inline:
            raise messages.delete_conflict(messages.MUST_DELETE_POLICIES)
        if attached:
            raise messages.delete_conflict(messages.MUST_DETACH_POLICIES)
        principals.delete_role(conn, current.role_id)
    return None


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "CreateRole",
        (
            p.path(),
            p.role_name(),
            p.policy_document("AssumeRolePolicyDocument"),
            p.role_description(),
            p.MAX_SESSION_DURATION,
            p.MAX_SIGNIN_SESSION_DURATION,
            p.arn("PermissionsBoundary", required=False),
            p.tags(),
        ),
        create_role,
    ),
    Operation("GetRole", (p.role_name(),), get_role),
    Operation("ListRoles", (p.PATH_PREFIX, *p.PAGINATION), list_roles),
    Operation(
        "UpdateRole",
        (
            p.role_name(),
            p.role_description(),
            p.MAX_SESSION_DURATION,
            p.MAX_SIGNIN_SESSION_DURATION,
            p.RESET_MAX_SIGNIN_SESSION_DURATION,
        ),
        update_role,
    ),
    Operation("UpdateRoleDescription", (p.role_name(), p.role_description(required=True)), update_role_description),
    Operation("UpdateAssumeRolePolicy", (p.role_name(), p.policy_document()), update_assume_role_policy),
    Operation("DeleteRole", (p.role_name(),), delete_role),
)
