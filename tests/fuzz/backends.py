"""The in-process pipeline on either backend: SQLite, or a fresh PostgreSQL database when
OSTIARY_TEST_DATABASE_URL is set (PostgreSQL refuses some text SQLite takes, such as U+0000)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import ROOT_ACCOUNT, ROOT_KEY, ROOT_SECRET, InProcess, fresh_postgres_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class OnPostgres(InProcess):
    """`InProcess` over a PostgreSQL database."""

    def __init__(self, data_dir: Path, database_url: str) -> None:
        from ostiary.bootstrap import ensure_default_account, open_store
        from ostiary.server.pipeline import Pipeline
        from ostiary.store.keyring import KeyRing

        env = {
            "OSTIARY_ACCOUNT_ID": ROOT_ACCOUNT,
            "OSTIARY_ROOT_ACCESS_KEY_ID": ROOT_KEY,
            "OSTIARY_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET,
        }
        self.now = self.START
        data_dir.mkdir(parents=True, exist_ok=True)
        self.store = open_store(data_dir, database_url, env, os.urandom)
        ensure_default_account(self.store, env, os.urandom, self.now)
        self.keyring = KeyRing(self.store, os.urandom)
        self.pipeline = Pipeline(self.store, self.keyring, clock=lambda: self.now)


@contextmanager
def in_process(backend: str, data_dir: Path) -> Iterator[InProcess]:
    """A pipeline on `backend` ("sqlite" or "postgres"); skips the PostgreSQL one without a server to use."""
    drop: Callable[[], None] | None = None
    if backend == "postgres":
        base = os.environ.get("OSTIARY_TEST_DATABASE_URL")
        if not base:
            pytest.skip("OSTIARY_TEST_DATABASE_URL is not set: the PostgreSQL variant needs a server")
        url, drop = fresh_postgres_database(base)
        running: InProcess = OnPostgres(data_dir, url)
    else:
        running = InProcess(data_dir)
    try:
        yield running
    finally:
        running.close()
        if drop is not None:
            drop()
