"""A write is one transaction: a failing call changes nothing, and only committed writes move the generation."""

from __future__ import annotations

import pytest

from ostiary import ids
from ostiary.errors import NoSuchEntity
from ostiary.model import EntityKind, Tag, User
from ostiary.store import principals
from ostiary.store.tags import list_tags, put_tags
from tests.store.conftest import NOW, Backend


def test_a_failing_write_leaves_nothing(backend: Backend) -> None:
    user = User(ids.unique_id(ids.USER, backend.rng), backend.account, "ghost", "/", NOW)
    generation = backend.store.generation
    with pytest.raises(NoSuchEntity), backend.store.write() as conn:
        principals.insert_user(conn, user)
        put_tags(conn, EntityKind.USER, user.user_id, [Tag("k", "v")])
        raise NoSuchEntity("something later in the call failed")
    with backend.store.read() as conn:
        assert principals.get_user(conn, backend.account, "ghost") is None
        assert list_tags(conn, EntityKind.USER, user.user_id) == []
    assert backend.store.generation == generation


def test_a_committed_write_moves_the_generation(backend: Backend) -> None:
    generation = backend.store.generation
    with backend.store.write() as conn:
        principals.insert_user(conn, User(ids.unique_id(ids.USER, backend.rng), backend.account, "real", "/", NOW))
    assert backend.store.generation > generation
    with backend.store.read() as conn:
        assert principals.get_user(conn, backend.account, "real") is not None
