"""Finding the user, group, role or policy a call acts on, and asking whether the caller may.

The order is AWS's (api.py): resolve the entity so the resource ARN carries
its real path (a missing entity gets the path-less ARN), authorize, and only
then say NoSuchEntity, so a caller without permission learns nothing about
what exists. The condition keys of the target come with it: its tags as
``aws:ResourceTag/<k>`` and, for actions that supply it, its current
permissions boundary as ``iam:PermissionsBoundary``.
"""

from __future__ import annotations

from sqlalchemy import Connection

from ostiary.api import Call
from ostiary.arn import iam_arn
from ostiary.iam import messages
from ostiary.iam.common import Keys, account_of, boundary_keys, display, merge, resource_tag_keys
from ostiary.model import EntityKind, Group, ManagedPolicy, Role, Tag, User
from ostiary.store.policies import get_managed_policy
from ostiary.store.principals import get_group, get_group_by_id, get_role, get_role_by_id, get_user, get_user_by_id
from ostiary.store.tags import list_tags


def authorize_user(
    call: Call, action: str, name: str, *, keys: Keys | None = None, with_boundary: bool = False
) -> tuple[User, list[Tag]]:
    """The named user of the caller's account, once `action` on it is authorized."""
    account = account_of(call)
    with call.store.read() as conn:
        user = get_user(conn, account, name)
        tags = list_tags(conn, EntityKind.USER, user.user_id) if user is not None else []
    arn = user.arn if user is not None else iam_arn(account, "user", "/", name)
    boundary = boundary_keys(user.boundary_arn if user is not None and with_boundary else None)
    call.authorize(
        action, arn, keys=merge(resource_tag_keys(tags), boundary, keys or {}), resource_display=display("user", name)
    )
    if user is None:
        raise messages.no_such_entity("user", name)
    return user, tags


def authorize_group(call: Call, action: str, name: str, *, keys: Keys | None = None) -> Group:
    """The named group, once `action` on it is authorized (groups carry no tags)."""
    account = account_of(call)
    with call.store.read() as conn:
        group = get_group(conn, account, name)
    arn = group.arn if group is not None else iam_arn(account, "group", "/", name)
    call.authorize(action, arn, keys=keys or {}, resource_display=display("group", name))
    if group is None:
        raise messages.no_such_entity("group", name)
    return group


def authorize_role(
    call: Call, action: str, name: str, *, keys: Keys | None = None, with_boundary: bool = False
) -> tuple[Role, list[Tag]]:
    """The named role, once `action` on it is authorized."""
    account = account_of(call)
    with call.store.read() as conn:
        role = get_role(conn, account, name)
        tags = list_tags(conn, EntityKind.ROLE, role.role_id) if role is not None else []
    arn = role.arn if role is not None else iam_arn(account, "role", "/", name)
    boundary = boundary_keys(role.boundary_arn if role is not None and with_boundary else None)
    call.authorize(
        action, arn, keys=merge(resource_tag_keys(tags), boundary, keys or {}), resource_display=display("role", name)
    )
    if role is None:
        raise messages.no_such_entity("role", name)
    return role, tags


def authorize_policy(
    call: Call, action: str, arn: str, *, keys: Keys | None = None
) -> tuple[ManagedPolicy | None, list[Tag]]:
    """The managed policy an ARN names (customer managed of this account, or AWS managed), after authorizing.

    Returns None for the policy when it does not exist: the messages differ per
    operation, so the caller raises.
    """
    account = account_of(call)
    with call.store.read() as conn:
        policy = get_managed_policy(conn, account, arn)
        tags = list_tags(conn, EntityKind.POLICY, policy.policy_id) if policy is not None else []
    call.authorize(
        action, arn, keys=merge(resource_tag_keys(tags), keys or {}), resource_display=display("policy", arn)
    )
    return policy, tags


def is_aws_managed(policy: ManagedPolicy) -> bool:
    return policy.account_id == "aws"


def refetch_user(conn: Connection, user: User) -> User:
    """Inside a write: the user again, or NoSuchEntity if it went away since the read."""
    found = get_user_by_id(conn, user.user_id)
    if found is None:
        raise messages.no_such_entity("user", user.name)
    return found


def refetch_group(conn: Connection, group: Group) -> Group:
    found = get_group_by_id(conn, group.group_id)
    if found is None:
        raise messages.no_such_entity("group", group.name)
    return found


def refetch_role(conn: Connection, role: Role) -> Role:
    found = get_role_by_id(conn, role.role_id)
    if found is None:
        raise messages.no_such_entity("role", role.name)
    return found


def check_boundary(conn: Connection, account: str, arn: str) -> None:
    """A permissions boundary must be an existing managed policy (customer managed here, or AWS managed)."""
    if get_managed_policy(conn, account, arn) is None:
        raise messages.boundary_not_attachable(arn)
