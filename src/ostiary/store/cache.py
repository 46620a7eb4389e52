"""Rows kept in memory until the next write: the store's generation decides when they are stale.

Every cache of things read from the database (access keys, principals' policies, roles, buckets)
is one of these: a value is loaded once, served from memory while the store's write generation
stays the same, and dropped the moment any write commits on this node (or, through
`Store.poll_changes`, on another). A value loaded while a write was committing is not kept,
so a cache never holds what a finished write replaced.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Generational(Protocol):
    @property
    def generation(self) -> int: ...


class GenerationCache(Generic[K, V]):
    def __init__(self, store: Generational, limit: int = 100_000) -> None:
        self._store = store
        self._limit = limit
        self._generation = store.generation
        self._values: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K, load: Callable[[], V]) -> V:
        """The cached value for `key`, loading it (outside the lock) when missing or stale."""
        generation = self._store.generation
        with self._lock:
            if generation != self._generation:
                self._values.clear()
                self._generation = generation
            if key in self._values:
                return self._values[key]
        value = load()
        with self._lock:
            if generation == self._generation and len(self._values) < self._limit:
                self._values[key] = value
        return value
