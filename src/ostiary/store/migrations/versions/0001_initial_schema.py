"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-28 02:34:39.156998
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("alias", sa.String(length=63), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("alias", name=op.f("uq_accounts_alias")),
    )
    op.create_table(
        "attachments",
        sa.Column("entity_kind", sa.String(length=8), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("policy_arn", sa.String(length=2048), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("attached_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("entity_kind", "entity_id", "policy_arn", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_policy_arn"), ["policy_arn"], unique=False)

    op.create_table(
        "inline_policies",
        sa.Column("entity_kind", sa.String(length=8), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("entity_kind", "entity_id", "name", name=op.f("pk_inline_policies")),
    )
    op.create_table(
        "meta",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_meta")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("key_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "tags",
        sa.Column("entity_kind", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("key_lower", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity_kind", "entity_id", "key_lower", name=op.f("pk_tags")),
    )
    op.create_table(
        "buckets",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("policy", sa.Text(), nullable=True),
        sa.Column("policy_principal_ids", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name=op.f("fk_buckets_account_id_accounts")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_buckets")),
    )
    with op.batch_alter_table("buckets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buckets_account_id"), ["account_id"], unique=False)

    op.create_table(
        "groups",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_key", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name=op.f("fk_groups_account_id_accounts")),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_groups")),
        sa.UniqueConstraint("account_id", "name_key", name=op.f("uq_groups_account_id_name_key")),
    )
    op.create_table(
        "managed_policies",
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_key", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("arn", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("default_version", sa.String(length=16), nullable=False),
        sa.Column("next_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.account_id"], name=op.f("fk_managed_policies_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("policy_id", name=op.f("pk_managed_policies")),
        sa.UniqueConstraint("account_id", "name_key", name=op.f("uq_managed_policies_account_id_name_key")),
        sa.UniqueConstraint("arn", name=op.f("uq_managed_policies_arn")),
    )
    op.create_table(
        "roles",
        sa.Column("role_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("max_session_duration", sa.Integer(), nullable=False),
        sa.Column("trust_policy", sa.Text(), nullable=False),
        sa.Column("trust_principal_ids", sa.Text(), nullable=False),
        sa.Column("boundary_arn", sa.String(length=2048), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_region", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name=op.f("fk_roles_account_id_accounts")),
        sa.PrimaryKeyConstraint("role_id", name=op.f("pk_roles")),
        sa.UniqueConstraint("account_id", "name_key", name=op.f("uq_roles_account_id_name_key")),
    )
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_key", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("boundary_arn", sa.String(length=2048), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name=op.f("fk_users_account_id_accounts")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
        sa.UniqueConstraint("account_id", "name_key", name=op.f("uq_users_account_id_name_key")),
    )
    op.create_table(
        "access_keys",
        sa.Column("access_key_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_service", sa.String(length=32), nullable=True),
        sa.Column("last_used_region", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.account_id"], name=op.f("fk_access_keys_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_access_keys_user_id_users")),
        sa.PrimaryKeyConstraint("access_key_id", name=op.f("pk_access_keys")),
    )
    with op.batch_alter_table("access_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "group_members",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.group_id"], name=op.f("fk_group_members_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name=op.f("fk_group_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_members")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "objects",
        sa.Column("bucket", sa.String(length=63), nullable=False),
        sa.Column(
            "key",
            sa.String(length=1024).with_variant(sa.String(length=1024, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("last_modified", sa.DateTime(), nullable=False),
        sa.Column("blob", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["bucket"], ["buckets.name"], name=op.f("fk_objects_bucket_buckets")),
        sa.PrimaryKeyConstraint("bucket", "key", name=op.f("pk_objects")),
    )
    op.create_table(
        "policy_versions",
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("version_id", sa.String(length=16), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["managed_policies.policy_id"],
            name=op.f("fk_policy_versions_policy_id_managed_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("policy_id", "version_id", name=op.f("pk_policy_versions")),
    )


def downgrade() -> None:

    op.drop_table("policy_versions")
    op.drop_table("objects")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_user_id"))

    op.drop_table("group_members")
    with op.batch_alter_table("access_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_keys_user_id"))

    op.drop_table("access_keys")
    op.drop_table("users")
    op.drop_table("roles")
    op.drop_table("managed_policies")
    op.drop_table("groups")
    with op.batch_alter_table("buckets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buckets_account_id"))

    op.drop_table("buckets")
    op.drop_table("tags")
    op.drop_table("signing_keys")
    op.drop_table("meta")
    op.drop_table("inline_policies")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_policy_arn"))

    op.drop_table("attachments")
    op.drop_table("accounts")
