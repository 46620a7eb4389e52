"""Schema migrations with Alembic, run in-process at start-up.

PostgreSQL nodes starting together take an advisory lock, so exactly one of
them migrates and the others wait and find the schema at head. Start-up
(`ostiary.bootstrap.open_store`) checks the master key inside the same
transaction, under the same lock, before it migrates anything.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
_ADVISORY_LOCK_ID = 0x0517_A21  # any constant shared by all ostiary nodes


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def lock_for_migration(conn: Connection) -> None:
    """Serialize start-ups until `conn`'s transaction ends, and make the migration all or nothing.

    Call it first in the transaction. On SQLite it opens the transaction itself: pysqlite begins one only
    before INSERT, UPDATE, DELETE or REPLACE, so a migration's CREATE TABLEs would otherwise each commit on
    their own and a start cut short would leave half a schema ("sqlite3 — Transaction control",
    https://docs.python.org/3/library/sqlite3.html#sqlite3-transaction-control). BEGIN IMMEDIATE also takes
    the write lock at once, as the advisory lock does on PostgreSQL ("BEGIN TRANSACTION",
    https://www.sqlite.org/lang_transaction.html).
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        # pg_advisory_xact_lock: "obtains an exclusive transaction-level advisory lock, waiting if necessary"
        # (PostgreSQL documentation, "Advisory Lock Functions",
        # https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS).
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})


def upgrade_connection(conn: Connection) -> None:
    """Bring the database to the newest schema inside `conn`'s transaction (take `lock_for_migration` first)."""
    command.upgrade(alembic_config(conn), "head")


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema."""
    with engine.begin() as conn:
        lock_for_migration(conn)
        upgrade_connection(conn)
