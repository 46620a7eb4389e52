"""Accounts, users, roles and access keys: the rows authentication reads.

Functions take an open `Connection` (from `Store.read` or `Store.write`) so a
handler composes several of them in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from ostiary.ids import Rng
from ostiary.model import AccessKey, Account, KeyStatus, Role, User
from ostiary.secretbox import SecretBox
from ostiary.store.schema import access_keys, accounts, roles, users


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
