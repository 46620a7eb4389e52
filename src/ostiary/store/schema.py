"""The database schema, in SQLAlchemy Core, for SQLite and PostgreSQL alike.

Migrations (store/migrations/) create exactly these tables; a test checks that
the migrated database and this metadata agree.

Conventions:
- Names are unique per account case-insensitively (IAM User Guide, "IAM and AWS
  STS quotas", IAM name requirements,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), so
  each named entity has ``name`` (as given) and ``name_key`` (lower-cased) with
  a unique constraint on ``(account_id, name_key)``.
- Timestamps are timezone-aware UTC (`UtcDateTime`).
- Secrets are never stored in clear: ``secret_ciphertext`` and ``wrapped`` hold
  AES-GCM ciphertext under the master key (docs/design.md, "The store").
- Entities owned by a user, group or role (attachments, inline policies, tags)
  name it by ``(entity_kind, entity_id)`` with the unique ID.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # a naive time would be read back as UTC, whatever zone it meant
            raise TypeError("store only aware datetimes")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        return value.replace(tzinfo=dt.UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(32)
NAME = String(128)
PATH = String(512)
ARN = String(2048)

meta = Table(
    "meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("alias", String(63), nullable=True, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("user_id", ID, primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.account_id"), nullable=False),
    Column("name", NAME, nullable=False),
    Column("name_key", NAME, nullable=False),
    Column("path", PATH, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("boundary_arn", ARN, nullable=True),
    UniqueConstraint("account_id", "name_key"),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("access_key_id", ID, primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.account_id"), nullable=False),
    # NULL for the account's root keys.
    Column("user_id", ID, ForeignKey("users.user_id"), nullable=True, index=True),
    Column("secret_ciphertext", LargeBinary, nullable=False),
    Column("status", String(8), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("last_used_service", String(32), nullable=True),
    Column("last_used_region", String(32), nullable=True),
)

groups = Table(
    "groups",
    metadata,
    Column("group_id", ID, primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.account_id"), nullable=False),
    Column("name", NAME, nullable=False),
    Column("name_key", NAME, nullable=False),
    Column("path", PATH, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("account_id", "name_key"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", ID, ForeignKey("groups.group_id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ID, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("added_at", UtcDateTime, nullable=False),
)

roles = Table(
    "roles",
    metadata,
    Column("role_id", ID, primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.account_id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("name_key", String(64), nullable=False),
    Column("path", PATH, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("description", String(1000), nullable=True),
    Column("max_session_duration", Integer, nullable=False),
    # The trust policy exactly as sent, and the unique IDs its principal ARNs had when it was saved
    # (JSON object ARN -> ID; IAM User Guide, "AWS JSON policy elements: Principal",
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
    Column("trust_policy", Text, nullable=False),
    Column("trust_principal_ids", Text, nullable=False, default="{}"),
    Column("boundary_arn", ARN, nullable=True),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("last_used_region", String(32), nullable=True),
    UniqueConstraint("account_id", "name_key"),
)

managed_policies = Table(
    "managed_policies",
    metadata,
    Column("policy_id", ID, primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.account_id"), nullable=False),
    Column("name", NAME, nullable=False),
    Column("name_key", NAME, nullable=False),
    Column("path", PATH, nullable=False),
    Column("arn", ARN, nullable=False, unique=True),
    Column("description", String(1000), nullable=True),
    Column("default_version", String(16), nullable=False),
    # The number the next CreatePolicyVersion gets: versions are never renumbered.
    Column("next_version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("account_id", "name_key"),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("policy_id", ID, ForeignKey("managed_policies.policy_id", ondelete="CASCADE"), primary_key=True),
    Column("version_id", String(16), primary_key=True),
    Column("document", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    Column("entity_kind", String(8), primary_key=True),  # user | group | role
    Column("entity_id", ID, primary_key=True),
    Column("policy_arn", ARN, primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column("attached_at", UtcDateTime, nullable=False),
    Index(None, "policy_arn"),
)

inline_policies = Table(
    "inline_policies",
    metadata,
    Column("entity_kind", String(8), primary_key=True),
    Column("entity_id", ID, primary_key=True),
    Column("name", NAME, primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

tags = Table(
    "tags",
    metadata,
    Column("entity_kind", String(16), primary_key=True),  # user | role | policy | ...
    Column("entity_id", ID, primary_key=True),
    # Tag keys are unique per entity case-insensitively; the key keeps the case it was set with.
    Column("key_lower", String(128), primary_key=True),
    Column("key", String(128), nullable=False),
    Column("value", String(256), nullable=False),
    Column("position", Integer, nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("key_id", BigInteger, primary_key=True, autoincrement=False),
    Column("wrapped", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("retired_at", UtcDateTime, nullable=True),
)

buckets = Table(
    "buckets",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.account_id"), nullable=False, index=True),
    Column("region", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # The bucket policy exactly as sent, and the unique IDs its principal ARNs had when it was saved
    # (JSON object ARN -> ID; IAM User Guide, "AWS JSON policy elements: Principal",
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
    Column("policy", Text, nullable=True),
    Column("policy_principal_ids", Text, nullable=True),
)

# S3 lists keys in UTF-8 binary order. SQLite's default BINARY collation compares UTF-8 bytes;
# PostgreSQL needs the "C" collation for the same order (and for range scans on the primary key).
OBJECT_KEY = String(1024).with_variant(String(1024, collation="C"), "postgresql")

objects = Table(
    "objects",
    metadata,
    Column("bucket", String(63), ForeignKey("buckets.name"), primary_key=True),
    Column("key", OBJECT_KEY, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(64), nullable=False),
    # Content-Type as sent (S3 does not bound its length).
    Column("content_type", Text, nullable=True),
    # JSON: user metadata (x-amz-meta-*) and stored system headers (Content-Encoding, checksums, …).
    Column("metadata", Text, nullable=False, default="{}"),
    Column("last_modified", UtcDateTime, nullable=False),
    # The file holding the bytes, relative to the data directory's object folder.
    Column("blob", String(128), nullable=False),
)
