"""Nothing lost on a crash: `ostiary serve` killed with SIGKILL at random moments under concurrent writers.

The very first start and half of the restarts are killed too before they are ready.
After every restart, each acknowledged write is there, byte for byte with its metadata (and each
acknowledged delete is gone), no GET ever shows part of an object, and the store's integrity check
passes (see `tests/e2e/crash_workload.py`). A short form runs here on each backend;
``OSTIARY_CRASH_ROUNDS`` asks for more rounds, and ``scripts/crash_test.py`` runs the long form.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.crash_workload import iter_summary, run_crash_test
from tests.support import Server, fresh_postgres_database

ROUNDS = int(os.environ.get("OSTIARY_CRASH_ROUNDS", "3"))


@pytest.mark.timeout(60 + 40 * ROUNDS)
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_nothing_acknowledged_is_lost_on_a_crash(
    backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, drop = None, None
    if backend == "postgres":
        # A database of its own: the crash test's data directory stamps its master key on the database, which
        # the session's shared PostgreSQL server (another data directory, another key) must not meet.
        base = os.environ.get("OSTIARY_TEST_DATABASE_URL")
        if not base:
            pytest.skip("OSTIARY_TEST_DATABASE_URL is not set: the PostgreSQL crash test needs a server")
        url, drop = fresh_postgres_database(base)
    seed = os.environ.get("OSTIARY_CRASH_SEED")
    try:
        figures = run_crash_test(
            tmp_path / "state",
            database_url=url,
            backend=backend,
            rounds=ROUNDS,
            seed=int(seed) if seed else None,
        )
    finally:
        if drop is not None:
            drop()
    report = "\n".join(iter_summary(figures))
    with capsys.disabled():
        print(f"\n{report}")
    assert figures.kills == ROUNDS and sum(figures.acknowledged.values()) > 0, report
    assert figures.failures() == [], report


def _damage(server: Server) -> None:
    """What a broken write path would leave: the rows of one client's objects gone, every other file cut short."""
    with sqlite3.connect(server.data_dir / "ostiary.db") as db:
        db.execute("DELETE FROM objects WHERE key LIKE 'c0/%'")
        blobs = [row[0] for row in db.execute("SELECT blob FROM objects WHERE size > 1")]
    for blob in blobs:
        path = server.data_dir / "objects" / blob
        path.write_bytes(path.read_bytes()[:1])


def test_the_crash_test_sees_lost_and_partial_objects(tmp_path: Path) -> None:
    figures = run_crash_test(
        tmp_path / "state",
        database_url=None,
        backend="sqlite",
        rounds=1,
        kill_after=(1.0, 1.0),
        startup_kills=False,
        first_start_kill=False,
        after_kill=_damage,
    )
    assert any(line.startswith("object c0/") for line in figures.lost), figures.lost
    assert any("the body broke off" in line for line in figures.partial), figures.partial
    assert any("its file has 1 bytes" in line for line in figures.integrity_problems), figures.integrity_problems
