"""Managed policies, their versions, attachments and inline policies.

`identity_sources` gathers every identity-based policy document that applies
to a user (its own and its groups') or a role, the input of the authorizer's
per-principal cache.

AWS managed policies (``arn:aws:iam::aws:policy/…``) live in code
(`ostiary.aws_managed`), not in the database; attachments name them by ARN
like customer managed ones, and their attachment counts are per account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from ostiary.aws_managed import AWS_MANAGED_POLICIES, AwsManagedPolicy
from ostiary.model import EntityKind, InlinePolicy, ManagedPolicy, PolicyVersion
from ostiary.store.schema import (
    attachments,
    group_members,
    groups,
    inline_policies,
    managed_policies,
    policy_versions,
    roles,
    users,
)


@dataclass(frozen=True, slots=True)
class PolicySource:
    """One policy document as the authorizer needs it.

    `cache_key` identifies the exact text (managed policies by ARN, unique ID
    and version, inline ones by owner, name and a digest of the text), so a
    compiled policy is reused until it changes, and a policy deleted and
    re-created under the same name is never mistaken for the old one.
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
        select(
            managed_policies.c.arn,
            managed_policies.c.policy_id,
            managed_policies.c.default_version,
            policy_versions.c.document,
        )
        .join(policy_versions, policy_versions.c.policy_id == managed_policies.c.policy_id)
        .where(managed_policies.c.arn == arn, policy_versions.c.version_id == managed_policies.c.default_version)
    ).first()
    if row is None:
        return None
    return PolicySource(row.arn, row.arn, row.document, f"{row.arn}@{row.policy_id}@{row.default_version}")


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
            cache_key=f"inline|{kind.value}|{entity_id}|{r.name}|{_digest(r.document)}",
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


