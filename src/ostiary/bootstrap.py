"""First start and every start: the data directory, the master key, the database, the default account.

- The master key wraps every secret at rest. It comes from ``OSTIARY_MASTER_KEY``
  (base64, 32 bytes; every node of a PostgreSQL deployment needs the same one) or
  from ``<data dir>/master.key``, generated on first start with mode 0600. The
  database remembers the key's fingerprint, so a wrong key stops the server at
  start-up instead of failing every request later.
- The default account and its root access key come from ``OSTIARY_ACCOUNT_ID``,
  ``OSTIARY_ROOT_ACCESS_KEY_ID`` and ``OSTIARY_ROOT_SECRET_ACCESS_KEY``; what is
  not given is generated on first start, printed once and kept in
  ``<data dir>/credentials.env`` with mode 0600.
- A start that cannot succeed stops before it creates anything: the database is
  reached, the data directory written to and the master key checked against the
  database's fingerprint before a key file is written or the schema migrated.

Settings arrive as `ostiary.settings.Settings`; a plain environment mapping is
read through the same settings table.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError

from ostiary import ids
from ostiary.ids import Rng
from ostiary.model import KeyStatus
from ostiary.secretbox import MASTER_KEY_BYTES, SecretBox
from ostiary.settings import Settings
from ostiary.store import Store, create_database_engine, describe_failure, sqlite_url
from ostiary.store.migrate import lock_for_migration, upgrade_connection
from ostiary.store.objects import fsync_directory
from ostiary.store.principals import get_access_key, get_account, insert_access_key, insert_account
from ostiary.store.schema import access_keys, meta

_FINGERPRINT = "master_key_fingerprint"


class StartupError(Exception):
    """The server cannot start; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class RootCredentials:
    account_id: str
    access_key_id: str
    secret_access_key: str | None  # known only when generated now, given in the environment, or on disk
    created: bool


def os_reason(error: OSError) -> str:
    """The operating system's reason, as our messages write it: "address already in use"."""
    reason = error.strerror or str(error) or type(error).__name__
    return reason[:1].lower() + reason[1:]


def _write_private(path: Path, text: str) -> None:
    """Write `path` with mode 0600, atomically and durably: a temporary file, fsynced, renamed, and the
    directory fsynced, since rename(2) makes the new name atomic but not durable (see `fsync_directory`)."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_directory(path.parent)


def _decode_key(text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise StartupError(f"the master key in {origin} is not base64") from None
    if len(key) != MASTER_KEY_BYTES:
        raise StartupError(f"the master key in {origin} must be {MASTER_KEY_BYTES} bytes, base64-encoded")
    return key


def _prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory and prove it can be written, before anything goes into it."""
    try:
        if data_dir.exists() and not data_dir.is_dir():
            raise NotADirectoryError(0, "not a directory")
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as exc:
        raise StartupError(f"cannot use the data directory {data_dir}: {os_reason(exc)}") from None


def _stored_fingerprint(conn: Connection) -> str | None:
    if not inspect(conn).has_table(meta.name):
        return None
    row = conn.execute(select(meta.c.value).where(meta.c.name == _FINGERPRINT)).first()
    return None if row is None else str(row.value)


