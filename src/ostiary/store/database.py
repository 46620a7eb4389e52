"""Opening the database: SQLite (embedded default) or PostgreSQL, one interface.

- SQLite runs in WAL mode with ``synchronous=FULL``, so a committed write
  survives a power cut, and readers never wait for the writer. Writers are
  serialized in-process (one server process owns the file), which avoids
  SQLITE_BUSY upgrades from deferred transactions.
- PostgreSQL (psycopg 3) serves any number of ostiary nodes.
- Every write runs in one transaction (`Store.write`): a failing call changes
  nothing. A committed write bumps `generation`, which every in-memory cache
  keys on, so this node sees its own writes at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

from ostiary.secretbox import SecretBox


class Store:
    """The database, the secret box for data at rest, and the write generation."""

    def __init__(self, engine: Engine, box: SecretBox, data_dir: Path) -> None:
        self.engine = engine
        self.box = box
        self.data_dir = data_dir
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = threading.RLock() if self.is_sqlite else None
        self._generation = 0
        self._generation_lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    @property
    def generation(self) -> int:
        """Changes after every committed write; caches compare it to decide whether they are stale."""
        return self._generation

    def bump_generation(self) -> None:
        with self._generation_lock:
            self._generation += 1
        for listener in self._listeners:
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self, *, bookkeeping: bool = False) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises.

        `bookkeeping` writes (last-used times) change nothing that authorization reads, so they
        leave the generation, and every cache keyed on it, alone.
        """
        lock = self._write_lock
        if lock is not None:
            lock.acquire()
        try:
            with self.engine.begin() as conn:
                yield conn
            if not bookkeeping:
                self.bump_generation()
        finally:
            if lock is not None:
                lock.release()

    def close(self) -> None:
        self.engine.dispose()


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'ostiary.db'}"


def create_database_engine(url: str) -> Engine:
    """An engine for `url`; `postgresql://` URLs use psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite"):
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if not parsed.drivername.startswith("postgresql"):
        raise ValueError(f"unsupported database url: `{parsed.drivername}`")
    return create_engine(parsed, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
