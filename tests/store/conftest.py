"""The store on each backend: SQLite in a temporary directory, and PostgreSQL when
OSTIARY_TEST_DATABASE_URL is set (a fresh database per session, migrated with Alembic).

Tests on the shared PostgreSQL database stay apart by working in an account of their own.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ostiary.ids import Rng, account_id
from ostiary.secretbox import SecretBox
from ostiary.store import Store, create_database_engine, sqlite_url
from ostiary.store.migrate import upgrade
from ostiary.store.principals import insert_account
from tests.support import fresh_postgres_database

NOW = dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=dt.UTC)
BOX = SecretBox(bytes(range(32)))


@dataclass
class Backend:
    store: Store
    account: str
    rng: Rng


@pytest.fixture(scope="session")
def postgres_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    base = os.environ.get("OSTIARY_TEST_DATABASE_URL")
    if not base:
        pytest.skip("OSTIARY_TEST_DATABASE_URL is not set: the PostgreSQL store tests need a server")
    url, drop = fresh_postgres_database(base)
    engine = create_database_engine(url)
    upgrade(engine)
    store = Store(engine, BOX, tmp_path_factory.mktemp("pg-store"))
    yield store
    store.close()
    drop()


def _new_account(store: Store, rng: Rng) -> str:
    account = account_id(rng)
    with store.write() as conn:
        insert_account(conn, account, NOW)
    return account


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    rng = random.Random(request.node.name).randbytes
    if request.param == "postgres":
        store: Store = request.getfixturevalue("postgres_store")
        yield Backend(store, _new_account(store, rng), rng)
        return
    engine = create_database_engine(sqlite_url(tmp_path))
    upgrade(engine)
    store = Store(engine, BOX, tmp_path)
    yield Backend(store, _new_account(store, rng), rng)
    store.close()
