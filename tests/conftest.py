"""Shared fixtures: live `ostiary serve` processes on loopback, and boto3 clients for them.

- `server`: one server for the whole session, on SQLite, with known root credentials.
  Tests share it, so they create uniquely named entities (`unique_name`).
- `pg_server`: the same on PostgreSQL, when OSTIARY_TEST_DATABASE_URL is set (each
  session gets a fresh database, dropped at the end); skipped otherwise.
- `backend_server`: parametrized over both, for tests that must hold on each backend.
- `tests.support.start_server(...)`: a fresh server of your own (restart tests, special settings).

Skips say what is missing and which variable to set. Under CI (`CI=true`) a skip is a failure, because CI
always has PostgreSQL, Node.js and the shared vectors and acceptance scripts: only a skip whose reason
starts with "not applicable:" (a golden case that does not apply to ostiary by design) stays a skip.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from _pytest.reports import TestReport

from tests.support import Server, fresh_postgres_database, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("ostiary") / "state")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session."""
    base = os.environ.get("OSTIARY_TEST_DATABASE_URL")
    if not base:
        pytest.skip("OSTIARY_TEST_DATABASE_URL is not set: the PostgreSQL tests need a server")
    url, drop = fresh_postgres_database(base)
    yield url
    drop()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("ostiary-pg") / "state", database_url=postgres_url)
    yield running
    running.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def backend_server(request: pytest.FixtureRequest) -> Server:
    name = "server" if request.param == "sqlite" else "pg_server"
    found: Server = request.getfixturevalue(name)
    return found


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    def make(prefix: str) -> str:
        return f"{prefix}-{secrets.token_hex(4)}"

    return make


@pytest.fixture
def aws_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real AWS CLI from the test environment: aws_cli(env, "iam", "list-users")."""
    cli = Path(sys.executable).parent / "aws"

    def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(cli), *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    return run


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under tests/e2e/ starts live servers: mark it so `-m 'not e2e'` gives the fast suite."""
    for item in items:
        if "e2e" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.e2e)


NOT_APPLICABLE = "not applicable:"


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, TestReport, TestReport]:
    """Under CI=true, a skip for a missing tool, service or file fails the test instead."""
    report = yield
    if report.skipped and _under_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not reason.removeprefix("Skipped: ").startswith(NOT_APPLICABLE):
            report.outcome = "failed"
            report.longrepr = f"skipped under CI=true, where nothing may be missing: {reason.removeprefix('Skipped: ')}"
    return report
