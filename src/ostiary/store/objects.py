"""Buckets and objects: metadata rows in the database, bytes in files.

Theory of operation (docs/design.md, "The store"; crash safety):

- An object's bytes live in one file under ``<data dir>/objects/``, named at random
  (``ab/ab12…``); the ``objects`` row names that file in its ``blob`` column.
- A new file is written under ``objects/tmp/``, fsynced, renamed to its final name and the
  directory fsynced (`BlobWriter.commit`). Only then does one database transaction insert or
  replace the row. A crash before the commit leaves an unreferenced file, never a row that
  points at a missing one. `BlobStore.sweep_temporary` removes what a crash left in ``tmp/``.
  The shard folders (``00`` … ``ff``) are made and fsynced once per process (`BlobStore.prepare`),
  so no upload's durability rests on a directory another writer has just created.
- The file a replace or delete no longer references is removed only after the transaction
  committed (`BlobStore.remove`); a crash in between leaves an unreferenced file behind, which
  `ostiary.store.integrity.find_leftovers` finds. When the commit itself fails, whether it took
  effect is unknown (the connection may have dropped after the server committed): the new file
  is kept, so the worst case is again an unreferenced file, never a row without its file.
- Keys sort in UTF-8 binary order, which is code point order: SQLite's BINARY collation and
  PostgreSQL's "C" collation (see `schema.OBJECT_KEY`) agree with Python's `str` ordering, so
  listings page by plain ``key >= :start`` range scans on the primary key.

Functions take an open `Connection` (from `Store.read` or `Store.write`) so a handler composes
several in one transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Row, delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ostiary.ids import Rng
from ostiary.store.schema import buckets, objects

_TMP = "tmp"


# --- buckets -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BucketRecord:
    name: str
    account_id: str
    region: str
    created_at: dt.datetime
    policy: str | None = None
    # Principal ARN -> the unique ID it had when the policy was saved.
    policy_principal_ids: Mapping[str, str] = field(default_factory=dict)


def _bucket(row: Row[Any]) -> BucketRecord:
    return BucketRecord(
        name=row.name,
        account_id=row.account_id,
        region=row.region,
        created_at=row.created_at,
        policy=row.policy,
        policy_principal_ids=json.loads(row.policy_principal_ids or "{}"),
    )


def get_bucket(conn: Connection, name: str, *, lock: bool = False, share: bool = False) -> BucketRecord | None:
    """The bucket, or None. `lock` / `share` take a row lock on PostgreSQL (ignored by SQLite,
    whose writers are serialized anyway): DeleteBucket locks, object writes share."""
    query = select(buckets).where(buckets.c.name == name)
    if lock or share:
        query = query.with_for_update(read=share and not lock)
    row = conn.execute(query).first()
    return None if row is None else _bucket(row)


def insert_bucket(conn: Connection, record: BucketRecord) -> None:
    conn.execute(
        insert(buckets).values(
            name=record.name,
            account_id=record.account_id,
            region=record.region,
            created_at=record.created_at,
            policy=record.policy,
            policy_principal_ids=json.dumps(dict(record.policy_principal_ids), sort_keys=True)
            if record.policy is not None
            else None,
        )
    )


def list_buckets(
    conn: Connection, account_id: str, *, prefix: str = "", after: str = "", region: str | None = None
) -> list[BucketRecord]:
    """The account's buckets in name order, optionally only names starting with `prefix`, after `after`."""
    query = select(buckets).where(buckets.c.account_id == account_id)
    if prefix:
        query = query.where(func.substr(buckets.c.name, 1, len(prefix)) == prefix)
    if after:
        query = query.where(buckets.c.name > after)
    if region is not None:
        query = query.where(buckets.c.region == region)
    return [_bucket(r) for r in conn.execute(query.order_by(buckets.c.name))]


def bucket_is_empty(conn: Connection, name: str) -> bool:
    return not conn.execute(select(exists().where(objects.c.bucket == name))).scalar()


def delete_bucket(conn: Connection, name: str) -> None:
    conn.execute(delete(buckets).where(buckets.c.name == name))


def set_bucket_policy(conn: Connection, name: str, policy: str | None, principal_ids: Mapping[str, str]) -> None:
    """Store a policy exactly as sent (None deletes it) with the unique IDs of its principals."""
    conn.execute(
        update(buckets)
        .where(buckets.c.name == name)
        .values(
            policy=policy,
            policy_principal_ids=None if policy is None else json.dumps(dict(principal_ids), sort_keys=True),
        )
    )


# --- objects -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectRecord:
    bucket: str
    key: str
    size: int
    etag: str  # the hex digest, without quotes
    content_type: str | None
    last_modified: dt.datetime
    blob: str  # the file, relative to the object folder
    # The S3 layer's own JSON document: user metadata, stored headers, checksum.
    metadata: Mapping[str, Any] = field(default_factory=dict)


def _object(row: Row[Any]) -> ObjectRecord:
    return ObjectRecord(
        bucket=row.bucket,
        key=row.key,
        size=row.size,
        etag=row.etag,
        content_type=row.content_type,
        last_modified=row.last_modified,
        blob=row.blob,
        metadata=json.loads(row.metadata or "{}"),
    )


def get_object(conn: Connection, bucket: str, key: str, *, lock: bool = False) -> ObjectRecord | None:
    query = select(objects).where(objects.c.bucket == bucket, objects.c.key == key)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return None if row is None else _object(row)