def _open_with_key(engine: Engine, data_dir: Path, given: bytes | None, rng: Rng) -> SecretBox:
    """Check the master key against the database's fingerprint, then migrate; one transaction, one lock."""
    path = data_dir / "master.key"
    with engine.begin() as conn:
        lock_for_migration(conn)
        stored = _stored_fingerprint(conn)
        generated = False
        if given is not None:
            key, origin = given, "OSTIARY_MASTER_KEY"
        elif path.exists():
            try:
                text = path.read_text().strip()
            except OSError as exc:
                raise StartupError(f"cannot read the master key in {path}: {os_reason(exc)}") from None
            key, origin = _decode_key(text, str(path)), str(path)
        elif stored is not None:
            raise StartupError(
                f"this database was created with a master key, and there is none in {path}: "
                "set OSTIARY_MASTER_KEY or restore master.key in the data directory"
            )
        else:
            key, origin, generated = rng(MASTER_KEY_BYTES), str(path), True
        box = SecretBox(key)
        if stored is not None and stored != box.fingerprint:
            raise StartupError(
                f"the master key in {origin} does not match the one this database was created with "
                "(set OSTIARY_MASTER_KEY or restore master.key in the data directory)"
            )
        if generated:
            # Kept before the database remembers its fingerprint: a key the database knows is never lost.
            _write_private(path, base64.b64encode(key).decode("ascii") + "\n")
        upgrade_connection(conn)
        if stored is None:
            conn.execute(insert(meta).values(name=_FINGERPRINT, value=box.fingerprint))
    return box


def open_store(data_dir: Path, database_url: str | None, settings: Settings, rng: Rng) -> Store:
    """Reach the database, prepare the data directory, check the master key, and migrate.

    A missing driver or an unreachable database (`DatabaseUnavailable`), a data directory that cannot be
    written or a wrong master key (`StartupError`) stop here with one line, having created nothing.
    """
    given = settings.master_key
    engine = create_database_engine(database_url or sqlite_url(data_dir))
    try:
        if engine.dialect.name != "sqlite":
            with engine.connect():  # reachable, before anything is created locally
                pass
        _prepare_data_dir(data_dir)
        box = _open_with_key(engine, data_dir, given, rng)
    except DBAPIError as exc:
        engine.dispose()
        raise describe_failure(engine, exc) from None
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, box, data_dir)


def create_account(
    store: Store,
    rng: Rng,
    now: dt.datetime,
    *,
    account_id: str | None = None,
    access_key_id: str | None = None,
    secret: str | None = None,
    default: bool = False,
) -> RootCredentials:
    """A new account with one root access key; `default` also records it as the server's default account."""
    account = account_id or ids.account_id(rng)
    key_id = access_key_id or ids.access_key_id(ids.LONG_TERM_KEY, account, rng)
    secret = secret or ids.secret_access_key(rng)
    with store.write() as conn:
        if get_account(conn, account) is not None:
            raise StartupError(f"account `{account}` already exists")
        if get_access_key(conn, key_id) is not None:
            raise StartupError(f"access key `{key_id}` already exists")
        insert_account(conn, account, now)
        insert_access_key(conn, store.box, rng, key_id=key_id, account_id=account, user_id=None, secret=secret, now=now)
        if default:
            conn.execute(insert(meta).values(name="default_account", value=account))
    return RootCredentials(account, key_id, secret, created=True)


def ensure_default_account(store: Store, settings: Settings, rng: Rng, now: dt.datetime) -> RootCredentials:
    """The default account and its root key, created on first start."""
    wanted_account = settings.account_id
    wanted_key = settings.root_access_key_id
    wanted_secret = settings.root_secret_access_key
    with store.read() as conn:
        row = conn.execute(select(meta.c.value).where(meta.c.name == "default_account")).first()
    if row is None:
        account = wanted_account or ids.account_id(rng)
        key_id = wanted_key or ids.access_key_id(ids.LONG_TERM_KEY, account, rng)
        secret = wanted_secret or ids.secret_access_key(rng)
        if wanted_secret is None:
            # Kept, durably, before the account is committed: a crash in between leaves a file the next start
            # replaces, never a committed root key whose only copy of the secret is lost.
            _write_private(store.data_dir / "credentials.env", _exports(RootCredentials(account, key_id, secret, True)))
        created = create_account(store, rng, now, account_id=account, access_key_id=key_id, secret=secret, default=True)
        if wanted_secret is not None:
            # The operator holds this secret already; it is never printed (stdout ends up in logs).
            return dataclasses.replace(created, secret_access_key=None)
        return created
    account = row.value
    if wanted_account is not None and wanted_account != account:
        raise StartupError(f"this data directory belongs to account {account}, not OSTIARY_ACCOUNT_ID={wanted_account}")
    if wanted_key is not None and wanted_secret is not None:
        _ensure_root_key(store, rng, now, account, wanted_key, wanted_secret)
        return RootCredentials(account, wanted_key, None, created=False)
    return _stored_credentials(store, account)


