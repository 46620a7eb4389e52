"""Accounts, users, groups, roles and access keys.

Functions take an open `Connection` (from `Store.read` or `Store.write`) so a
handler composes several of them in one transaction. Lookups by name are
case-insensitive (``name_key``), as IAM names are unique per account
regardless of case ("They aren't distinguished by case", IAM User Guide, "IAM
and AWS STS quotas", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
Results keep the case given at creation. Lists come back in a stable order (by ``name_key``), which the IAM
layer's pagination relies on.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from ostiary.ids import Rng
from ostiary.model import AccessKey, Account, EntityKind, Group, KeyStatus, Role, User
from ostiary.secretbox import SecretBox
from ostiary.store.schema import (
    access_keys,
    accounts,
    group_members,
    groups,
    roles,
    tags,
    users,
)


def _by_name(entity: User | Group | Role) -> str:
    """Sort key for lists: the lower-cased name, compared the same way on every database (not by collation)."""
    return entity.name.lower()


def _secret_purpose(key_id: str) -> str:
    return f"access-key|{key_id}"


# --- accounts ---------------------------------------------------------------------


def insert_account(conn: Connection, account_id: str, now: dt.datetime) -> Account:
    conn.execute(insert(accounts).values(account_id=account_id, created_at=now))
    return Account(account_id, now)


def get_account(conn: Connection, account_id: str) -> Account | None:
    row = conn.execute(select(accounts).where(accounts.c.account_id == account_id)).first()
    return None if row is None else Account(row.account_id, row.created_at, row.alias)


def list_accounts(conn: Connection) -> list[Account]:
    rows = conn.execute(select(accounts).order_by(accounts.c.created_at, accounts.c.account_id))
    return [Account(r.account_id, r.created_at, r.alias) for r in rows]


def set_account_alias(conn: Connection, account_id: str, alias: str | None) -> None:
    conn.execute(update(accounts).where(accounts.c.account_id == account_id).values(alias=alias))


def get_account_by_alias(conn: Connection, alias: str) -> Account | None:
    row = conn.execute(select(accounts).where(accounts.c.alias == alias)).first()
    return None if row is None else Account(row.account_id, row.created_at, row.alias)


# --- access keys ------------------------------------------------------------------


def insert_access_key(
    conn: Connection,
    box: SecretBox,
    rng: Rng,
    *,
    key_id: str,
    account_id: str,
    user_id: str | None,
    secret: str,
    now: dt.datetime,
    status: KeyStatus = KeyStatus.ACTIVE,
) -> AccessKey:
    sealed = box.seal(secret.encode("utf-8"), _secret_purpose(key_id), rng)
    conn.execute(
        insert(access_keys).values(
            access_key_id=key_id,
            account_id=account_id,
            user_id=user_id,
            secret_ciphertext=sealed,
            status=status.value,
            created_at=now,
        )
    )
    return AccessKey(key_id, account_id, user_id, status, now, secret)


def _access_key(row: Row[Any], secret: str = "") -> AccessKey:
    return AccessKey(
        access_key_id=row.access_key_id,
        account_id=row.account_id,
        user_id=row.user_id,
        status=KeyStatus(row.status),
        created_at=row.created_at,
        secret=secret,
        last_used_at=row.last_used_at,
        last_used_service=row.last_used_service,
        last_used_region=row.last_used_region,
    )


def get_access_key(conn: Connection, key_id: str, box: SecretBox | None = None) -> AccessKey | None:
    """The key, with its secret decrypted when `box` is given."""
    row = conn.execute(select(access_keys).where(access_keys.c.access_key_id == key_id)).first()
    if row is None:
        return None
    secret = box.open(row.secret_ciphertext, _secret_purpose(key_id)).decode("utf-8") if box is not None else ""
    return _access_key(row, secret)


def list_access_keys(conn: Connection, user_id: str | None, account_id: str) -> list[AccessKey]:
    """A user's keys, or the root's keys when `user_id` is None; oldest first."""
    owner = access_keys.c.user_id.is_(None) if user_id is None else access_keys.c.user_id == user_id
    rows = conn.execute(
        select(access_keys)
        .where(owner, access_keys.c.account_id == account_id)
        .order_by(access_keys.c.created_at, access_keys.c.access_key_id)
    )
    return [_access_key(r) for r in rows]


def record_key_use(conn: Connection, key_id: str, now: dt.datetime, service: str, region: str) -> None:
    conn.execute(
        update(access_keys)
        .where(access_keys.c.access_key_id == key_id)
        .values(last_used_at=now, last_used_service=service, last_used_region=region)
    )


def set_access_key_status(conn: Connection, key_id: str, status: KeyStatus) -> None:
    conn.execute(update(access_keys).where(access_keys.c.access_key_id == key_id).values(status=status.value))


def delete_access_key(conn: Connection, key_id: str) -> None:
    conn.execute(delete(access_keys).where(access_keys.c.access_key_id == key_id))


def count_access_keys(conn: Connection, user_id: str | None, account_id: str) -> int:
    owner = access_keys.c.user_id.is_(None) if user_id is None else access_keys.c.user_id == user_id
    query = select(func.count()).select_from(access_keys).where(owner, access_keys.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


# --- users --------------------------------------------------------------------------


def _user(row: Row[Any]) -> User:
    return User(row.user_id, row.account_id, row.name, row.path, row.created_at, row.boundary_arn)


def get_user(conn: Connection, account_id: str, name: str) -> User | None:
    row = conn.execute(select(users).where(users.c.account_id == account_id, users.c.name_key == name.lower())).first()
    return None if row is None else _user(row)


def get_user_by_id(conn: Connection, user_id: str) -> User | None:
    row = conn.execute(select(users).where(users.c.user_id == user_id)).first()
    return None if row is None else _user(row)


def insert_user(conn: Connection, user: User) -> None:
    conn.execute(
        insert(users).values(
            user_id=user.user_id,
            account_id=user.account_id,
            name=user.name,
            name_key=user.name.lower(),
            path=user.path,
            created_at=user.created_at,
            boundary_arn=user.boundary_arn,
        )
    )


def list_users(conn: Connection, account_id: str, path_prefix: str | None = None) -> list[User]:
    """The account's users whose path starts with `path_prefix`, by name."""
    rows = conn.execute(select(users).where(users.c.account_id == account_id))
    found = sorted((_user(r) for r in rows), key=_by_name)
    return found if path_prefix is None else [u for u in found if u.path.startswith(path_prefix)]


