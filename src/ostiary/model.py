"""Frozen records of what the store holds.

They carry what handlers and the authorizer need; secrets appear only in
`AccessKey.secret`, decrypted on demand by the store and never logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

from ostiary.arn import iam_arn


class EntityKind(Enum):
    """Who owns attachments, inline policies and tags."""

    USER = "user"
    GROUP = "group"
    ROLE = "role"
    POLICY = "policy"


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    created_at: dt.datetime
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    account_id: str
    name: str
    path: str
    created_at: dt.datetime
    boundary_arn: str | None = None

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "user", self.path, self.name)


@dataclass(frozen=True, slots=True)
class Group:
    group_id: str
    account_id: str
    name: str
    path: str
    created_at: dt.datetime

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "group", self.path, self.name)


@dataclass(frozen=True, slots=True)
class Role:
    role_id: str
    account_id: str
    name: str
    path: str
    created_at: dt.datetime
    max_session_duration: int
    trust_policy: str
    trust_principal_ids: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    boundary_arn: str | None = None
    last_used_at: dt.datetime | None = None
    last_used_region: str | None = None

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "role", self.path, self.name)


class KeyStatus(Enum):
    ACTIVE = "Active"
    INACTIVE = "Inactive"


@dataclass(frozen=True, slots=True)
class AccessKey:
    access_key_id: str
    account_id: str
    user_id: str | None  # None: a root key
    status: KeyStatus
    created_at: dt.datetime
    secret: str = field(repr=False, default="")
    last_used_at: dt.datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status is KeyStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    policy_id: str
    account_id: str
    name: str
    path: str
    arn: str
    default_version: str
    created_at: dt.datetime
    updated_at: dt.datetime
    description: str | None = None
    attachment_count: int = 0
    boundary_usage_count: int = 0


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    policy_id: str
    version_id: str
    document: str
    created_at: dt.datetime
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    entity_kind: EntityKind
    entity_id: str
    name: str
    document: str


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str
