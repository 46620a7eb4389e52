from __future__ import annotations

import datetime as dt

import pytest

from ostiary import ids
from ostiary.model import EntityKind, Group, ManagedPolicy, Tag, User
from ostiary.store import policies as pol
from ostiary.store import principals
from ostiary.store.tags import delete_all_tags, list_tags, merged_tag_count, put_tags, remove_tags
from tests.store.conftest import NOW, Backend

DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def make_policy(b: Backend, name: str, document: str = DOC) -> ManagedPolicy:
    policy = ManagedPolicy(
        ids.unique_id(ids.POLICY, b.rng),
        b.account,
        name,
        "/",
        f"arn:aws:iam::{b.account}:policy/{name}",
        "v1",
        NOW,
        NOW,
    )
    with b.store.write() as conn:
        pol.insert_managed_policy(conn, policy, document)
    return policy


def make_user(b: Backend, name: str) -> User:
    user = User(ids.unique_id(ids.USER, b.rng), b.account, name, "/", NOW)
    with b.store.write() as conn:
        principals.insert_user(conn, user)
    return user


def test_managed_policy_lookup_and_counts(backend: Backend) -> None:
    policy = make_policy(backend, "p")
    user = make_user(backend, "u")
    with backend.store.write() as conn:
        assert pol.attach_policy(conn, EntityKind.USER, user.user_id, policy.arn, account_id=backend.account, now=NOW)
        principals.set_user_boundary(conn, user.user_id, policy.arn)
    with backend.store.read() as conn:
        found = pol.get_managed_policy(conn, backend.account, policy.arn)
        assert pol.get_managed_policy(conn, "000000000000", policy.arn) is None  # another account's
        assert pol.get_managed_policy_by_name(conn, backend.account, "P") is not None
        builtin = pol.get_managed_policy(conn, backend.account, READ_ONLY)
        assert [x.name for x in pol.list_managed_policies(conn, backend.account, customer=True, aws=False)] == ["p"]
        assert READ_ONLY in {x.arn for x in pol.list_managed_policies(conn, backend.account, customer=False, aws=True)}
        assert pol.count_managed_policies(conn, backend.account) == 1
    assert found is not None and (found.attachment_count, found.boundary_usage_count) == (1, 1)
    assert builtin is not None and builtin.account_id == "aws" and builtin.attachment_count == 0


def test_versions(backend: Backend) -> None:
    policy = make_policy(backend, "p")
    later = NOW + dt.timedelta(hours=1)
    with backend.store.write() as conn:
        v2 = pol.add_policy_version(conn, policy.policy_id, DOC.replace("s3:*", "s3:Get*"), later, set_default=True)
        pol.add_policy_version(conn, policy.policy_id, DOC, later, set_default=False)
    assert (v2.version_id, v2.is_default) == ("v2", True)
    with backend.store.read() as conn:
        versions = pol.list_policy_versions(conn, policy.policy_id)
        current = pol.get_managed_policy(conn, backend.account, policy.arn)
        source = pol.managed_policy_document(conn, policy.arn)
    assert [(v.version_id, v.is_default) for v in versions] == [("v3", False), ("v2", True), ("v1", False)]
    assert current is not None and (current.default_version, current.updated_at) == ("v2", later)
    assert source is not None and "s3:Get*" in source.document
    with backend.store.write() as conn:
        pol.delete_policy_version(conn, policy.policy_id, "v3")
        pol.set_default_policy_version(conn, policy.policy_id, "v1", later)
        v4 = pol.add_policy_version(conn, policy.policy_id, DOC, later, set_default=False)
    assert v4.version_id == "v4"  # numbers are never reused
    with backend.store.write() as conn:
        pol.delete_managed_policy(conn, policy.policy_id)
    with backend.store.read() as conn:
        assert pol.get_managed_policy(conn, backend.account, policy.arn) is None
        assert pol.list_policy_versions(conn, policy.policy_id) == []


def test_cache_keys_change_with_content_and_identity(backend: Backend) -> None:
    policy = make_policy(backend, "p")
    with backend.store.read() as conn:
        first = pol.managed_policy_document(conn, policy.arn)
    with backend.store.write() as conn:
        pol.delete_managed_policy(conn, policy.policy_id)
    make_policy(backend, "p", DOC.replace("s3:*", "iam:*"))
    with backend.store.read() as conn:
        second = pol.managed_policy_document(conn, policy.arn)
    assert first is not None and second is not None and first.cache_key != second.cache_key
    user = make_user(backend, "u")
    with backend.store.write() as conn:
        pol.put_inline_policy(conn, EntityKind.USER, user.user_id, "i", DOC, now=NOW)
    with backend.store.read() as conn:
        before = pol.inline_sources(conn, EntityKind.USER, user.user_id, "u")[0].cache_key
    with backend.store.write() as conn:  # same instant, other text: the key still changes
        pol.put_inline_policy(conn, EntityKind.USER, user.user_id, "i", DOC.replace("s3:*", "iam:*"), now=NOW)
    with backend.store.read() as conn:
        after = pol.inline_sources(conn, EntityKind.USER, user.user_id, "u")[0].cache_key
    assert before != after


