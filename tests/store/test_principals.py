from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy.exc import IntegrityError

from ostiary import ids
from ostiary.model import Group, KeyStatus, Role, User
from ostiary.secretbox import SecretUnreadable
from ostiary.store import principals as p
from tests.store.conftest import BOX, NOW, Backend


def make_user(b: Backend, name: str, path: str = "/") -> User:
    user = User(ids.unique_id(ids.USER, b.rng), b.account, name, path, NOW)
    with b.store.write() as conn:
        p.insert_user(conn, user)
    return user


def make_role(b: Backend, name: str) -> Role:
    role = Role(ids.unique_id(ids.ROLE, b.rng), b.account, name, "/", NOW, 3600, '{"Version":"2012-10-17"}')
    with b.store.write() as conn:
        p.insert_role(conn, role)
    return role


def test_accounts_and_aliases(backend: Backend) -> None:
    with backend.store.write() as conn:
        p.set_account_alias(conn, backend.account, f"alias-{backend.account}")
    with backend.store.read() as conn:
        found = p.get_account(conn, backend.account)
        by_alias = p.get_account_by_alias(conn, f"alias-{backend.account}")
        assert backend.account in {a.account_id for a in p.list_accounts(conn)}
    assert found is not None and found.alias == f"alias-{backend.account}"
    assert by_alias == found


def test_users_by_name_case_insensitively(backend: Backend) -> None:
    user = make_user(backend, "Alice", "/eng/")
    with backend.store.read() as conn:
        assert p.get_user(conn, backend.account, "ALICE") == user
        assert p.get_user_by_id(conn, user.user_id) == user
        assert p.get_user(conn, "000000000000", "alice") is None
    with pytest.raises(IntegrityError), backend.store.write() as conn:
        p.insert_user(conn, User(ids.unique_id(ids.USER, backend.rng), backend.account, "alice", "/", NOW))


def test_list_update_delete_users(backend: Backend) -> None:
    for name, path in (("b", "/x/"), ("a", "/"), ("C", "/x/y/")):
        make_user(backend, name, path)
    with backend.store.read() as conn:
        assert [u.name for u in p.list_users(conn, backend.account)] == ["a", "b", "C"]
        assert [u.name for u in p.list_users(conn, backend.account, "/x/")] == ["b", "C"]
        target = p.get_user(conn, backend.account, "a")
    assert target is not None
    with backend.store.write() as conn:
        p.update_user(conn, target.user_id, name="z", path="/moved/")
        p.set_user_boundary(conn, target.user_id, "arn:aws:iam::aws:policy/ReadOnlyAccess")
    with backend.store.read() as conn:
        moved = p.get_user_by_id(conn, target.user_id)
    assert moved is not None and (moved.name, moved.path) == ("z", "/moved/")
    assert moved.boundary_arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    with backend.store.write() as conn:
        p.delete_user(conn, target.user_id)
    with backend.store.read() as conn:
        assert p.get_user_by_id(conn, target.user_id) is None


