"""Storage: accounts, principals, keys, policies, the key ring, buckets and objects.

SQLAlchemy Core over SQLite (embedded default) or PostgreSQL; see `database`.
"""

from ostiary.store.database import Store, create_database_engine, sqlite_url

__all__ = ["Store", "create_database_engine", "sqlite_url"]
