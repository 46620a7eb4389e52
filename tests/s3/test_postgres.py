"""The S3 layer on PostgreSQL (when OSTIARY_TEST_DATABASE_URL is set): key order, row locks, replaces.

The database is created with an ICU English collation as its default, so listings only come out
in UTF-8 binary order because the key column uses the "C" collation (`schema.OBJECT_KEY`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from ostiary import errors
from ostiary.secretbox import SecretBox
from ostiary.store import Store, create_database_engine
from ostiary.store.schema import accounts, metadata
from tests.s3.conftest import ACCOUNT, NOW, OTHER_ACCOUNT, OTHER_ROOT, CountingRng, S3Client, body_bytes, object_files
from tests.s3.support import parse

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    base = os.environ.get("OSTIARY_TEST_DATABASE_URL")
    if not base:
        pytest.skip("OSTIARY_TEST_DATABASE_URL is not set: the PostgreSQL S3 tests need a server")
    import secrets

    import psycopg
    from sqlalchemy.engine import make_url

    name = f"ostiary_s3_{secrets.token_hex(6)}"
    admin = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        collation = conn.execute("SELECT 1 FROM pg_collation WHERE collname = 'en-US-x-icu'").fetchone()
        if collation is not None:
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'")
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_client(database_url: str, tmp_path: Path) -> Iterator[S3Client]:
    engine = create_database_engine(database_url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        for account in (ACCOUNT, OTHER_ACCOUNT):
            conn.execute(insert(accounts).values(account_id=account, created_at=NOW))
    store = Store(engine, SecretBox(bytes(32)), tmp_path)
    yield S3Client(store, CountingRng())
    store.close()


def test_keys_list_in_utf8_binary_order(pg_client: S3Client) -> None:
    pg_client.create_bucket("bkt")
    keys = ["b", "B", "a", "A", "_x", "a-b", "a/b", "é", "z", "😀", "Z", "ab", "a b"]
    for key in keys:
        pg_client.put("bkt", key, b"x")
    listed = parse("ListObjectsV2", pg_client.request("GET", "/bkt", query="list-type=2"))
    assert [c["Key"] for c in listed["Contents"]] == sorted(keys, key=lambda k: k.encode("utf-8"))
    pages: list[str] = []
    token = ""
    while True:
        query = "list-type=2&max-keys=3" + (f"&continuation-token={token}" if token else "")
        page = parse("ListObjectsV2", pg_client.request("GET", "/bkt", query=query))
        pages += [c["Key"] for c in page.get("Contents", [])]
        token = page.get("NextContinuationToken", "")
        if not token:
            break
    assert pages == sorted(keys, key=lambda k: k.encode("utf-8"))
    grouped = parse("ListObjectsV2", pg_client.request("GET", "/bkt", query="list-type=2&delimiter=%2F&prefix=a"))
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["a/"]


def test_objects_and_buckets(pg_client: S3Client) -> None:
    pg_client.create_bucket("bkt")
    pg_client.put("bkt", "k", b"one", [("content-type", "x/" + "y" * 400)])
    pg_client.put("bkt", "k", b"two")
    assert body_bytes(pg_client.get("bkt", "k")) == b"two"
    assert len(object_files(pg_client.store)) == 1
    with pytest.raises(errors.BucketAlreadyExists):
        pg_client.create_bucket("bkt", caller=OTHER_ROOT)
    with pytest.raises(errors.BucketNotEmpty):
        pg_client.request("DELETE", "/bkt")
    policy = (
        '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}'
    )
    assert pg_client.request("PUT", "/bkt", query="policy", body=policy.encode()).status == 204
    assert body_bytes(pg_client.request("GET", "/bkt", query="policy")) == policy.encode()
    pg_client.request("DELETE", "/bkt/k")
    assert pg_client.request("DELETE", "/bkt").status == 204
    with pg_client.store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM objects")).scalar() == 0


def test_concurrent_replaces_leave_one_file(pg_client: S3Client) -> None:
    pg_client.create_bucket("bkt")
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        client = S3Client(pg_client.store, CountingRng())
        client.rng.count = n * 1_000_000
        try:
            for i in range(5):
                client.put("bkt", "shared", f"{n}-{i}".encode())
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(object_files(pg_client.store)) == 1
    assert body_bytes(pg_client.get("bkt", "shared")).count(b"-") == 1
