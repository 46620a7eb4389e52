"""The three kinds of entity that hold policies — users, groups, roles — described once.

Attachments and inline policies work the same way for all three; only the
parameter names, actions, quotas and AccessDenied wording differ. This table
holds those differences so the handlers are written once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from ostiary import limits
from ostiary.api import Call
from ostiary.iam import params as p
from ostiary.iam.common import Keys
from ostiary.iam.entities import (
    authorize_group,
    authorize_role,
    authorize_user,
    refetch_group,
    refetch_role,
    refetch_user,
)
from ostiary.model import EntityKind, Group, Role, User
from ostiary.protocol.params import Param


@dataclass(frozen=True, slots=True)
class Owned:
    """The entity a call names: its unique ID and its name as stored."""

    kind: EntityKind
    entity_id: str
    name: str
    refetch: Callable[[Connection], object]


@dataclass(frozen=True, slots=True)
class OwnerKind:
    kind: EntityKind
    noun: str  # "User": CreateUser, AttachUserPolicy, UserName
    name_param: Param  # the model's shape for the name member of these operations
    attach_name_param: Param  # Attach/Detach/ListAttached* use userNameType (1-64) for users
    # Aggregate inline policy size: IAM User Guide, "IAM and AWS STS quotas",
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    inline_limit: int
    supplies_boundary: bool  # users and roles supply iam:PermissionsBoundary (Service Authorization Reference)

    @property
    def name_member(self) -> str:
        return f"{self.noun}Name"

    @property
    def quota_name(self) -> str:
        return f"PoliciesPer{self.noun}"

    @property
    def attach_limit(self) -> int:
        return limits.ATTACHED_POLICIES_PER_ENTITY

    def authorize(self, call: Call, action: str, *, keys: Keys | None = None, boundary: bool = False) -> Owned:
        """The named entity, once `action` on it is authorized (NoSuchEntity after authorizing)."""
        name: str = call.params[self.name_member]
        if self.kind is EntityKind.USER:
            user, _ = authorize_user(call, action, name, keys=keys, with_boundary=boundary)
            return _owned_user(user)
        if self.kind is EntityKind.ROLE:
            role, _ = authorize_role(call, action, name, keys=keys, with_boundary=boundary)
            return _owned_role(role)
        return _owned_group(authorize_group(call, action, name, keys=keys))


def _owned_user(user: User) -> Owned:
    return Owned(EntityKind.USER, user.user_id, user.name, lambda conn: refetch_user(conn, user))


def _owned_role(role: Role) -> Owned:
    return Owned(EntityKind.ROLE, role.role_id, role.name, lambda conn: refetch_role(conn, role))


def _owned_group(group: Group) -> Owned:
    return Owned(EntityKind.GROUP, group.group_id, group.name, lambda conn: refetch_group(conn, group))


USER = OwnerKind(
    EntityKind.USER, "User", p.existing_user_name(), p.user_name(), limits.INLINE_POLICY_CHARS_PER_USER, True
)
GROUP = OwnerKind(
    EntityKind.GROUP, "Group", p.group_name(), p.group_name(), limits.INLINE_POLICY_CHARS_PER_GROUP, False
)
ROLE = OwnerKind(EntityKind.ROLE, "Role", p.role_name(), p.role_name(), limits.INLINE_POLICY_CHARS_PER_ROLE, True)
OWNER_KINDS = (USER, GROUP, ROLE)
