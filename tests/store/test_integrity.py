"""The store's integrity check (`ostiary.store.integrity`) and `ostiary check`, on each backend.

A store is populated through the real pipeline (IAM and S3 requests), then damaged one way per case;
the check must name exactly that damage, and find nothing in the undamaged store.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import delete, select, update

from ostiary.http import FileBody
from ostiary.store import integrity
from ostiary.store.objects import BlobStore
from ostiary.store.schema import (
    access_keys,
    attachments,
    managed_policies,
    meta,
    objects,
    policy_versions,
    signing_keys,
    tags,
    users,
)
from tests.support import ROOT_ACCOUNT, InProcess, fresh_postgres_database, settings_from

DATA = b"the quick brown fox\n" * 100
POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'


class Populated(InProcess):
    """An `InProcess` server on SQLite or PostgreSQL, with users, keys, policies and objects."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        super().__init__(data_dir, database_url)
        self.keyring.current(self.now)

    def iam(self, action: str, **params: str) -> None:
        status, body = self.query("iam", {"Action": action, "Version": "2010-05-08", **params})
        assert status == 200, (action, status, body)

    def populate(self) -> None:
        self.iam("CreateUser", UserName="alice", **{"Tags.member.1.Key": "team", "Tags.member.1.Value": "blue"})
        self.iam("CreateAccessKey", UserName="alice")
        self.iam("CreatePolicy", PolicyName="read", PolicyDocument=POLICY)
        arn = f"arn:aws:iam::{ROOT_ACCOUNT}:policy/read"
        self.iam("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=POLICY, SetAsDefault="true")
        self.iam("AttachUserPolicy", UserName="alice", PolicyArn=arn)
        self.iam("AttachUserPolicy", UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        self.iam("PutUserPolicy", UserName="alice", PolicyName="inline", PolicyDocument=POLICY)
        assert self.s3("PUT", "/bkt").status == 200
        sha = base64.b64encode(hashlib.sha256(DATA).digest()).decode()
        assert self.s3("PUT", "/bkt/plain", body=DATA).status == 200
        assert self.s3("PUT", "/bkt/summed", headers=(("x-amz-checksum-sha256", sha),), body=DATA).status == 200
        assert self.s3("PUT", "/bkt/empty").status == 200

    def blob(self, key: str) -> Path:
        with self.store.read() as conn:
            name = conn.execute(select(objects.c.blob).where(objects.c.key == key)).scalar_one()
        return BlobStore.of(self.store.data_dir).path(name)

    def sql(self, statement: object) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(statement)  # type: ignore[call-overload]


@dataclass
class Backend:
    name: str
    url: Callable[[], tuple[str | None, Callable[[], None]]]


def _sqlite() -> tuple[str | None, Callable[[], None]]:
    return None, lambda: None


def _postgres() -> tuple[str | None, Callable[[], None]]:
    base = os.environ.get("OSTIARY_TEST_DATABASE_URL")
    if not base:
        pytest.skip("OSTIARY_TEST_DATABASE_URL is not set: the PostgreSQL integrity tests need a server")
    return fresh_postgres_database(base)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def populated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Populated]:
    url, drop = _sqlite() if request.param == "sqlite" else _postgres()
    running = Populated(tmp_path / "state", url)
    running.populate()
    yield running
    running.close()
    drop()


def kinds(found: list[integrity.Problem]) -> list[tuple[str, str]]:
    return [(problem.kind, problem.subject) for problem in found]


def test_a_whole_store_has_no_problems(populated: Populated) -> None:
    assert integrity.check(populated.store) == []
    assert integrity.check(populated.store, digests=False) == []
    assert integrity.find_leftovers(populated.store, now=2e9, min_age=0) == []
    counted = integrity.counts(populated.store)
    assert (counted["objects"], counted["users"], counted["policy_versions"]) == (3, 1, 2)


# --- one kind of damage per case -----------------------------------------------------------------------


def _flip_byte(p: Populated) -> None:
    path = p.blob("plain")
    data = bytearray(path.read_bytes())
    data[7] ^= 0x01
    path.write_bytes(bytes(data))


def _wrong_checksum(p: Populated) -> None:
    # Same MD5 (the ETag) and size, but the stored SHA-256 is of other bytes.
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    p.sql(
        update(objects)
        .where(objects.c.key == "summed")
        .values(metadata=f'{{"checksum":{{"algorithm":"SHA256","value":"{wrong}"}},"headers":{{}},"user":{{}}}}')
    )


def _shared_blob(p: Populated) -> None:
    p.sql(
        update(objects)
        .where(objects.c.key == "summed")
        .values(blob=p.blob("plain").relative_to(p.blob("plain").parents[1]).as_posix())
    )


def _user_id(p: Populated) -> str:
    with p.store.read() as conn:
        return str(conn.execute(select(users.c.user_id).where(users.c.name == "alice")).scalar_one())


def _policy_id(p: Populated) -> str:
    with p.store.read() as conn:
        return str(conn.execute(select(managed_policies.c.policy_id)).scalar_one())


def _corrupt_secret(p: Populated) -> None:
    p.sql(update(access_keys).where(access_keys.c.user_id.is_not(None)).values(secret_ciphertext=bytes(40)))


# name -> (damage, (kind, words in the subject), words in the detail)
DAMAGE: dict[str, tuple[Callable[[Populated], None], tuple[str, str], str]] = {
    "file removed": (lambda p: p.blob("plain").unlink(), ("object", "bkt/plain"), "its file is missing"),
    "file truncated": (
        lambda p: p.blob("plain").write_bytes(DATA[:10]),
        ("object", "bkt/plain"),
        f"its file has 10 bytes, the row says {len(DATA)}",
    ),
    "byte flipped": (_flip_byte, ("object", "bkt/plain"), "its bytes have MD5"),
    "checksum differs": (_wrong_checksum, ("object", "bkt/summed"), "its bytes have SHA256"),
    "blob name outside the store": (
        lambda p: p.sql(update(objects).where(objects.c.key == "plain").values(blob="../../ostiary.db")),
        ("object", "bkt/plain"),
        "is not one the store makes",
    ),
    "two rows share a file": (_shared_blob, ("object", "bkt/summed"), "shares its file with bkt/plain"),
    "attachment without its user": (
        lambda p: p.sql(
            update(attachments).where(attachments.c.policy_arn.endswith("/ReadOnlyAccess")).values(entity_id="AIDAGONE")
        ),
        ("dangling", "policy attachment of user AIDAGONE"),
        "the entity is missing",
    ),
    "attachment without its policy": (
        lambda p: p.sql(delete(managed_policies).where(managed_policies.c.policy_id == _policy_id(p))),
        ("dangling", "attachment of user"),
        f"arn:aws:iam::{ROOT_ACCOUNT}:policy/read is missing",
    ),
    "tag without its user": (
        lambda p: p.sql(update(tags).values(entity_id="AIDAGONE")),
        ("dangling", "tag of user AIDAGONE"),
        "the entity is missing",
    ),
    "default version missing": (
        lambda p: p.sql(delete(policy_versions).where(policy_versions.c.version_id == "v2")),
        ("policy-version", "policy/read"),
        "the default version v2 is missing",
    ),
    "version number reused": (
        lambda p: p.sql(update(managed_policies).values(next_version=2)),
        ("policy-version", "policy/read"),
        "v2 is not below next_version 2",
    ),
    "secret unreadable": (_corrupt_secret, ("secret", "access key AKIA"), "does not open"),
    "signing key unreadable": (
        lambda p: p.sql(update(signing_keys).values(wrapped=bytes(60))),
        ("secret", "signing key"),
        "does not open",
    ),
    "default account missing": (
        lambda p: p.sql(update(meta).where(meta.c.name == "default_account").values(value="999999999999")),
        ("dangling", "meta default_account"),
        "account 999999999999 is missing",
    ),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_damage_is_found(populated: Populated, case: str) -> None:
    damage, (kind, subject), detail = DAMAGE[case]
    damage(populated)
    found = integrity.check(populated.store)
    assert len(found) == 1, found
    assert found[0].kind == kind and subject in found[0].subject and detail in found[0].detail, found[0]


def test_quick_checks_sizes_not_digests(populated: Populated) -> None:
    _flip_byte(populated)
    assert integrity.check(populated.store, digests=False) == []
    populated.blob("plain").unlink()
    assert kinds(integrity.check(populated.store, digests=False)) == [("object", "object bkt/plain")]


def test_sqlite_foreign_keys_and_pages(tmp_path: Path) -> None:
    populated = Populated(tmp_path / "state", None)
    populated.populate()
    user_id = _user_id(populated)
    with sqlite3.connect(populated.store.data_dir / "ostiary.db") as db:  # foreign_keys is off by default
        db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
    found = kinds(integrity.check(populated.store))
    assert ("foreign-key", "access_keys rowid 2") in found
    assert ("dangling", f"policy attachment of user {user_id}") in found
    populated.close()


def test_a_row_rewritten_meanwhile_is_not_reported(populated: Populated) -> None:
    # The first read sees the old row; by the time its file is found missing, the row names a new file.
    old = populated.blob("plain")
    old.unlink()
    real = integrity.get_object

    def newer(*args: object, **kwargs: object) -> object:
        assert populated.s3("PUT", "/bkt/plain", body=b"new").status == 200
        return real(*args, **kwargs)  # type: ignore[arg-type]

    with mock.patch.object(integrity, "get_object", newer):
        assert integrity.check(populated.store) == []


# --- leftovers -------------------------------------------------------------------------------------------


def test_leftovers_are_found_by_age_and_swept(populated: Populated) -> None:
    blobs = BlobStore.of(populated.store.data_dir)
    temporary = blobs.root / "tmp" / "ab-ab00"
    temporary.parent.mkdir(exist_ok=True)
    temporary.write_bytes(b"partial")
    orphan = blobs.root / "cd" / ("cd" + "0" * 30)
    orphan.write_bytes(b"unreferenced")
    os.utime(temporary, (1000, 1000))
    os.utime(orphan, (2000, 2000))
    referenced = populated.blob("plain")
    os.utime(referenced, (1000, 1000))

    assert integrity.find_leftovers(populated.store, now=2000, min_age=1000) == [
        integrity.Leftover(temporary, 7, "temporary")
    ]
    found = integrity.find_leftovers(populated.store, now=3000, min_age=1000)
    assert sorted((f.path, f.reason) for f in found) == [(orphan, "unreferenced"), (temporary, "temporary")]
    assert integrity.check(populated.store) == []  # leftovers are no damage
    assert integrity.sweep(found) == 2
    assert not temporary.exists() and not orphan.exists() and referenced.exists()
    assert integrity.find_leftovers(populated.store, now=3000, min_age=0) == []


# --- crash-safety fixes the check guards -----------------------------------------------------------------


def test_a_failure_after_commit_keeps_the_new_file(populated: Populated) -> None:
    # Whether a COMMIT that raised took effect is unknown; here it did (a listener fails after it).
    # Removing the new file then would leave a row that names a missing file.
    def fail() -> None:
        raise RuntimeError("after commit")

    populated.store.on_change(fail)
    response = populated.s3("PUT", "/bkt/plain", body=b"replaced")
    assert response.status == 500
    populated.store._listeners.remove(fail)
    assert integrity.check(populated.store) == []
    got = populated.s3("GET", "/bkt/plain")
    assert got.status == 200
    assert isinstance(got.body, FileBody) and got.body.handle is not None
    with got.body.handle as handle:
        assert handle.read() == b"replaced"


def test_shard_folders_are_durable_before_any_upload(tmp_path: Path) -> None:
    # An upload must not create a directory whose entry in its parent is not yet fsynced.
    blobs = BlobStore(tmp_path / "data" / "objects")
    (tmp_path / "data").mkdir()
    synced: list[Path] = []
    with mock.patch("ostiary.store.objects.fsync_directory", side_effect=synced.append):
        writer = blobs.new_writer(lambda n: bytes(range(n)))
        assert synced[:3] == [tmp_path / "data", blobs.root, tmp_path / "data"]
        assert sorted(p.name for p in blobs.root.iterdir() if p.name != "tmp") == [f"{n:02x}" for n in range(256)]
        synced.clear()
        writer.write(b"bytes")
        name = writer.commit()
    assert synced == [blobs.path(name).parent]
    assert blobs.path(name).read_bytes() == b"bytes"


class SimulatedCrash(Exception):
    pass


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_first_start_cut_short_in_its_migration_can_start_again(backend: str, tmp_path: Path) -> None:
    # A kill during the first start's migration (seen by the crash test's start-up kills) is simulated
    # deterministically: the migration fails after its third CREATE TABLE.
    from sqlalchemy import event, inspect

    from ostiary.store import create_database_engine, sqlite_url
    from ostiary.store.migrate import upgrade

    url, drop = _sqlite() if backend == "sqlite" else _postgres()
    engine = create_database_engine(url or sqlite_url(tmp_path))
    created: list[str] = []

    def crash(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("CREATE TABLE"):
            created.append(statement)
            if len(created) == 3:
                raise SimulatedCrash()

    event.listen(engine, "after_cursor_execute", crash)
    try:
        with pytest.raises(SimulatedCrash):
            upgrade(engine)
        event.remove(engine, "after_cursor_execute", crash)
        assert inspect(engine).get_table_names() == []  # all or nothing
        upgrade(engine)
    finally:
        engine.dispose()
        drop()


def test_generated_root_credentials_survive_a_crash_right_after_the_account_is_committed(tmp_path: Path) -> None:
    from ostiary import bootstrap
    from ostiary.store.principals import get_access_key

    store = bootstrap.open_store(tmp_path / "state", None, settings_from({}), os.urandom)
    real = bootstrap._write_private

    def crash(path: Path, text: str) -> None:
        if path.name == "credentials.env":
            raise SimulatedCrash()
        real(path, text)

    try:
        with mock.patch.object(bootstrap, "_write_private", crash), pytest.raises(SimulatedCrash):
            bootstrap.ensure_default_account(store, settings_from({}), os.urandom, InProcess.START)
        bootstrap.ensure_default_account(store, settings_from({}), os.urandom, InProcess.START)  # the next start
        kept = store.data_dir / "credentials.env"
        assert kept.exists(), "the root secret was generated, committed and never kept"
        values = dict(line.removeprefix("export ").split("=", 1) for line in kept.read_text().splitlines())
        with store.read() as conn:
            key = get_access_key(conn, values["AWS_ACCESS_KEY_ID"], store.box)
        assert key is not None and key.secret == values["AWS_SECRET_ACCESS_KEY"]
    finally:
        store.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="not applicable: names fsynced descriptors via /proc")
def test_files_written_at_first_start_are_durable_in_their_directory(tmp_path: Path) -> None:
    from ostiary import bootstrap

    synced: list[str] = []
    real = os.fsync

    def record(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    data_dir = tmp_path / "state"
    with mock.patch("os.fsync", record):
        store = bootstrap.open_store(data_dir, None, settings_from({}), os.urandom)
        try:
            bootstrap.ensure_default_account(store, settings_from({}), os.urandom, InProcess.START)
        finally:
            store.close()
    # POSIX rename(2) makes the new name atomic, not durable: that takes an fsync of the directory.
    written = [str(data_dir / "master.key"), str(data_dir / "credentials.env")]
    assert all(any(name.startswith(f"{path}.") or name == path for name in synced) for path in written), synced
    assert synced.count(str(data_dir)) >= 2, synced


# --- the command -----------------------------------------------------------------------------------------


def _command(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """``ostiary check ARGS`` as `ostiary.cli.main` runs it once registered: parse, settings, run."""
    import argparse

    from ostiary.bootstrap import StartupError
    from ostiary.cli import check
    from ostiary.settings import Settings

    parser = argparse.ArgumentParser(prog="ostiary")
    check.register(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args(["check", *args])
    capsys.readouterr()
    try:
        status = parsed.run(Settings.from_sources(vars(parsed), {}), parsed)
    except StartupError as exc:  # main prints these as one line and exits 2
        print(f"ostiary: {exc}")
        status = 2
    return status, capsys.readouterr().out.splitlines()


def test_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "state"
    assert _command(capsys, "--data-dir", str(data_dir)) == (
        2,
        [f"ostiary: no database in `{data_dir}`: nothing to check"],
    )

    populated = Populated(data_dir, None)
    populated.populate()
    path = populated.blob("plain")
    orphan = path.parent / (path.parent.name + "f" * 30)
    orphan.write_bytes(b"x")
    populated.close()

    assert _command(capsys, "--data-dir", str(data_dir), "--min-age", "0") == (
        0,
        [
            f"leftover: unreferenced: {orphan} (1 bytes)",
            "checked 3 objects, 2 access keys, 1 users, 0 roles, 1 managed policies",
            "1 leftover files (1 bytes): `ostiary check --sweep` removes them",
            "no problems",
        ],
    )
    assert _command(capsys, "--data-dir", str(data_dir), "--quick")[0] == 0  # the orphan is too young to list
    status, lines = _command(capsys, "--data-dir", str(data_dir), "--sweep", "--min-age", "0")
    assert status == 0 and "removed 1 leftover files (1 bytes)" in lines and not orphan.exists()

    path.unlink()
    status, lines = _command(capsys, "--data-dir", str(data_dir))
    assert status == 1
    assert lines[0] == "problem: object: object bkt/plain: its file is missing"
    assert lines[-1] == "1 problems"


@pytest.mark.parametrize("populated", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_postgres_durability_settings_are_checked(populated: Populated) -> None:
    engine = populated.store.engine
    with engine.connect() as conn:
        name = conn.exec_driver_sql("SELECT current_database()").scalar()
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        conn.commit()
    engine.dispose()  # new connections take the database's setting
    assert kinds(integrity.check(populated.store)) == [("durability", "postgresql synchronous_commit")]
