"""Managed policies, their versions, attachments and inline policies.

`identity_sources` gathers every identity-based policy document that applies
to a user (its own and its groups') or a role, the input of the authorizer's
per-principal cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from ostiary.aws_managed import AWS_MANAGED_POLICIES
from ostiary.model import EntityKind
from ostiary.store.schema import attachments, group_members, groups, inline_policies, managed_policies, policy_versions


@dataclass(frozen=True, slots=True)
class PolicySource:
    """One policy document as the authorizer needs it.

    `cache_key` identifies the exact text (managed policies by ARN and
    version, inline ones by owner, name and update time), so a compiled policy
    is reused until it changes.
    """

    policy_id: str
    arn: str | None
    document: str
    cache_key: str


def managed_policy_document(conn: Connection, arn: str) -> PolicySource | None:
    """The default version of a managed policy (customer or AWS managed), or None if there is no such policy."""
    builtin = AWS_MANAGED_POLICIES.get(arn)
    if builtin is not None:
        return PolicySource(arn, arn, builtin.document, f"{arn}@{builtin.version}")
    row = conn.execute(
        select(managed_policies.c.arn, managed_policies.c.default_version, policy_versions.c.document)
        .join(policy_versions, policy_versions.c.policy_id == managed_policies.c.policy_id)
        .where(managed_policies.c.arn == arn, policy_versions.c.version_id == managed_policies.c.default_version)
    ).first()
    if row is None:
        return None
    return PolicySource(row.arn, row.arn, row.document, f"{row.arn}@{row.default_version}")


def attached_policy_arns(conn: Connection, kind: EntityKind, entity_id: str) -> list[str]:
    rows = conn.execute(
        select(attachments.c.policy_arn)
        .where(attachments.c.entity_kind == kind.value, attachments.c.entity_id == entity_id)
        .order_by(attachments.c.attached_at, attachments.c.policy_arn)
    )
    return [r.policy_arn for r in rows]


def inline_sources(conn: Connection, kind: EntityKind, entity_id: str, owner_name: str) -> list[PolicySource]:
    rows = conn.execute(
        select(inline_policies)
        .where(inline_policies.c.entity_kind == kind.value, inline_policies.c.entity_id == entity_id)
        .order_by(inline_policies.c.name)
    )
    return [
        PolicySource(
            policy_id=f"{kind.value}/{owner_name}/{r.name}",
            arn=None,
            document=r.document,
            cache_key=f"inline|{kind.value}|{entity_id}|{r.name}|{r.updated_at.isoformat()}",
        )
        for r in rows
    ]


def identity_sources(conn: Connection, kind: EntityKind, entity_id: str, owner_name: str) -> list[PolicySource]:
    """Every identity-based policy of a user (with its groups') or a role."""
    sources = inline_sources(conn, kind, entity_id, owner_name)
    arns = attached_policy_arns(conn, kind, entity_id)
    if kind is EntityKind.USER:
        member_of = conn.execute(
            select(groups.c.group_id, groups.c.name)
            .join(group_members, group_members.c.group_id == groups.c.group_id)
            .where(group_members.c.user_id == entity_id)
            .order_by(groups.c.name_key)
        )
        for group in member_of:
            sources.extend(inline_sources(conn, EntityKind.GROUP, group.group_id, group.name))
            arns.extend(attached_policy_arns(conn, EntityKind.GROUP, group.group_id))
    seen: set[str] = set()
    for arn in arns:
        if arn in seen:
            continue
        seen.add(arn)
        source = managed_policy_document(conn, arn)
        if source is not None:
            sources.append(source)
    return sources
