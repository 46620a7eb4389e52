"""The store's own integrity check: the database, and the object files against their rows.

Theory of operation:

- `check` returns damage: what a reader could trip over or a write could have lost. The database
  engine's own verdict (SQLite ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``, see
  https://www.sqlite.org/pragma.html#pragma_integrity_check; on PostgreSQL the durability settings,
  constraints left ``NOT VALID``, invalid indexes, data-checksum failures and, where the ``amcheck``
  extension is installed, ``bt_index_check``), then the references the schema cannot enforce
  (`_REFERENCE_CHECKS`), stored secrets that no longer open under the master key, and every object row
  against its file: present, of the recorded size, with the recorded MD5 (the ETag) and checksum.
- `find_leftovers` returns what interrupted writes leave behind, which is harmless: temporary files
  under ``objects/tmp/`` and object files no row references (a crash between a commit and the
  removal of the file the commit replaced or deleted, see `ostiary.store.objects`). `sweep` removes
  them. Only files older than `min_age` count: a PutObject in flight has renamed its file into
  place a moment before it commits the row that references it.
- The check may run next to a live server. Each reference check is one SQL statement, so it reads
  one snapshot; a row whose file seems missing or wrong is read again before it is reported,
  because a concurrent replace or delete may have removed the file after the first read.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Table, and_, func, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from ostiary.aws_managed import AWS_MANAGED_POLICIES
from ostiary.secretbox import SecretUnreadable
from ostiary.sigv4.checksums import Checksum, new_checksum
from ostiary.store.database import Store
from ostiary.store.keyring import _purpose as signing_key_purpose
from ostiary.store.objects import BlobStore, get_object
from ostiary.store.principals import get_access_key
from ostiary.store.schema import (
    access_keys,
    accounts,
    attachments,
    groups,
    inline_policies,
    managed_policies,
    meta,
    metadata,
    objects,
    policy_versions,
    roles,
    signing_keys,
    tags,
    users,
)

# `BlobStore.new_writer` names files ``ab/ab…`` after 16 random bytes in hex.
BLOB_NAME: Final = re.compile(r"([0-9a-f]{2})/\1[0-9a-f]{30}")
_READ_SIZE: Final = 1 << 20
# A PutObject renames its file into place a moment before it commits the row that references it, and a
# temporary file grows while its upload streams: younger files are not leftovers yet.
LEFTOVER_MIN_AGE: Final = 900.0


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # which check found it: database, foreign-key, durability, dangling, policy-version, secret, object
    subject: str  # where: a table row, an object, a setting
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Leftover:
    path: Path
    size: int
    reason: str  # ``temporary`` or ``unreferenced``


# --- the database engine's own checks ---------------------------------------------------------


def _sqlite_problems(conn: Connection) -> Iterator[Problem]:
    # "If the integrity_check pragma finds problems, strings are returned (as multiple rows with a
    # single column per row) which describe the problems." (https://www.sqlite.org/pragma.html)
    for (message,) in conn.exec_driver_sql("PRAGMA integrity_check").all():
        if message != "ok":
            yield Problem("database", "sqlite integrity_check", str(message))
    # One row per violation: table, rowid, parent table, foreign key index.
    for table, rowid, parent, _ in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
        yield Problem("foreign-key", f"{table} rowid {rowid}", f"references a missing row of {parent}")


# Settings whose value makes committed transactions losable in a crash of the database server
# (PostgreSQL documentation, "Write Ahead Log", https://www.postgresql.org/docs/current/runtime-config-wal.html:
# fsync "can result in unrecoverable data corruption" when off; with synchronous_commit off "there can be a
# delay between when success is reported to the client and when the transaction is really guaranteed to be
# safe against a server crash").
_PG_DURABILITY: Final = {"fsync": ("off",), "synchronous_commit": ("off",), "full_page_writes": ("off",)}


# Catalog queries over this schema's tables (PostgreSQL documentation, "System Catalogs": pg_constraint.convalidated,
# pg_index.indisvalid; https://www.postgresql.org/docs/current/catalogs.html).
_NOT_VALIDATED: Final = text(
    "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE NOT convalidated AND conrelid IN "
    "(SELECT oid FROM pg_class WHERE relname = ANY(:tables) AND relnamespace = current_schema()::regnamespace)"
)
_INVALID_INDEXES: Final = text(
    "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid AND indrelid IN "
    "(SELECT oid FROM pg_class WHERE relname = ANY(:tables) AND relnamespace = current_schema()::regnamespace)"
)
_BTREE_INDEXES: Final = text(
    "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' AND i.indrelid IN "
    "(SELECT oid FROM pg_class WHERE relname = ANY(:tables) AND relnamespace = current_schema()::regnamespace)"
)


def _postgres_problems(conn: Connection) -> Iterator[Problem]:
    for name, unsafe in _PG_DURABILITY.items():
        value = conn.exec_driver_sql(f"SHOW {name}").scalar()
        if value in unsafe:
            yield Problem("durability", f"postgresql {name}", f"is `{value}`: a crash can lose committed writes")
    ours = {"tables": list(metadata.tables)}
    for table, name in conn.execute(_NOT_VALIDATED, ours):
        yield Problem("constraint", f"{table} {name}", "is not validated (rows may violate it)")
    for (index,) in conn.execute(_INVALID_INDEXES, ours):
        yield Problem("index", index, "is invalid (an interrupted CREATE INDEX CONCURRENTLY?)")
    failures = conn.exec_driver_sql(
        "SELECT checksum_failures FROM pg_stat_database WHERE datname = current_database()"
    ).scalar()
    if failures:
        yield Problem("database", "postgresql data checksums", f"{failures} page checksum failures")
    # amcheck (PostgreSQL documentation, "amcheck", https://www.postgresql.org/docs/current/amcheck.html):
    # bt_index_check "tests that its target, a B-Tree index, respects a variety of invariants".
    if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'").first() is not None:
        for (index,) in conn.execute(_BTREE_INDEXES, ours).all():
            try:
                with conn.begin_nested():
                    conn.execute(text("SELECT bt_index_check(CAST(:index AS regclass))"), {"index": index})
            except Exception as exc:  # amcheck raises on the first corruption it finds
                yield Problem("index", index, f"amcheck: {str(exc).splitlines()[0]}")
    yield from _postgres_foreign_keys(conn)


def _postgres_foreign_keys(conn: Connection) -> Iterator[Problem]:
    """Rows whose foreign key finds no parent: impossible while the constraints are enforced, but a
    restore with triggers disabled (``session_replication_role = replica``) skips them."""
    for table in metadata.sorted_tables:
        for constraint in table.foreign_key_constraints:
            parent = constraint.referred_table
            pairs = [(element.parent, element.column) for element in constraint.elements]
            joined = table.outerjoin(parent, and_(*(child == referred for child, referred in pairs)))
            query = (
                select(*(child for child, _ in pairs))
                .select_from(joined)
                .where(*(child.is_not(None) for child, _ in pairs), pairs[0][1].is_(None))
                .limit(100)
            )
            for row in conn.execute(query):
                yield Problem("foreign-key", f"{table.name} {tuple(row)}", f"references a missing row of {parent.name}")


# --- references the schema does not enforce ---------------------------------------------------

# (table, id column) of each entity kind that attachments, inline policies and tags name.
_ENTITIES: Final[dict[str, tuple[Table, str]]] = {
    "user": (users, "user_id"),
    "group": (groups, "group_id"),
    "role": (roles, "role_id"),
    "policy": (managed_policies, "policy_id"),
}


def _dangling_entities(conn: Connection, table: Table, what: str) -> Iterator[Problem]:
    """Rows of `table` whose (entity_kind, entity_id) names no entity, or one in another account."""
    for kind, (entity_table, id_column) in _ENTITIES.items():
        entity_id = entity_table.c[id_column]
        condition: ColumnElement[bool] = entity_id.is_(None)
        if "account_id" in table.c:
            condition = or_(condition, entity_table.c.account_id != table.c.account_id)
        query = (
            select(table)
            .select_from(table.outerjoin(entity_table, entity_id == table.c.entity_id))
            .where(table.c.entity_kind == kind, condition)
        )
        for row in conn.execute(query):
            subject = f"{what} of {kind} {row.entity_id}"
            yield Problem("dangling", subject, "the entity is missing or in another account")


def _dangling_owners(conn: Connection) -> Iterator[Problem]:
    yield from _dangling_entities(conn, attachments, "policy attachment")
    yield from _dangling_entities(conn, inline_policies, "inline policy")
    yield from _dangling_entities(conn, tags, "tag")


def _dangling_policies(conn: Connection) -> Iterator[Problem]:
    """An attached policy is an AWS managed policy or a customer managed policy of the same account."""
    query = (
        select(attachments.c.entity_kind, attachments.c.entity_id, attachments.c.policy_arn)
        .select_from(
            attachments.outerjoin(
                managed_policies,
                and_(
                    managed_policies.c.arn == attachments.c.policy_arn,
                    managed_policies.c.account_id == attachments.c.account_id,
                ),
            )
        )
        .where(managed_policies.c.policy_id.is_(None))
    )
    for row in conn.execute(query):
        if row.policy_arn not in AWS_MANAGED_POLICIES:
            subject = f"attachment of {row.entity_kind} {row.entity_id}"
            yield Problem("dangling", subject, f"{row.policy_arn} is missing")


def _dangling_boundaries(conn: Connection) -> Iterator[Problem]:
    """So is a permissions boundary (DeletePolicy refuses while one uses it)."""
    for entity in (users, roles):
        query = (
            select(entity.c.name, entity.c.boundary_arn)
            .select_from(
                entity.outerjoin(
                    managed_policies,
                    and_(
                        managed_policies.c.arn == entity.c.boundary_arn,
                        managed_policies.c.account_id == entity.c.account_id,
                    ),
                )
            )
            .where(entity.c.boundary_arn.is_not(None), managed_policies.c.policy_id.is_(None))
        )
        for row in conn.execute(query):
            if row.boundary_arn not in AWS_MANAGED_POLICIES:
                yield Problem("dangling", f"boundary of {entity.name} {row.name}", f"{row.boundary_arn} is missing")


def _missing_default_versions(conn: Connection) -> Iterator[Problem]:
    query = (
        select(managed_policies.c.arn, managed_policies.c.default_version)
        .select_from(
            managed_policies.outerjoin(
                policy_versions,
                and_(
                    policy_versions.c.policy_id == managed_policies.c.policy_id,
                    policy_versions.c.version_id == managed_policies.c.default_version,
                ),
            )
        )
        .where(policy_versions.c.policy_id.is_(None))
    )
    for row in conn.execute(query):
        yield Problem("policy-version", row.arn, f"the default version {row.default_version} is missing")


def _version_numbers(conn: Connection) -> Iterator[Problem]:
    """Versions are numbered ``v1``, ``v2``, … below ``next_version`` (numbers are never reused)."""
    query = select(managed_policies.c.arn, managed_policies.c.next_version, policy_versions.c.version_id).join(
        policy_versions, policy_versions.c.policy_id == managed_policies.c.policy_id
    )
    for row in conn.execute(query):
        number = row.version_id[1:]
        if not (row.version_id.startswith("v") and number.isascii() and number.isdigit()):
            yield Problem("policy-version", row.arn, f"version id `{row.version_id}` is malformed")
        elif int(number) >= row.next_version:
            yield Problem("policy-version", row.arn, f"{row.version_id} is not below next_version {row.next_version}")


def _key_accounts(conn: Connection) -> Iterator[Problem]:
    """A user's access key belongs to the user's account."""
    query = (
        select(access_keys.c.access_key_id)
        .join(users, users.c.user_id == access_keys.c.user_id)
        .where(users.c.account_id != access_keys.c.account_id)
    )
    for row in conn.execute(query):
        yield Problem("dangling", f"access key {row.access_key_id}", "belongs to a user of another account")


def _meta(conn: Connection) -> Iterator[Problem]:
    """The default account exists, and the write counter is a number."""
    found = {str(row.name): str(row.value) for row in conn.execute(select(meta.c.name, meta.c.value))}
    account = found.get("default_account")
    if account is not None:
        query = select(accounts.c.account_id).where(accounts.c.account_id == account)
        if conn.execute(query).first() is None:
            yield Problem("dangling", "meta default_account", f"account {account} is missing")
    generation = found.get("generation", "0")
    if not (generation.isascii() and generation.isdigit()):
        yield Problem("meta", "meta generation", f"`{generation}` is not a number")


# Each reads the database in single statements, so each sees one snapshot even next to a live server.
_REFERENCE_CHECKS: Final = (
    _dangling_owners,
    _dangling_policies,
    _dangling_boundaries,
    _missing_default_versions,
    _version_numbers,
    _key_accounts,
    _meta,
)


def _secret_problems(store: Store, conn: Connection) -> Iterator[Problem]:
    """Every sealed secret opens under the master key (access keys, the session-token key ring)."""
    for (key_id,) in conn.execute(select(access_keys.c.access_key_id)):
        try:
            get_access_key(conn, key_id, store.box)
        except SecretUnreadable:
            yield Problem("secret", f"access key {key_id}", "its secret does not open under the master key")
    current = 0
    for row in conn.execute(select(signing_keys)):
        current += row.retired_at is None
        try:
            store.box.open(row.wrapped, signing_key_purpose(row.key_id))
        except SecretUnreadable:
            yield Problem("secret", f"signing key {row.key_id}", "it does not open under the master key")
    if current > 1:
        yield Problem("secret", "signing keys", f"{current} keys are current; at most one may be")


# --- objects against their files ----------------------------------------------------------------


def _checksum(algorithm: str) -> Checksum | None:
    try:
        return new_checksum(f"x-amz-checksum-{algorithm.lower()}")
    except KeyError:
        pass
    if algorithm.lower() in ("sha512", "md5"):
        return hashlib.new(algorithm.lower())
    return None


def _file_problem(path: Path, size: int, etag: str, document: dict[str, Any], digests: bool) -> str | None:
    """What is wrong with the file of an object row, or None."""
    try:
        found = path.stat().st_size
    except FileNotFoundError:
        return "its file is missing"
    if found != size:
        return f"its file has {found} bytes, the row says {size}"
    if not digests:
        return None
    md5 = hashlib.md5(usedforsecurity=False)
    stored = document.get("checksum")
    algorithm = str(stored["algorithm"]) if isinstance(stored, dict) else ""
    checksum = _checksum(algorithm) if algorithm else None
    with path.open("rb") as handle:
        while chunk := handle.read(_READ_SIZE):
            md5.update(chunk)
            if checksum is not None:
                checksum.update(chunk)
    # A single-part ETag is the MD5 of the bytes; a multipart ETag ("<hex>-<parts>") is not.
    if re.fullmatch(r"[0-9a-f]{32}", etag) and md5.hexdigest() != etag:
        return f"its bytes have MD5 {md5.hexdigest()}, the ETag is {etag}"
    if checksum is not None and isinstance(stored, dict):
        value = base64.b64encode(checksum.digest()).decode("ascii")
        if value != stored.get("value"):
            return f"its bytes have {algorithm} {value}, the row says {stored.get('value')}"
    return None


def _object_problems(store: Store, blobs: BlobStore, digests: bool) -> Iterator[Problem]:
    owners: dict[str, tuple[str, str]] = {}
    with store.read() as conn:
        rows = conn.execute(select(objects).order_by(objects.c.bucket, objects.c.key)).all()
    for row in rows:
        subject = f"object {row.bucket}/{row.key}"
        if not BLOB_NAME.fullmatch(row.blob):
            yield Problem("object", subject, f"its file name `{row.blob}` is not one the store makes")
            continue
        other = owners.setdefault(row.blob, (row.bucket, row.key))
        if other != (row.bucket, row.key):
            yield Problem("object", subject, f"shares its file with {other[0]}/{other[1]}")
        try:
            document = json.loads(row.metadata or "{}")
        except ValueError:
            yield Problem("object", subject, "its metadata is not JSON")
            document = {}
        found = _file_problem(blobs.path(row.blob), row.size, row.etag, document, digests)
        if found is None:
            continue
        with store.read() as conn:  # a replace or delete may have removed the file since the first read
            again = get_object(conn, row.bucket, row.key)
        if again is not None and again.blob == row.blob:
            yield Problem("object", subject, found)


def check(store: Store, *, digests: bool = True) -> list[Problem]:
    """Everything wrong with the store; an empty list when it is whole. `digests` reads every object
    file to compare its MD5 and checksum with the row (otherwise only presence and size)."""
    problems: list[Problem] = []
    with store.read() as conn:
        if store.is_sqlite:
            problems += _sqlite_problems(conn)
        else:
            problems += _postgres_problems(conn)
        for reference_check in _REFERENCE_CHECKS:
            problems += reference_check(conn)
        problems += _secret_problems(store, conn)
    problems += _object_problems(store, BlobStore.of(store.data_dir), digests)
    return problems


# --- leftovers ------------------------------------------------------------------------------------


def _object_files(blobs: BlobStore) -> Iterator[Path]:
    if not blobs.root.is_dir():
        return
    for folder in blobs.root.iterdir():
        if folder.is_dir() and re.fullmatch(r"[0-9a-f]{2}", folder.name):
            yield from (p for p in folder.iterdir() if BLOB_NAME.fullmatch(f"{folder.name}/{p.name}"))


def find_leftovers(store: Store, *, now: float, min_age: float) -> list[Leftover]:
    """Temporary and unreferenced object files last written before ``now - min_age`` (POSIX seconds)."""
    blobs = BlobStore.of(store.data_dir)
    candidates: list[tuple[Path, str]] = [(p, "temporary") for p in blobs.temporary_files()]
    candidates += [(p, "unreferenced") for p in _object_files(blobs)]
    # Files first, rows second: a file renamed into place before the listing has its row by now,
    # unless its PutObject is still waiting to commit (which `min_age` covers).
    with store.read() as conn:
        referenced = set(conn.execute(select(objects.c.blob)).scalars())
    found: list[Leftover] = []
    for path, reason in candidates:
        if reason == "unreferenced" and f"{path.parent.name}/{path.name}" in referenced:
            continue
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        if status.st_mtime <= now - min_age:
            found.append(Leftover(path, status.st_size, reason))
    return found


def sweep(leftovers: list[Leftover]) -> int:
    """Remove the leftovers `find_leftovers` found; the number removed."""
    removed = 0
    for leftover in leftovers:
        try:
            leftover.path.unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed


def counts(store: Store) -> dict[str, int]:
    """How much the check looked at: rows per table."""
    with store.read() as conn:
        return {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in metadata.sorted_tables
        }