def update_user(conn: Connection, user_id: str, *, name: str, path: str) -> None:
    conn.execute(update(users).where(users.c.user_id == user_id).values(name=name, name_key=name.lower(), path=path))


def set_user_boundary(conn: Connection, user_id: str, boundary_arn: str | None) -> None:
    conn.execute(update(users).where(users.c.user_id == user_id).values(boundary_arn=boundary_arn))


def delete_user(conn: Connection, user_id: str) -> None:
    """Remove the user and what hangs off it without blocking deletion (tags, memberships).

    Access keys, policies and group memberships make IAM refuse DeleteUser
    (DeleteConflict); the handler checks them first. Memberships cascade anyway.
    """
    conn.execute(delete(tags).where(tags.c.entity_kind == EntityKind.USER.value, tags.c.entity_id == user_id))
    conn.execute(delete(group_members).where(group_members.c.user_id == user_id))
    conn.execute(delete(users).where(users.c.user_id == user_id))


# --- groups -----------------------------------------------------------------------------


def _group(row: Row[Any]) -> Group:
    return Group(row.group_id, row.account_id, row.name, row.path, row.created_at)


def insert_group(conn: Connection, group: Group) -> None:
    conn.execute(
        insert(groups).values(
            group_id=group.group_id,
            account_id=group.account_id,
            name=group.name,
            name_key=group.name.lower(),
            path=group.path,
            created_at=group.created_at,
        )
    )


def get_group(conn: Connection, account_id: str, name: str) -> Group | None:
    query = select(groups).where(groups.c.account_id == account_id, groups.c.name_key == name.lower())
    row = conn.execute(query).first()
    return None if row is None else _group(row)


def get_group_by_id(conn: Connection, group_id: str) -> Group | None:
    row = conn.execute(select(groups).where(groups.c.group_id == group_id)).first()
    return None if row is None else _group(row)


def list_groups(conn: Connection, account_id: str, path_prefix: str | None = None) -> list[Group]:
    rows = conn.execute(select(groups).where(groups.c.account_id == account_id))
    found = sorted((_group(r) for r in rows), key=_by_name)
    return found if path_prefix is None else [g for g in found if g.path.startswith(path_prefix)]


def update_group(conn: Connection, group_id: str, *, name: str, path: str) -> None:
    values = {"name": name, "name_key": name.lower(), "path": path}
    conn.execute(update(groups).where(groups.c.group_id == group_id).values(**values))


def delete_group(conn: Connection, group_id: str) -> None:
    conn.execute(delete(group_members).where(group_members.c.group_id == group_id))
    conn.execute(delete(groups).where(groups.c.group_id == group_id))


