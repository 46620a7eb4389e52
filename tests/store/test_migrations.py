"""The Alembic migrations build exactly the schema in `ostiary.store.schema`, on both backends."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from ostiary.store import Store, create_database_engine, sqlite_url
from ostiary.store.migrate import upgrade
from ostiary.store.schema import metadata


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_sqlite_migration_matches_the_schema(tmp_path: Path) -> None:
    engine = create_database_engine(sqlite_url(tmp_path))
    upgrade(engine)
    upgrade(engine)  # a second run is a no-op
    assert _differences(engine) == []
    engine.dispose()


def test_postgres_migration_matches_the_schema(postgres_store: Store) -> None:
    assert _differences(postgres_store.engine) == []
