"""The session-token key ring: stored wrapped under the master key, cached in memory.

- The newest key seals new tokens. A key older than `ROTATE_AFTER` is
  replaced by a new one; the old key is kept until every token it sealed has
  expired (`LONGEST_SESSION_SECONDS` after it was retired), then deleted.
- Opening a token with an unknown key id reloads the ring once, so a node sees
  keys another node created.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Final

from sqlalchemy import delete, insert, select, update

from ostiary.ids import Rng
from ostiary.limits import LONGEST_SESSION_SECONDS
from ostiary.store.database import Store
from ostiary.store.schema import signing_keys
from ostiary.tokens import SigningKey

ROTATE_AFTER: Final = dt.timedelta(hours=24)
_RELOAD_INTERVAL: Final = 1.0
KEEP_RETIRED: Final = dt.timedelta(seconds=LONGEST_SESSION_SECONDS + 3600)


def _purpose(key_id: int) -> str:
    return f"signing-key|{key_id}"


class KeyRing:
    def __init__(self, store: Store, rng: Rng) -> None:
        self._store = store
        self._rng = rng
        self._lock = threading.Lock()
        self._keys: dict[int, SigningKey] = {}
        self._current: SigningKey | None = None
        self._current_created: dt.datetime | None = None
        self._loaded_at = float("-inf")

    def current(self, now: dt.datetime) -> SigningKey:
        """The key that seals new tokens, rotated when it is older than a day."""
        with self._lock:
            if self._current is None or self._current_created is None or now - self._current_created > ROTATE_AFTER:
                self._rotate(now)
            current = self._current
            if current is None:  # _rotate always sets it
                raise RuntimeError("the key ring has no current key")
            return current

    def keys(self) -> dict[int, SigningKey]:
        return self._keys

    def find(self, key_id: int) -> SigningKey | None:
        """The key that sealed a token; an unknown id reloads the ring (another node may have rotated),
        at most once a second, so tokens with made-up key ids cannot make every request a query."""
        key = self._keys.get(key_id)
        if key is None:
            with self._lock:
                now = time.monotonic()
                if now - self._loaded_at >= _RELOAD_INTERVAL:
                    self._load()
                    self._loaded_at = now
                key = self._keys.get(key_id)
        return key

    def _load(self) -> None:
        with self._store.read() as conn:
            rows = conn.execute(select(signing_keys).order_by(signing_keys.c.created_at)).all()
        keys: dict[int, SigningKey] = {}
        current: tuple[SigningKey, dt.datetime] | None = None
        for row in rows:
            key = SigningKey(row.key_id, self._store.box.open(row.wrapped, _purpose(row.key_id)))
            keys[row.key_id] = key
            if row.retired_at is None:
                current = (key, row.created_at)
        self._keys = keys
        if current is not None:
            self._current, self._current_created = current

    def _rotate(self, now: dt.datetime) -> None:
        self._load()
        if (
            self._current is not None
            and self._current_created is not None
            and now - self._current_created <= ROTATE_AFTER
        ):
            return
        key_id = int.from_bytes(self._rng(4), "big")
        while key_id in self._keys:
            key_id = int.from_bytes(self._rng(4), "big")
        key = SigningKey(key_id, self._rng(32))
        with self._store.write() as conn:
            conn.execute(update(signing_keys).where(signing_keys.c.retired_at.is_(None)).values(retired_at=now))
            conn.execute(delete(signing_keys).where(signing_keys.c.retired_at < now - KEEP_RETIRED))
            conn.execute(
                insert(signing_keys).values(
                    key_id=key_id, wrapped=self._store.box.seal(key.secret, _purpose(key_id), self._rng), created_at=now
                )
            )
        self._load()
