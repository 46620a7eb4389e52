"""Schema migrations with Alembic, run in-process at start-up.

PostgreSQL nodes starting together take an advisory lock, so exactly one of
them migrates and the others wait and find the schema at head.
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


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
        command.upgrade(alembic_config(conn), "head")
