"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser.

Behaviour follows the IAM API reference and recorded AWS responses
(localstack ``tests/aws/services/iam/test_iam_users.snapshot.json``):
GetUser returns the user's tags and boundary, ListUsers neither; GetUser
without a name returns the caller's own user, and for the root a user with
only ``UserId`` (the account), ``Arn`` (``…:root``) and ``CreateDate``.
"""

from __future__ import annotations

from ostiary import ids
from ostiary.api import Call, Operation, Result
from ostiary.arn import iam_arn, root_arn
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
    own_user_name,
    paginate,
    parse_tags,
    request_tag_keys,
    user_member,
)
from ostiary.iam.entities import authorize_user, check_boundary, refetch_user
from ostiary.model import EntityKind, User
from ostiary.store import principals
from ostiary.store.policies import dependents
from ostiary.store.tags import put_tags


def create_user(call: Call) -> Result:
    account = account_of(call)
    name: str = call.params["UserName"]
    path: str = call.params.get("Path", "/")
    boundary: str | None = call.params.get("PermissionsBoundary")
    tags = parse_tags(call.params.get("Tags"))
    if boundary is not None and not is_policy_arn(boundary):
        raise messages.boundary_arn_invalid(boundary)
    arn = iam_arn(account, "user", path, name)
    tag_keys = request_tag_keys(tags) if tags else {}
    call.authorize("iam:CreateUser", arn, keys=merge(tag_keys, boundary_keys(boundary)))
    if tags:
        # Creating with tags also needs iam:TagUser (IAM User Guide, id_tags_users; public output
        # shows iam:TagPolicy denied on CreatePolicy the same way).
        call.authorize("iam:TagUser", arn, keys=tag_keys, resource_display=display("user", name))
    with creating(call, messages.already_exists("User", name)) as conn:
        if principals.get_user(conn, account, name) is not None:
            raise messages.already_exists("User", name)
        if boundary is not None:
            check_boundary(conn, account, boundary)
        user = User(ids.unique_id(ids.USER, call.rng), account, name, path, call.now, boundary)
        principals.insert_user(conn, user)
        put_tags(conn, EntityKind.USER, user.user_id, tags)
    return {"User": user_member(user, tags=tags)}


def get_user(call: Call) -> Result:
    name = call.params.get("UserName") or own_user_name(call)
    if name is None:
        account = account_of(call)
        call.authorize("iam:GetUser", root_arn(account))
        with call.store.read() as conn:
            found = principals.get_account(conn, account)
        created = found.created_at if found is not None else call.now
        return {"User": {"UserId": account, "Arn": root_arn(account), "CreateDate": created}}
    user, tags = authorize_user(call, "iam:GetUser", name)
    return {"User": user_member(user, tags=tags)}


def list_users(call: Call) -> Result:
    account = account_of(call)
    prefix: str = call.params.get("PathPrefix", "/")
    call.authorize("iam:ListUsers", iam_arn(account, "user", prefix, "*"))
    with call.store.read() as conn:
        users = principals.list_users(conn, account, prefix)
    page, more = paginate(call, users, by_name)
    return {"Users": [user_member(u, boundary=False) for u in page], **more}


def update_user(call: Call) -> Result:
    account = account_of(call)
    name: str = call.params["UserName"]
    new_name: str | None = call.params.get("NewUserName")
    new_path: str | None = call.params.get("NewPath")
    user, _ = authorize_user(call, "iam:UpdateUser", name)
    target_name, target_path = new_name or user.name, new_path or user.path
    if new_name is not None or new_path is not None:
        # "the requester must have appropriate permissions on both the source object and the
        # target object" (API reference, UpdateUser).
        call.authorize(
            "iam:UpdateUser",
            iam_arn(account, "user", target_path, target_name),
            resource_display=display("user", target_name),
        )
    with call.store.write() as conn:
        current = refetch_user(conn, user)
        clash = principals.get_user(conn, account, target_name)
        if clash is not None and clash.user_id != current.user_id:
            raise messages.already_exists("User", target_name)
        principals.update_user(conn, current.user_id, name=target_name, path=target_path)
    return None


def delete_user(call: Call) -> Result:
    user, _ = authorize_user(call, "iam:DeleteUser", call.params["UserName"])
    with call.store.write() as conn:
        current = refetch_user(conn, user)
        # The IAM API reference (DeleteUser) lists what must go first; we check in its order.
        if principals.count_access_keys(conn, current.user_id, current.account_id):
            raise messages.delete_conflict(messages.MUST_DELETE_ACCESS_KEYS)
        inline, attached = dependents(conn, EntityKind.USER, current.user_id)
        if inline:
            raise messages.delete_conflict(messages.MUST_DELETE_POLICIES)
        if attached:
            raise messages.delete_conflict(messages.MUST_DETACH_POLICIES)
        if principals.user_groups(conn, current.user_id):
            raise messages.delete_conflict(messages.MUST_REMOVE_USERS)
        principals.delete_user(conn, current.user_id)
    return None


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "CreateUser", (p.path(), p.user_name(), p.arn("PermissionsBoundary", required=False), p.tags()), create_user
    ),
    Operation("GetUser", (p.existing_user_name(required=False),), get_user),
    Operation("ListUsers", (p.PATH_PREFIX, *p.PAGINATION), list_users),
    Operation(
        "UpdateUser",
        (p.existing_user_name(), p.path("NewPath"), p.user_name("NewUserName", required=False)),
        update_user,
    ),
    Operation("DeleteUser", (p.existing_user_name(),), delete_user),
)
