"""A database that cannot be opened is one line: the driver's first reason, without its decoration."""

from __future__ import annotations

import pytest

from ostiary.store.database import failure_reason

# The texts psycopg 3 gives for each way a connection fails (its OperationalError's str()).
REASONS = [
    (
        'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?",
        "connection refused",
    ),
    (
        "failed to resolve host 'db.invalid': [Errno -2] Name or service not known",
        "failed to resolve host 'db.invalid': [Errno -2] Name or service not known",
    ),
    (
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "x" does not exist',
        'database "x" does not exist',
    ),
    (
        'connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  password authentication '
        'failed for user "ostiary"',
        'password authentication failed for user "ostiary"',
    ),
    (
        'connection failed: connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: No such file or '
        "directory\n\tIs the server running locally and accepting connections on that socket?",
        "no such file or directory",
    ),
    ("connection timeout expired", "connection timeout expired"),
    ("unable to open database file", "unable to open database file"),
    ("", "unknown error"),
]


@pytest.mark.parametrize(("message", "reason"), REASONS, ids=[r[1] for r in REASONS])
def test_failure_reason(message: str, reason: str) -> None:
    assert failure_reason(message) == reason