def _values(record: ObjectRecord) -> dict[str, Any]:
    return {
        "size": record.size,
        "etag": record.etag,
        "content_type": record.content_type,
        "metadata": json.dumps(dict(record.metadata), sort_keys=True, separators=(",", ":")),
        "last_modified": record.last_modified,
        "blob": record.blob,
    }


def insert_object(conn: Connection, record: ObjectRecord) -> bool:
    """Insert the row unless one exists for the key (a concurrent writer may have just created it);
    whether it was inserted. On PostgreSQL this waits for a concurrent insert of the same key to end."""
    dialect_insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(objects)
        .values(bucket=record.bucket, key=record.key, **_values(record))
        .on_conflict_do_nothing(index_elements=["bucket", "key"])
    )
    return conn.execute(statement).rowcount == 1


def update_object(conn: Connection, record: ObjectRecord) -> None:
    """Replace the row of a key the caller read with ``lock=True`` in this transaction."""
    conn.execute(
        update(objects).where(objects.c.bucket == record.bucket, objects.c.key == record.key).values(**_values(record))
    )


def delete_object(conn: Connection, bucket: str, key: str) -> str | None:
    """Delete the row; the file it referenced (for removal after the commit), or None if there was none."""
    found = get_object(conn, bucket, key, lock=True)
    if found is None:
        return None
    conn.execute(delete(objects).where(objects.c.bucket == bucket, objects.c.key == key))
    return found.blob


def scan_objects(
    conn: Connection,
    bucket: str,
    *,
    start: str = "",
    after: str | None = None,
    prefix: str = "",
    limit: int,
    end: str | None = None,
) -> list[ObjectRecord]:
    """Up to `limit` objects in key order with ``start <= key``, ``after < key`` and ``key < end``
    that start with `prefix`."""
    query = select(objects).where(objects.c.bucket == bucket)
    if start:
        query = query.where(objects.c.key >= start)
    if after is not None:
        query = query.where(objects.c.key > after)
    if end is not None:
        query = query.where(objects.c.key < end)
    if prefix:
        query = query.where(func.substr(objects.c.key, 1, len(prefix)) == prefix)
    return [_object(r) for r in conn.execute(query.order_by(objects.c.key).limit(limit))]


# --- blobs ---------------------------------------------------------------------------------


def fsync_directory(path: Path) -> None:
    """Make the entries of a directory durable: a file created or renamed into it survives a power cut
    only once the directory itself is fsynced (POSIX fsync(2); Linux fsync(2): "Calling fsync() does
    not necessarily ensure that the entry in the directory containing the file has also reached disk.
    For that an explicit fsync() on a file descriptor for the directory is also needed.")."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_durable_directory(path: Path) -> None:
    """Create `path` and any missing parents, fsyncing each parent that gained an entry."""
    missing: list[Path] = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another writer, maybe not yet fsynced
            folder.mkdir(mode=0o700)
        fsync_directory(folder.parent)


# The object folder's 256 shard folders (``00`` … ``ff``), made once per process by `BlobStore.prepare`.
_SHARDS: Final = tuple(f"{n:02x}" for n in range(256))
_prepared: set[Path] = set()
_prepared_lock = threading.Lock()


class BlobWriter:
    """One new file: `write` the bytes, then `commit` (durable, under its final name) or `abort`."""

    def __init__(self, root: Path, name: str) -> None:
        self._root = root
        self.name = name
        self._tmp = root / _TMP / name.replace("/", "-")
        self._tmp.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb")
        self._done = False

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def commit(self) -> str:
        """Flush, fsync, rename into place and fsync the directory; the blob's name."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        final = self._root / self.name
        make_durable_directory(final.parent)
        os.replace(self._tmp, final)
        fsync_directory(final.parent)
        self._done = True
        return self.name

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self._tmp.unlink()


class BlobStore:
    """The object folder of a data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def of(cls, data_dir: Path) -> BlobStore:
        return cls(data_dir / "objects")

    def prepare(self) -> None:
        """Make the object folder and its shard folders durable, once per process. Afterwards an upload
        creates no directory, so no acknowledged upload depends on a directory entry that another
        writer created and has not fsynced yet."""
        with _prepared_lock:
            if self.root in _prepared:
                return
            make_durable_directory(self.root)
            for shard in _SHARDS:
                with contextlib.suppress(FileExistsError):
                    (self.root / shard).mkdir(mode=0o700)
            # Unconditionally: another process may have made these entries and not fsynced them yet.
            fsync_directory(self.root)
            fsync_directory(self.root.parent)
            _prepared.add(self.root)

    def new_writer(self, rng: Rng) -> BlobWriter:
        self.prepare()
        token = rng(16).hex()
        return BlobWriter(self.root, f"{token[:2]}/{token}")

    def path(self, name: str) -> Path:
        return self.root / name

    def remove(self, name: str) -> None:
        """Delete a file no row references any more (a missing file is not an error)."""
        with contextlib.suppress(FileNotFoundError):
            (self.root / name).unlink()

    def temporary_files(self) -> list[Path]:
        """The files in ``tmp/``: uploads in progress, or what interrupted ones left behind."""
        return list(_files(self.root / _TMP))

    def sweep_temporary(self) -> int:
        """Remove what interrupted writes left in ``tmp/``; call at start-up, before serving. The count removed."""
        removed = 0
        for path in self.temporary_files():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        return removed


def _files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from (p for p in folder.iterdir() if p.is_file())
