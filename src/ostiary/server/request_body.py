"""The request body, fed from the event loop's `receive`, within the limits one client may hold.

Theory of operation. A request body reaches the handler through `ReceiveBody`:

- `prefill` runs on the loop before a worker takes the request: it reads up to a limit (every IAM and STS
  body, small uploads), so a slow client ties up only its own connection, never a worker.
- What is left is pulled by the worker through `read`, one ASGI message at a time.

Every wait for the client is bounded twice, in the manner of Apache's mod_reqtimeout (``body=20,MinRate=…``):
no single pause may last longer than `BodyLimits.idle_seconds`, and the whole body must arrive before a
deadline that starts `idle_seconds` after the headers and moves one second later for every
`BodyLimits.min_bytes_per_second` bytes received. A body that trickles a byte every few seconds therefore
ends in RequestTimeout after about `idle_seconds`, however long the client keeps it up, while an upload of
any size at any useful speed never meets the deadline. A body that grows past `BodyLimits.max_bytes`
ends in EntityTooLarge; a client that disconnects, in IncompleteBody. The error surfaces from `read`, so
a handler never commits what it did not fully receive.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable, Coroutine, MutableMapping
from dataclasses import dataclass
from typing import Any

from ostiary.errors import AwsError, EntityTooLarge, IncompleteBody, RequestTimeout
from ostiary.limits import BODY_IDLE_SECONDS, BODY_MIN_BYTES_PER_SECOND, REQUEST_BODY_MAX_BYTES, S3_PUT_MAX_BYTES

Message = MutableMapping[str, Any]
Receive = Callable[[], Coroutine[Any, Any, Message]]


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """How long and how large one request body may be."""

    idle_seconds: float = BODY_IDLE_SECONDS
    min_bytes_per_second: int = BODY_MIN_BYTES_PER_SECOND
    max_bytes: int = REQUEST_BODY_MAX_BYTES


class ReceiveBody:
    """The request body as a blocking stream for a worker thread (see the module docstring)."""

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop, limits: BodyLimits) -> None:
        self._receive = receive
        self._loop = loop
        self._limits = limits
        self._buffer = bytearray()
        self._received = 0
        self._started = time.monotonic()
        self._done = False
        self._failure: AwsError | None = None

    @property
    def received_whole(self) -> bool:
        """True once the client's last body message arrived, and nothing failed."""
        return self._done and self._failure is None

    def _wait_seconds(self) -> float:
        """How long the next wait for the client may last: the idle limit, or less near the deadline."""
        limits = self._limits
        deadline = self._started + limits.idle_seconds + self._received / limits.min_bytes_per_second
        return min(limits.idle_seconds, deadline - time.monotonic())

    def _fail(self, failure: AwsError) -> None:
        self._failure, self._done = failure, True
        self._buffer.clear()

    def _take(self, message: Message) -> None:
        if message["type"] == "http.disconnect":
            self._failure, self._done = IncompleteBody(), True
            return
        chunk = message.get("body", b"")
        self._received += len(chunk)
        if self._received > self._limits.max_bytes:
            self._fail(EntityTooLarge(MaxSizeAllowed=str(min(self._limits.max_bytes, S3_PUT_MAX_BYTES))))
            return
        self._buffer += chunk
        self._done = not message.get("more_body", False)

    async def prefill(self, limit: int) -> None:
        """On the loop: read until `limit` bytes are buffered or the body ends (or fails)."""
        while not self._done and len(self._buffer) <= limit:
            wait = self._wait_seconds()
            if wait <= 0:
                self._fail(RequestTimeout())
                return
            try:
                message = await asyncio.wait_for(self._receive(), wait)
            except TimeoutError:
                self._fail(RequestTimeout())
                return
            self._take(message)

    def _pull(self) -> None:
        wait = self._wait_seconds()
        if wait <= 0:
            self._fail(RequestTimeout())
            return
        try:
            future = asyncio.run_coroutine_threadsafe(self._receive(), self._loop)
        except RuntimeError:  # the loop is closed: the server is going away
            self._fail(IncompleteBody())
            return
        try:
            message = future.result(timeout=wait)
        except TimeoutError:
            future.cancel()
            self._fail(RequestTimeout())
            return
        except concurrent.futures.CancelledError:  # the loop cancelled it: the server is going away
            self._fail(IncompleteBody())
            return
        self._take(message)

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all that is left when -1); b"" at the end; raises if the body failed."""
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._pull()
        if self._failure is not None and (size < 0 or len(self._buffer) < size):
            raise self._failure
        if size < 0 or size >= len(self._buffer):
            out = bytes(self._buffer)
            self._buffer.clear()
        else:
            out = bytes(self._buffer[:size])
            del self._buffer[:size]
        return out