def test_access_keys(backend: Backend) -> None:
    user = make_user(backend, "keyed")
    key_id = ids.access_key_id(ids.LONG_TERM_KEY, backend.account, backend.rng)
    secret = ids.secret_access_key(backend.rng)
    with backend.store.write() as conn:
        p.insert_access_key(
            conn,
            BOX,
            backend.rng,
            key_id=key_id,
            account_id=backend.account,
            user_id=user.user_id,
            secret=secret,
            now=NOW,
        )
    with backend.store.read() as conn:
        found = p.get_access_key(conn, key_id, BOX)
        assert p.count_access_keys(conn, user.user_id, backend.account) == 1
        assert p.count_access_keys(conn, None, backend.account) == 0
        assert [k.access_key_id for k in p.list_access_keys(conn, user.user_id, backend.account)] == [key_id]
        raw = conn.exec_driver_sql(
            "SELECT secret_ciphertext FROM access_keys WHERE access_key_id = %s"
            if backend.store.engine.dialect.name == "postgresql"
            else "SELECT secret_ciphertext FROM access_keys WHERE access_key_id = ?",
            (key_id,),
        ).scalar_one()
    assert found is not None and found.secret == secret and found.is_active
    assert secret.encode() not in bytes(raw)  # only sealed at rest
    with pytest.raises(SecretUnreadable):
        BOX.open(bytes(raw), "access-key|AKIAOTHER")  # bound to its own key ID
    used = NOW + dt.timedelta(minutes=1)
    with backend.store.write() as conn:
        p.set_access_key_status(conn, key_id, KeyStatus.INACTIVE)
        p.record_key_use(conn, key_id, used, "iam", "us-east-1")
    with backend.store.read() as conn:
        found = p.get_access_key(conn, key_id)
    assert found is not None and found.status is KeyStatus.INACTIVE
    assert (found.last_used_at, found.last_used_service, found.last_used_region) == (used, "iam", "us-east-1")
    with backend.store.write() as conn:
        p.delete_access_key(conn, key_id)
    with backend.store.read() as conn:
        assert p.get_access_key(conn, key_id) is None


def test_groups_and_membership(backend: Backend) -> None:
    alice, bob = make_user(backend, "alice"), make_user(backend, "bob")
    group = Group(ids.unique_id(ids.GROUP, backend.rng), backend.account, "Devs", "/", NOW)
    with backend.store.write() as conn:
        p.insert_group(conn, group)
        assert p.add_user_to_group(conn, group.group_id, bob.user_id, NOW)
        assert p.add_user_to_group(conn, group.group_id, alice.user_id, NOW)
        assert not p.add_user_to_group(conn, group.group_id, alice.user_id, NOW)
    with backend.store.read() as conn:
        assert p.get_group(conn, backend.account, "devs") == group
        assert [u.name for u in p.group_users(conn, group.group_id)] == ["alice", "bob"]
        assert p.user_groups(conn, alice.user_id) == [group]
    with backend.store.write() as conn:
        p.update_group(conn, group.group_id, name="ops", path="/x/")
        p.remove_user_from_group(conn, group.group_id, bob.user_id)
    with backend.store.read() as conn:
        assert [g.name for g in p.list_groups(conn, backend.account, "/x/")] == ["ops"]
        assert [u.name for u in p.group_users(conn, group.group_id)] == ["alice"]
    with backend.store.write() as conn:
        p.delete_group(conn, group.group_id)
    with backend.store.read() as conn:
        assert p.get_group_by_id(conn, group.group_id) is None
        assert p.user_groups(conn, alice.user_id) == []


def test_roles(backend: Backend) -> None:
    role = make_role(backend, "deploy")
    with backend.store.write() as conn:
        p.update_role(conn, role.role_id, description="d", max_session_duration=7200)
        p.set_role_trust_policy(conn, role.role_id, '{"x": 1}', {"arn:aws:iam::1:user/a": "AIDAX"})
        p.set_role_boundary(conn, role.role_id, "arn:aws:iam::aws:policy/ReadOnlyAccess")
        p.record_role_use(conn, role.role_id, NOW, "eu-west-1")
    with backend.store.read() as conn:
        found = p.get_role(conn, backend.account, "DEPLOY")
        assert [r.name for r in p.list_roles(conn, backend.account)] == ["deploy"]
    assert found is not None
    assert (found.description, found.max_session_duration, found.trust_policy) == ("d", 7200, '{"x": 1}')
    assert found.trust_principal_ids == json.loads('{"arn:aws:iam::1:user/a": "AIDAX"}')
    assert (found.last_used_at, found.last_used_region) == (NOW, "eu-west-1")
    with backend.store.write() as conn:
        p.delete_role(conn, role.role_id)
    with backend.store.read() as conn:
        assert p.get_role_by_id(conn, role.role_id) is None