def add_user_to_group(conn: Connection, group_id: str, user_id: str, now: dt.datetime) -> bool:
    """Make the user a member; False when it already was (IAM treats that as success)."""
    query = select(group_members.c.user_id).where(
        group_members.c.group_id == group_id, group_members.c.user_id == user_id
    )
    if conn.execute(query).first() is not None:
        return False
    conn.execute(insert(group_members).values(group_id=group_id, user_id=user_id, added_at=now))
    return True


def remove_user_from_group(conn: Connection, group_id: str, user_id: str) -> None:
    conn.execute(delete(group_members).where(group_members.c.group_id == group_id, group_members.c.user_id == user_id))


def group_users(conn: Connection, group_id: str) -> list[User]:
    """The group's members, by name."""
    rows = conn.execute(
        select(users)
        .join(group_members, group_members.c.user_id == users.c.user_id)
        .where(group_members.c.group_id == group_id)
    )
    return sorted((_user(r) for r in rows), key=_by_name)


def user_groups(conn: Connection, user_id: str) -> list[Group]:
    """The groups a user belongs to, by name."""
    rows = conn.execute(
        select(groups)
        .join(group_members, group_members.c.group_id == groups.c.group_id)
        .where(group_members.c.user_id == user_id)
    )
    return sorted((_group(r) for r in rows), key=_by_name)


# --- roles ----------------------------------------------------------------------------


def _role(row: Row[Any]) -> Role:
    return Role(
        role_id=row.role_id,
        account_id=row.account_id,
        name=row.name,
        path=row.path,
        created_at=row.created_at,
        max_session_duration=row.max_session_duration,
        trust_policy=row.trust_policy,
        trust_principal_ids=json.loads(row.trust_principal_ids or "{}"),
        description=row.description,
        boundary_arn=row.boundary_arn,
        last_used_at=row.last_used_at,
        last_used_region=row.last_used_region,
    )


def get_role(conn: Connection, account_id: str, name: str) -> Role | None:
    row = conn.execute(select(roles).where(roles.c.account_id == account_id, roles.c.name_key == name.lower())).first()
    return None if row is None else _role(row)


def get_role_by_id(conn: Connection, role_id: str) -> Role | None:
    row = conn.execute(select(roles).where(roles.c.role_id == role_id)).first()
    return None if row is None else _role(row)


def insert_role(conn: Connection, role: Role) -> None:
    conn.execute(
        insert(roles).values(
            role_id=role.role_id,
            account_id=role.account_id,
            name=role.name,
            name_key=role.name.lower(),
            path=role.path,
            created_at=role.created_at,
            description=role.description,
            max_session_duration=role.max_session_duration,
            trust_policy=role.trust_policy,
            trust_principal_ids=json.dumps(role.trust_principal_ids, sort_keys=True),
            boundary_arn=role.boundary_arn,
        )
    )


def record_role_use(conn: Connection, role_id: str, now: dt.datetime, region: str) -> None:
    conn.execute(update(roles).where(roles.c.role_id == role_id).values(last_used_at=now, last_used_region=region))


def list_roles(conn: Connection, account_id: str, path_prefix: str | None = None) -> list[Role]:
    rows = conn.execute(select(roles).where(roles.c.account_id == account_id))
    found = sorted((_role(r) for r in rows), key=_by_name)
    return found if path_prefix is None else [r for r in found if r.path.startswith(path_prefix)]


def update_role(conn: Connection, role_id: str, *, description: str | None, max_session_duration: int) -> None:
    conn.execute(
        update(roles)
        .where(roles.c.role_id == role_id)
        .values(description=description, max_session_duration=max_session_duration)
    )


def set_role_trust_policy(conn: Connection, role_id: str, document: str, principal_ids: dict[str, str]) -> None:
    """The trust policy exactly as sent, and the unique IDs its principal ARNs resolve to now.

    IAM User Guide, "AWS JSON policy elements: Principal", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html.
    """
    conn.execute(
        update(roles)
        .where(roles.c.role_id == role_id)
        .values(trust_policy=document, trust_principal_ids=json.dumps(principal_ids, sort_keys=True))
    )


def set_role_boundary(conn: Connection, role_id: str, boundary_arn: str | None) -> None:
    conn.execute(update(roles).where(roles.c.role_id == role_id).values(boundary_arn=boundary_arn))


def delete_role(conn: Connection, role_id: str) -> None:
    """Remove the role and its tags; policies block deletion and are checked by the handler."""
    conn.execute(delete(tags).where(tags.c.entity_kind == EntityKind.ROLE.value, tags.c.entity_id == role_id))
    conn.execute(delete(roles).where(roles.c.role_id == role_id))