def default_account(store: Store) -> str:
    with store.read() as conn:
        row = conn.execute(select(meta.c.value).where(meta.c.name == "default_account")).first()
    if row is None:
        raise StartupError("this data directory has no default account yet: run `ostiary serve` once")
    return str(row.value)


def _ensure_root_key(store: Store, rng: Rng, now: dt.datetime, account: str, key_id: str, secret: str) -> None:
    with store.write() as conn:
        existing = get_access_key(conn, key_id, store.box)
        if existing is None:
            insert_access_key(
                conn, store.box, rng, key_id=key_id, account_id=account, user_id=None, secret=secret, now=now
            )
        elif existing.account_id != account or existing.user_id is not None:
            raise StartupError(f"access key `{key_id}` belongs to another principal")
        elif existing.secret != secret or existing.status is not KeyStatus.ACTIVE:
            conn.execute(
                update(access_keys)
                .where(access_keys.c.access_key_id == key_id)
                .values(
                    secret_ciphertext=store.box.seal(secret.encode(), f"access-key|{key_id}", rng),
                    status=KeyStatus.ACTIVE.value,
                )
            )


def _stored_credentials(store: Store, account: str) -> RootCredentials:
    path = store.data_dir / "credentials.env"
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            values[name.strip()] = value.strip()
    with store.read() as conn:
        keys = conn.execute(
            select(access_keys.c.access_key_id)
            .where(access_keys.c.account_id == account, access_keys.c.user_id.is_(None))
            .order_by(access_keys.c.created_at)
        ).all()
    key_id = values.get("AWS_ACCESS_KEY_ID") or (keys[0].access_key_id if keys else "")
    # The secret was printed once, when it was generated; it stays in the file, not in the output.
    return RootCredentials(account, key_id, None, created=False)


def _exports(credentials: RootCredentials) -> str:
    return (
        f"export AWS_ACCESS_KEY_ID={credentials.access_key_id}\n"
        f"export AWS_SECRET_ACCESS_KEY={credentials.secret_access_key}\n"
    )


def banner(credentials: RootCredentials, endpoint: str, data_dir: Path | None = None) -> str:
    """What `ostiary serve` prints: who the root is and how to point the AWS CLI at the server.

    The root secret appears only on the start that generated it; afterwards the banner points at the
    file that keeps it, and a secret given in the environment is never printed (logs keep stdout).
    """
    kept = data_dir / "credentials.env" if data_dir is not None else None
    lines = [
        f"ostiary is serving IAM, STS and S3 on {endpoint}",
        f"account {credentials.account_id}, root access key {credentials.access_key_id}",
        "",
        "point the AWS CLI and SDKs at it:",
        f"  export AWS_ENDPOINT_URL={endpoint}",
        "  export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1",
    ]
    if credentials.secret_access_key is not None:
        lines.append(f"  export AWS_ACCESS_KEY_ID={credentials.access_key_id}")
        lines.append(f"  export AWS_SECRET_ACCESS_KEY={credentials.secret_access_key}")
        if kept is not None and kept.exists():
            lines += ["", f"(shown once; the root credentials are kept in {kept}, mode 0600)"]
    elif kept is not None and kept.exists():
        lines.append(f"  . {kept}    # sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the root key")
    else:
        lines.append(f"  export AWS_ACCESS_KEY_ID={credentials.access_key_id}")
        lines.append("  export AWS_SECRET_ACCESS_KEY=<the root secret in OSTIARY_ROOT_SECRET_ACCESS_KEY>")
    return "\n".join(lines)