def test_attachments_and_identity_sources(backend: Backend) -> None:
    policy = make_policy(backend, "p")
    user = make_user(backend, "u")
    group = Group(ids.unique_id(ids.GROUP, backend.rng), backend.account, "g", "/", NOW)
    with backend.store.write() as conn:
        principals.insert_group(conn, group)
        principals.add_user_to_group(conn, group.group_id, user.user_id, NOW)
        pol.attach_policy(conn, EntityKind.USER, user.user_id, policy.arn, account_id=backend.account, now=NOW)
        assert not pol.attach_policy(
            conn, EntityKind.USER, user.user_id, policy.arn, account_id=backend.account, now=NOW
        )
        pol.attach_policy(conn, EntityKind.GROUP, group.group_id, READ_ONLY, account_id=backend.account, now=NOW)
        pol.put_inline_policy(conn, EntityKind.GROUP, group.group_id, "gi", DOC, now=NOW)
    with backend.store.read() as conn:
        sources = pol.identity_sources(conn, EntityKind.USER, user.user_id, "u")
        assert pol.policy_attachments(conn, backend.account, READ_ONLY) == [(EntityKind.GROUP, group.group_id)]
        assert pol.dependents(conn, EntityKind.GROUP, group.group_id) == (1, 1)
        assert pol.attached_policy_arns(conn, EntityKind.USER, user.user_id) == [policy.arn]
    assert {s.arn for s in sources} == {policy.arn, READ_ONLY, None}
    with backend.store.write() as conn:
        assert pol.detach_policy(conn, EntityKind.USER, user.user_id, policy.arn)
        assert not pol.detach_policy(conn, EntityKind.USER, user.user_id, policy.arn)


def test_inline_policies(backend: Backend) -> None:
    user = make_user(backend, "u")
    with backend.store.write() as conn:
        pol.put_inline_policy(conn, EntityKind.USER, user.user_id, "b", DOC, now=NOW)
        pol.put_inline_policy(conn, EntityKind.USER, user.user_id, "a", DOC, now=NOW)
        pol.put_inline_policy(conn, EntityKind.USER, user.user_id, "a", "{}", now=NOW)
    with backend.store.read() as conn:
        assert [x.name for x in pol.list_inline_policies(conn, EntityKind.USER, user.user_id)] == ["a", "b"]
        found = pol.get_inline_policy(conn, EntityKind.USER, user.user_id, "a")
    assert found is not None and found.document == "{}"
    with backend.store.write() as conn:
        assert pol.delete_inline_policy(conn, EntityKind.USER, user.user_id, "a")
        assert not pol.delete_inline_policy(conn, EntityKind.USER, user.user_id, "a")


@pytest.mark.parametrize(("kind", "distinct"), [(EntityKind.USER, 2), (EntityKind.POLICY, 3)])
def test_tags(backend: Backend, kind: EntityKind, distinct: int) -> None:
    entity = ids.unique_id(ids.USER, backend.rng)
    with backend.store.write() as conn:
        put_tags(conn, kind, entity, [Tag("Env", "a"), Tag("team", "x")])
        assert merged_tag_count(conn, kind, entity, [Tag("ENV", "b")]) == distinct
        put_tags(conn, kind, entity, [Tag("ENV", "b")])
    with backend.store.read() as conn:
        tags = list_tags(conn, kind, entity)
    if kind is EntityKind.USER:  # case-insensitive: ENV overwrote Env, keeping its spelling and place
        assert tags == [Tag("Env", "b"), Tag("team", "x")]
    else:  # policy tag keys are case-sensitive
        assert tags == [Tag("Env", "a"), Tag("team", "x"), Tag("ENV", "b")]
    with backend.store.write() as conn:
        remove_tags(conn, kind, entity, ["env"])
    with backend.store.read() as conn:
        left = list_tags(conn, kind, entity)
    assert [t.key for t in left] == (["team"] if kind is EntityKind.USER else ["Env", "team", "ENV"])
    with backend.store.write() as conn:
        delete_all_tags(conn, kind, entity)
    with backend.store.read() as conn:
        assert list_tags(conn, kind, entity) == []