def _digest(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()[:32]


# --- managed policies ------------------------------------------------------------------


def attachment_count(conn: Connection, account_id: str, arn: str) -> int:
    """How many users, groups and roles of the account have the policy attached."""
    query = select(func.count()).select_from(attachments)
    query = query.where(attachments.c.account_id == account_id, attachments.c.policy_arn == arn)
    return int(conn.execute(query).scalar_one())


def boundary_usage_count(conn: Connection, account_id: str, arn: str) -> int:
    """How many users and roles of the account use the policy as their permissions boundary."""
    total = 0
    for table in (users, roles):
        query = select(func.count()).select_from(table)
        total += int(
            conn.execute(query.where(table.c.account_id == account_id, table.c.boundary_arn == arn)).scalar_one()
        )
    return total


def _counted(conn: Connection, account_id: str, policy: ManagedPolicy) -> ManagedPolicy:
    return replace(
        policy,
        attachment_count=attachment_count(conn, account_id, policy.arn),
        boundary_usage_count=boundary_usage_count(conn, account_id, policy.arn),
    )


def _managed(row: Row[Any]) -> ManagedPolicy:
    return ManagedPolicy(
        policy_id=row.policy_id,
        account_id=row.account_id,
        name=row.name,
        path=row.path,
        arn=row.arn,
        default_version=row.default_version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        description=row.description,
    )


def _from_builtin(builtin: AwsManagedPolicy) -> ManagedPolicy:
    return ManagedPolicy(
        policy_id=builtin.policy_id,
        account_id="aws",
        name=builtin.name,
        path=builtin.path,
        arn=builtin.arn,
        default_version=builtin.version,
        created_at=builtin.created_at,
        updated_at=builtin.updated_at,
        description=builtin.description,
    )


def get_managed_policy(conn: Connection, account_id: str, arn: str) -> ManagedPolicy | None:
    """A customer managed policy of `account_id`, or an AWS managed one, with this account's counts."""
    builtin = AWS_MANAGED_POLICIES.get(arn)
    if builtin is not None:
        return _counted(conn, account_id, _from_builtin(builtin))
    query = select(managed_policies).where(managed_policies.c.arn == arn, managed_policies.c.account_id == account_id)
    row = conn.execute(query).first()
    return None if row is None else _counted(conn, account_id, _managed(row))


def get_managed_policy_by_name(conn: Connection, account_id: str, name: str) -> ManagedPolicy | None:
    """The account's customer managed policy with this name, whatever its path or case."""
    query = select(managed_policies).where(
        managed_policies.c.account_id == account_id, managed_policies.c.name_key == name.lower()
    )
    row = conn.execute(query).first()
    return None if row is None else _managed(row)


def list_managed_policies(conn: Connection, account_id: str, *, customer: bool, aws: bool) -> list[ManagedPolicy]:
    """Customer managed and/or AWS managed policies with this account's counts, by name then ARN."""
    found: list[ManagedPolicy] = []
    if aws:
        found.extend(_from_builtin(b) for b in AWS_MANAGED_POLICIES.values())
    if customer:
        rows = conn.execute(select(managed_policies).where(managed_policies.c.account_id == account_id))
        found.extend(_managed(r) for r in rows)
    found.sort(key=lambda p: (p.name.lower(), p.arn))
    # Two grouped queries for the counts of every policy, not two per policy.
    attached_rows = conn.execute(
        select(attachments.c.policy_arn, func.count())
        .where(attachments.c.account_id == account_id)
        .group_by(attachments.c.policy_arn)
    )
    attached = {arn: int(n) for arn, n in attached_rows}
    bounded: dict[str, int] = {}
    for table in (users, roles):
        rows = conn.execute(
            select(table.c.boundary_arn, func.count())
            .where(table.c.account_id == account_id, table.c.boundary_arn.is_not(None))
            .group_by(table.c.boundary_arn)
        )
        for arn, n in rows:
            bounded[arn] = bounded.get(arn, 0) + int(n)
    return [
        replace(p, attachment_count=attached.get(p.arn, 0), boundary_usage_count=bounded.get(p.arn, 0)) for p in found
    ]


def count_managed_policies(conn: Connection, account_id: str) -> int:
    query = select(func.count()).select_from(managed_policies).where(managed_policies.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def insert_managed_policy(conn: Connection, policy: ManagedPolicy, document: str) -> None:
    """A new customer managed policy with its first version, ``v1``, as the default."""
    conn.execute(
        insert(managed_policies).values(
            policy_id=policy.policy_id,
            account_id=policy.account_id,
            name=policy.name,
            name_key=policy.name.lower(),
            path=policy.path,
            arn=policy.arn,
            description=policy.description,
            default_version="v1",
            next_version=2,
            created_at=policy.created_at,
            updated_at=policy.updated_at,
        )
    )
    conn.execute(
        insert(policy_versions).values(
            policy_id=policy.policy_id, version_id="v1", document=document, created_at=policy.created_at
        )
    )


def delete_managed_policy(conn: Connection, policy_id: str) -> None:
    """Remove the policy with its versions (callers check attachments first)."""
    conn.execute(delete(policy_versions).where(policy_versions.c.policy_id == policy_id))
    conn.execute(delete(managed_policies).where(managed_policies.c.policy_id == policy_id))


# --- policy versions -------------------------------------------------------------------


def _version_number(version_id: str) -> int:
    return int(version_id[1:].split(".", 1)[0])


def list_policy_versions(conn: Connection, policy_id: str) -> list[PolicyVersion]:
    """The stored versions, newest first (as ListPolicyVersions returns them)."""
    default = conn.execute(
        select(managed_policies.c.default_version).where(managed_policies.c.policy_id == policy_id)
    ).scalar()
    rows = conn.execute(select(policy_versions).where(policy_versions.c.policy_id == policy_id))
    found = [PolicyVersion(r.policy_id, r.version_id, r.document, r.created_at, r.version_id == default) for r in rows]
    found.sort(key=lambda v: _version_number(v.version_id), reverse=True)
    return found


def get_policy_version(conn: Connection, policy_id: str, version_id: str) -> PolicyVersion | None:
    for version in list_policy_versions(conn, policy_id):
        if version.version_id == version_id:
            return version
    return None


def add_policy_version(
    conn: Connection, policy_id: str, document: str, now: dt.datetime, *, set_default: bool
) -> PolicyVersion:
    """Store the next version (``v<N>``; numbers are never reused) and optionally make it the default."""
    next_number = conn.execute(
        select(managed_policies.c.next_version).where(managed_policies.c.policy_id == policy_id)
    ).scalar_one()
    version_id = f"v{next_number}"
    conn.execute(
        insert(policy_versions).values(policy_id=policy_id, version_id=version_id, document=document, created_at=now)
    )
    values: dict[str, Any] = {"next_version": int(next_number) + 1}
    if set_default:
        values.update(default_version=version_id, updated_at=now)
    conn.execute(update(managed_policies).where(managed_policies.c.policy_id == policy_id).values(**values))
    return PolicyVersion(policy_id, version_id, document, now, set_default)


def delete_policy_version(conn: Connection, policy_id: str, version_id: str) -> None:
    conn.execute(
        delete(policy_versions).where(
            policy_versions.c.policy_id == policy_id, policy_versions.c.version_id == version_id
        )
    )


def set_default_policy_version(conn: Connection, policy_id: str, version_id: str, now: dt.datetime) -> None:
    conn.execute(
        update(managed_policies)
        .where(managed_policies.c.policy_id == policy_id)
        .values(default_version=version_id, updated_at=now)
    )


# --- attachments ---------------------------------------------------------------------------


def attach_policy(
    conn: Connection, kind: EntityKind, entity_id: str, arn: str, *, account_id: str, now: dt.datetime
) -> bool:
    """Attach a managed policy; False when it already was attached (IAM treats that as success)."""
    if arn in attached_policy_arns(conn, kind, entity_id):
        return False
    conn.execute(
        insert(attachments).values(
            entity_kind=kind.value, entity_id=entity_id, policy_arn=arn, account_id=account_id, attached_at=now
        )
    )
    return True


def detach_policy(conn: Connection, kind: EntityKind, entity_id: str, arn: str) -> bool:
    """Detach a managed policy; False when it was not attached."""
    result = conn.execute(
        delete(attachments).where(
            attachments.c.entity_kind == kind.value,
            attachments.c.entity_id == entity_id,
            attachments.c.policy_arn == arn,
        )
    )
    return bool(result.rowcount)


def policy_attachments(conn: Connection, account_id: str, arn: str) -> list[tuple[EntityKind, str]]:
    """The users, groups and roles of the account the policy is attached to, as (kind, unique ID)."""
    rows = conn.execute(
        select(attachments.c.entity_kind, attachments.c.entity_id).where(
            attachments.c.account_id == account_id, attachments.c.policy_arn == arn
        )
    )
    return [(EntityKind(r.entity_kind), r.entity_id) for r in rows]


def boundary_users_and_roles(conn: Connection, account_id: str, arn: str) -> list[tuple[EntityKind, str]]:
    """The users and roles of the account that use the policy as their permissions boundary."""
    found: list[tuple[EntityKind, str]] = []
    for kind, table, id_column in (
        (EntityKind.USER, users, users.c.user_id),
        (EntityKind.ROLE, roles, roles.c.role_id),
    ):
        rows = conn.execute(select(id_column).where(table.c.account_id == account_id, table.c.boundary_arn == arn))
        found.extend((kind, r[0]) for r in rows)
    return found


# --- inline policies ---------------------------------------------------------------------


def list_inline_policies(conn: Connection, kind: EntityKind, entity_id: str) -> list[InlinePolicy]:
    """The entity's inline policies, by name."""
    rows = conn.execute(
        select(inline_policies).where(
            inline_policies.c.entity_kind == kind.value, inline_policies.c.entity_id == entity_id
        )
    )
    return sorted((InlinePolicy(kind, entity_id, r.name, r.document) for r in rows), key=lambda p: p.name)


def get_inline_policy(conn: Connection, kind: EntityKind, entity_id: str, name: str) -> InlinePolicy | None:
    for policy in list_inline_policies(conn, kind, entity_id):
        if policy.name == name:
            return policy
    return None


def put_inline_policy(
    conn: Connection, kind: EntityKind, entity_id: str, name: str, document: str, *, now: dt.datetime
) -> None:
    """Create the inline policy or replace its document."""
    where = (
        inline_policies.c.entity_kind == kind.value,
        inline_policies.c.entity_id == entity_id,
        inline_policies.c.name == name,
    )
    if conn.execute(update(inline_policies).where(*where).values(document=document, updated_at=now)).rowcount:
        return
    conn.execute(
        insert(inline_policies).values(
            entity_kind=kind.value, entity_id=entity_id, name=name, document=document, updated_at=now
        )
    )


def delete_inline_policy(conn: Connection, kind: EntityKind, entity_id: str, name: str) -> bool:
    result = conn.execute(
        delete(inline_policies).where(
            inline_policies.c.entity_kind == kind.value,
            inline_policies.c.entity_id == entity_id,
            inline_policies.c.name == name,
        )
    )
    return bool(result.rowcount)


def dependents(conn: Connection, kind: EntityKind, entity_id: str) -> tuple[int, int]:
    """(inline policies, attached managed policies) of a user, group or role: what blocks its deletion."""
    inline = select(func.count()).select_from(inline_policies)
    inline = inline.where(inline_policies.c.entity_kind == kind.value, inline_policies.c.entity_id == entity_id)
    attached = select(func.count()).select_from(attachments)
    attached = attached.where(attachments.c.entity_kind == kind.value, attachments.c.entity_id == entity_id)
    return int(conn.execute(inline).scalar_one()), int(conn.execute(attached).scalar_one())


def policy_versions_in_use(conn: Connection, account_id: str) -> int:
    """Stored versions of the account's customer managed policies (GetAccountSummary)."""
    query = (
        select(func.count())
        .select_from(policy_versions)
        .join(managed_policies, managed_policies.c.policy_id == policy_versions.c.policy_id)
        .where(managed_policies.c.account_id == account_id)
    )
    return int(conn.execute(query).scalar_one())
