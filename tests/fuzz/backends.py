"""The in-process pipeline on either backend: SQLite, or a fresh PostgreSQL database when
OSTIARY_TEST_DATABASE_URL is set (PostgreSQL refuses some text SQLite takes, such as U+0000)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import InProcess, fresh_postgres_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def in_process(backend: str, data_dir: Path) -> Iterator[InProcess]:
    """A pipeline on `backend` ("sqlite" or "postgres"); skips the PostgreSQL one without a server to use."""
    drop: Callable[[], None] | None = None
    if backend == "postgres":
        base = os.environ.get("OSTIARY_TEST_DATABASE_URL")
        if not base:
            pytest.skip("OSTIARY_TEST_DATABASE_URL is not set: the PostgreSQL variant needs a server")
        url, drop = fresh_postgres_database(base)
        running = InProcess(data_dir, url)
    else:
        running = InProcess(data_dir)
    try:
        yield running
    finally:
        running.close()
        if drop is not None:
            drop()
