"""IAM groups and membership: Create/Get/List/Update/DeleteGroup, AddUserToGroup,
RemoveUserFromGroup, ListGroupsForUser.

Recorded AWS behaviour (localstack ``test_iam_groups.snapshot.json``,
``test_iam_users.snapshot.json``): adding a member twice and removing a
non-member both succeed; RemoveUserFromGroup names a missing user before a
missing group. A user belongs to at most 10 groups (IAM User Guide, "IAM and
AWS STS quotas", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
"""

from __future__ import annotations

from ostiary import ids, limits
from ostiary.api import Call, Operation, Result
from ostiary.arn import iam_arn
from ostiary.iam import messages
from ostiary.iam import params as p
from ostiary.iam.common import (
    account_of,
    by_name,
    creating,
    display,
    group_member,
    paginate,
    user_member,
)
from ostiary.iam.entities import authorize_group, authorize_user, refetch_group, refetch_user
from ostiary.model import EntityKind, Group, User
from ostiary.store import principals
from ostiary.store.policies import dependents


def create_group(call: Call) -> Result:
    account = account_of(call)
    name: str = call.params["GroupName"]
    path: str = call.params.get("Path", "/")
    call.authorize("iam:CreateGroup", iam_arn(account, "group", path, name))
    with creating(call, messages.already_exists("Group", name)) as conn:
        if principals.get_group(conn, account, name) is not None:
            raise messages.already_exists("Group", name)
        group = Group(ids.unique_id(ids.GROUP, call.rng), account, name, path, call.now)
        principals.insert_group(conn, group)
    return {"Group": group_member(group)}


def get_group(call: Call) -> Result:
    group = authorize_group(call, "iam:GetGroup", call.params["GroupName"])
    with call.store.read() as conn:
        members = principals.group_users(conn, group.group_id)
    page, more = paginate(call, members, by_name)
    return {"Group": group_member(group), "Users": [user_member(u, boundary=False) for u in page], **more}


def list_groups(call: Call) -> Result:
    account = account_of(call)
    prefix: str = call.params.get("PathPrefix", "/")
    call.authorize("iam:ListGroups", iam_arn(account, "group", prefix, "*"))
    with call.store.read() as conn:
        groups = principals.list_groups(conn, account, prefix)
    page, more = paginate(call, groups, by_name)
    return {"Groups": [group_member(g) for g in page], **more}


def update_group(call: Call) -> Result:
    account = account_of(call)
    new_name: str | None = call.params.get("NewGroupName")
    new_path: str | None = call.params.get("NewPath")
    group = authorize_group(call, "iam:UpdateGroup", call.params["GroupName"])
    target_name, target_path = new_name or group.name, new_path or group.path
    if new_name is not None or new_path is not None:
        # Permission is needed on the source and the target (API reference, UpdateGroup).
        call.authorize(
            "iam:UpdateGroup",
            iam_arn(account, "group", target_path, target_name),
            resource_display=display("group", target_name),
        )
    with call.store.write() as conn:
        current = refetch_group(conn, group)
        clash = principals.get_group(conn, account, target_name)
        if clash is not None and clash.group_id != current.group_id:
            raise messages.already_exists("Group", target_name)
        principals.update_group(conn, current.group_id, name=target_name, path=target_path)
    return None


def delete_group(call: Call) -> Result:
    group = authorize_group(call, "iam:DeleteGroup", call.params["GroupName"])
    with call.store.write() as conn:
        current = refetch_group(conn, group)
        if principals.group_users(conn, current.group_id):
            raise messages.delete_conflict(messages.MUST_REMOVE_USERS)
        inline, attached = dependents(conn, EntityKind.GROUP, current.group_id)
        if inline:
            raise messages.delete_conflict(messages.MUST_DELETE_POLICIES)
        if attached:
            raise messages.delete_conflict(messages.MUST_DETACH_POLICIES)
        principals.delete_group(conn, current.group_id)
    return None


def _membership(call: Call, action: str) -> tuple[User, Group]:
    """Authorize `action` on the group, then report a missing user before a missing group (recorded order)."""
    account = account_of(call)
    user_name: str = call.params["UserName"]
    group_name: str = call.params["GroupName"]
    with call.store.read() as conn:
        user = principals.get_user(conn, account, user_name)
        group = principals.get_group(conn, account, group_name)
    arn = group.arn if group is not None else iam_arn(account, "group", "/", group_name)
    call.authorize(action, arn, resource_display=display("group", group_name))
    if user is None:
        raise messages.no_such_entity("user", user_name)
    if group is None:
        raise messages.no_such_entity("group", group_name)
    return user, group


def add_user_to_group(call: Call) -> Result:
    user, group = _membership(call, "iam:AddUserToGroup")
    with call.store.write() as conn:
        refetch_user(conn, user)
        refetch_group(conn, group)
        member_of = {g.group_id for g in principals.user_groups(conn, user.user_id)}
        if group.group_id not in member_of and len(member_of) >= limits.GROUPS_PER_USER:
            raise messages.quota("GroupsPerUser", limits.GROUPS_PER_USER)
        principals.add_user_to_group(conn, group.group_id, user.user_id, call.now)
    return None


def remove_user_from_group(call: Call) -> Result:
    user, group = _membership(call, "iam:RemoveUserFromGroup")
    with call.store.write() as conn:
        principals.remove_user_from_group(conn, group.group_id, user.user_id)
    return None


def list_groups_for_user(call: Call) -> Result:
    user, _ = authorize_user(call, "iam:ListGroupsForUser", call.params["UserName"])
    with call.store.read() as conn:
        groups = principals.user_groups(conn, user.user_id)
    page, more = paginate(call, groups, by_name)
    return {"Groups": [group_member(g) for g in page], **more}


OPERATIONS: tuple[Operation, ...] = (
    Operation("CreateGroup", (p.path(), p.group_name()), create_group),
    Operation("GetGroup", (p.group_name(), *p.PAGINATION), get_group),
    Operation("ListGroups", (p.PATH_PREFIX, *p.PAGINATION), list_groups),
    Operation(
        "UpdateGroup", (p.group_name(), p.path("NewPath"), p.group_name("NewGroupName", required=False)), update_group
    ),
    Operation("DeleteGroup", (p.group_name(),), delete_group),
    Operation("AddUserToGroup", (p.group_name(), p.existing_user_name()), add_user_to_group),
    Operation("RemoveUserFromGroup", (p.group_name(), p.existing_user_name()), remove_user_from_group),
    Operation("ListGroupsForUser", (p.existing_user_name(), *p.PAGINATION), list_groups_for_user),
)
