"""Last-used bookkeeping for access keys and roles, written in batches.

GetAccessKeyLastUsed and GetRole's RoleLastUsed report when a key or role was
last used. Writing that on every request would put a durable commit on the hot
path of every signed call, so uses are collected in memory and written once a
second (and whenever a reader asks, via `flush`). The writes are bookkeeping:
they do not touch the generation that authorization caches key on.

Flushes run from the store's poller and from request threads (a reader that
asks). They are serialized, and each updates its rows in sorted order, so two
flushes (or a flush and another node's flush on PostgreSQL) never lock the same
rows in opposite orders and deadlock.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import TYPE_CHECKING

from ostiary.store.principals import record_key_use, record_role_use

if TYPE_CHECKING:
    from ostiary.store.database import Store

log = logging.getLogger("ostiary.store")


class UsageRecorder:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._keys: dict[str, tuple[dt.datetime, str, str]] = {}
        self._roles: dict[str, tuple[dt.datetime, str]] = {}

    def key_used(self, key_id: str, when: dt.datetime, service: str, region: str) -> None:
        with self._lock:
            self._keys[key_id] = (when, service, region)

    def role_used(self, role_id: str, when: dt.datetime, region: str) -> None:
        with self._lock:
            self._roles[role_id] = (when, region)

    def flush(self) -> None:
        """Write what was recorded since the last flush."""
        with self._flushing:
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            keys, self._keys = self._keys, {}
            roles, self._roles = self._roles, {}
        if not keys and not roles:
            return
        try:
            with self._store.write(bookkeeping=True) as conn:
                for key_id, (when, service, region) in sorted(keys.items()):
                    record_key_use(conn, key_id, when, service, region)
                for role_id, (when, region) in sorted(roles.items()):
                    record_role_use(conn, role_id, when, region)
        except Exception as exc:  # bookkeeping must never fail a request; keep the uses for the next flush
            log.warning("could not record key and role use, kept for the next flush: %s", str(exc).split("\n", 1)[0])
            log.debug("could not record key and role use", exc_info=True)
            with self._lock:
                for key_id, value in keys.items():
                    self._keys.setdefault(key_id, value)
                for role_id, used in roles.items():
                    self._roles.setdefault(role_id, used)
