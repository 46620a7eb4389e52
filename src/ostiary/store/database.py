"""Opening the database: SQLite (embedded default) or PostgreSQL, one interface.

- SQLite runs in WAL mode with ``synchronous=FULL``, so a committed write
  survives a power cut, and readers never wait for the writer. Writers are
  serialized in-process (one server process owns the file), which avoids
  SQLITE_BUSY upgrades from deferred transactions.
- PostgreSQL (psycopg 3) serves any number of ostiary nodes.
- Every write runs in one transaction (`Store.write`): a failing call changes
  nothing. A committed write bumps `generation`, which every in-memory cache
  keys on, so this node sees its own writes at once.
- Writes also advance a counter row in the database (``meta.generation``), as
  their first statement: its row lock serializes write transactions across
  nodes, so a quota check and the insert it guards cannot interleave with another.
  `watch_changes` polls it, so writes by other nodes (PostgreSQL) or by the
  ``ostiary`` command (SQLite) reach this node's caches within a second
  (docs/design.md, "Caches and their invalidation").
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Text, cast, create_engine, event, insert, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry

from ostiary.secretbox import SecretBox
from ostiary.store.cache import GenerationCache
from ostiary.store.schema import meta
from ostiary.store.usage import UsageRecorder

log = logging.getLogger("ostiary.store")
_COUNTER = "generation"
# libpq's connect_timeout: "Maximum time to wait while connecting, in seconds" (PostgreSQL documentation,
# "Database Connection Control Functions", https://www.postgresql.org/docs/current/libpq-connect.html).
# Without it an address that drops packets holds the start-up for minutes.
CONNECT_TIMEOUT_SECONDS = 10


class DatabaseUnavailable(Exception):
    """The database cannot be opened: its driver is missing or the server cannot be reached (one line)."""


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
        self._seen_counter: int | None = None
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self.usage = UsageRecorder(self)
        self._caches: dict[str, GenerationCache[Any, Any]] = {}

    def cache(self, name: str) -> GenerationCache[Any, Any]:
        """The named in-memory cache of this store (created on first use), emptied by every write."""
        with self._generation_lock:
            found = self._caches.get(name)
            if found is None:
                found = self._caches[name] = GenerationCache(self)
            return found

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
                if not bookkeeping:
                    # First thing: the counter row's lock then orders every write transaction, across
                    # PostgreSQL nodes too, so read-check-insert sequences (quotas) cannot interleave.
                    _advance_counter(conn)
                yield conn
            if not bookkeeping:
                self.bump_generation()
        finally:
            if lock is not None:
                lock.release()

    def poll_changes(self) -> bool:
        """Bump the generation when another process wrote since the last poll; True if it did."""
        with self.engine.connect() as conn:
            counter = _read_counter(conn)
        changed = self._seen_counter is not None and counter != self._seen_counter
        self._seen_counter = counter
        if changed:
            self.bump_generation()
        return changed

    def watch_changes(self, interval: float = 0.5) -> None:
        """Poll for other processes' writes in a daemon thread until `close`."""
        self.poll_changes()

        def run() -> None:
            while not self._stop.wait(interval):
                self.usage.flush()
                try:
                    self.poll_changes()
                except Exception:  # the database is briefly unreachable: try again next time
                    log.warning("could not poll the database for changes", exc_info=True)

        self._watcher = threading.Thread(target=run, name="ostiary-store-watch", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        self.usage.flush()
        self.engine.dispose()


def _read_counter(conn: Connection) -> int:
    row = conn.execute(select(meta.c.value).where(meta.c.name == _COUNTER)).first()
    return int(row.value) if row is not None else 0


def _advance_counter(conn: Connection) -> None:
    updated = conn.execute(
        update(meta).where(meta.c.name == _COUNTER).values(value=cast(cast(meta.c.value, Integer) + 1, Text))
    )
    if not updated.rowcount:
        conn.execute(insert(meta).values(name=_COUNTER, value="1"))


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'ostiary.db'}"


def create_database_engine(url: str) -> Engine:
    """An engine for `url`; `postgresql://` URLs use psycopg 3 (the ``[postgres]`` extra).

    Raises `DatabaseUnavailable` when the URL cannot be used or psycopg cannot be imported. It connects
    to nothing: `describe_failure` turns a later connection error into one line.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable("the database URL cannot be parsed") from None  # it may hold a password
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite"):
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername != "postgresql+psycopg":
        raise DatabaseUnavailable(f"unsupported database URL scheme `{parsed.drivername}`: use postgresql://")
    _require_psycopg()
    return create_engine(
        parsed,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


def _require_psycopg() -> None:
    try:
        importlib.import_module("psycopg")
    except ImportError as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name == "psycopg":
            raise DatabaseUnavailable("PostgreSQL needs psycopg: pip install 'ostiary[postgres]'") from None
        # Installed, but it cannot load libpq ("no pq wrapper available"): the extra brings a binary build.
        reason = str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
        raise DatabaseUnavailable(f"psycopg cannot load ({reason}): pip install 'ostiary[postgres]'") from None


def shown_url(url: URL) -> str:
    """`url` without its password, for messages."""
    return url.set(drivername=url.drivername.split("+")[0]).render_as_string(hide_password=True)


# What comes before psycopg's reason: "connection failed: connection to server at "127.0.0.1", port 1
# failed: FATAL:  database "x" does not exist".
_PREFIXES = re.compile(r"^(?:connection failed: )?(?:connection to server (?:at|on) .*? failed: )?(?:FATAL: +)?")


def failure_reason(message: str) -> str:
    """The driver's reason in one line: 'connection refused', 'database "x" does not exist'."""
    first = message.strip().splitlines()[0].strip() if message.strip() else ""
    reason = _PREFIXES.sub("", first).rstrip(".") or first or "unknown error"
    return reason[:1].lower() + reason[1:]


def describe_failure(engine: Engine, error: DBAPIError) -> DatabaseUnavailable:
    """One line for a database that refused us: where it is (no password) and the driver's first reason."""
    reason = failure_reason(str(error.orig) if error.orig is not None else str(error))
    if engine.dialect.name == "sqlite":
        return DatabaseUnavailable(f"cannot open the SQLite database {engine.url.database}: {reason}")
    return DatabaseUnavailable(f"cannot connect to PostgreSQL at {shown_url(engine.url)}: {reason}")


def _sqlite_pragmas(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
