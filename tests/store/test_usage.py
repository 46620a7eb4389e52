"""Last-used bookkeeping: concurrent flushes, in one process and from two nodes, never deadlock."""

from __future__ import annotations

import logging
import random
import threading

import pytest

from ostiary.ids import LONG_TERM_KEY, access_key_id, account_id
from ostiary.store import Store, create_database_engine
from ostiary.store.principals import get_access_key, insert_access_key, insert_account
from tests.store.conftest import BOX, NOW, Backend

KEYS = 12
ROUNDS = 60


def _keys(backend: Backend) -> list[str]:
    ids = [access_key_id(LONG_TERM_KEY, backend.account, backend.rng) for _ in range(KEYS)]
    with backend.store.write() as conn:
        for key_id in ids:
            insert_access_key(
                conn,
                BOX,
                backend.rng,
                key_id=key_id,
                account_id=backend.account,
                user_id=None,
                secret="s" * 40,
                now=NOW,
            )
    return ids


def _hammer(stores: list[Store], ids: list[str]) -> None:
    """Each thread records every key, in its own order, and flushes, many times over."""

    def run(store: Store, order: list[str]) -> None:
        for _ in range(ROUNDS):
            for key_id in order:
                store.usage.key_used(key_id, NOW, "iam", "us-east-1")
            store.usage.flush()

    orders = [ids, ids[::-1], ids[1::2] + ids[::2], ids[::2][::-1] + ids[1::2]]
    threads = [threading.Thread(target=run, args=(stores[i % len(stores)], order)) for i, order in enumerate(orders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_flushes_record_every_use_without_a_warning(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    ids = _keys(backend)
    with caplog.at_level(logging.WARNING, logger="ostiary.store"):
        _hammer([backend.store], ids)
    assert [r.getMessage() for r in caplog.records] == []
    with backend.store.read() as conn:
        for key_id in ids:
            key = get_access_key(conn, key_id)
            assert key is not None and key.last_used_at == NOW


@pytest.mark.postgres
def test_two_nodes_flushing_the_same_keys_do_not_deadlock(
    postgres_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random("two nodes").randbytes
    account = account_id(rng)
    with postgres_store.write() as conn:
        insert_account(conn, account, NOW)
    ids = _keys(Backend(postgres_store, account, rng))
    url = postgres_store.engine.url.render_as_string(hide_password=False)
    other = Store(create_database_engine(url), BOX, postgres_store.data_dir)
    try:
        with caplog.at_level(logging.WARNING, logger="ostiary.store"):
            _hammer([postgres_store, other], ids)
    finally:
        other.close()
    assert [r.getMessage() for r in caplog.records] == []
