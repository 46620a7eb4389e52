"""Storage: accounts, principals, keys, policies, the key ring, buckets and objects.

SQLAlchemy Core over SQLite (embedded default) or PostgreSQL; see `database`.
"""

from ostiary.store.database import DatabaseUnavailable, Store, create_database_engine, describe_failure, sqlite_url

__all__ = ["DatabaseUnavailable", "Store", "create_database_engine", "describe_failure", "sqlite_url"]
