"""Write transactions are ordered, on SQLite and across PostgreSQL connections alike, so a quota check
and the insert it guards cannot interleave with another writer's (two concurrent CreateAccessKey calls
for a user that has one key must not leave it with three)."""

from __future__ import annotations

import threading
import time

from ostiary.model import KeyStatus
from ostiary.store.principals import count_access_keys, insert_access_key
from tests.store.conftest import NOW, Backend


def test_check_then_insert_does_not_interleave(backend: Backend) -> None:
    store, account = backend.store, backend.account
    with store.write() as conn:
        insert_access_key(
            conn,
            store.box,
            backend.rng,
            key_id="AKIASERIALIZED000000",
            account_id=account,
            user_id=None,
            secret="s" * 40,
            now=NOW,
            status=KeyStatus.ACTIVE,
        )
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def create(index: int) -> None:
        try:
            start.wait()
            with store.write() as conn:
                if count_access_keys(conn, None, account) >= 2:
                    return
                time.sleep(0.2)  # widen the window between the check and the insert
                insert_access_key(
                    conn,
                    store.box,
                    backend.rng,
                    key_id=f"AKIASERIALIZED00000{index}",
                    account_id=account,
                    user_id=None,
                    secret="s" * 40,
                    now=NOW,
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.read() as conn:
        assert count_access_keys(conn, None, account) == 2
