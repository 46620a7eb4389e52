"""uvicorn's httptools protocol with the bounds it lacks: on the time and size of request heads, and on
how long a response may wait for a client that does not read it.

Theory of operation. uvicorn's httptools protocol arms a keep-alive timer only after a response, and
disarms it on the first byte that follows; it has no limit of its own on the size of a request head. A
client could therefore open a connection and send nothing, or send its headers a byte at a time, or send
megabytes of headers, and hold the connection (and the memory) for as long as it liked. `BoundedProtocol`
adds one timer per connection:

- armed for `head_seconds` when the connection opens and when a request head begins;
- disarmed when the head is complete: from then on the app bounds the body (`ReceiveBody`) and the
  response (`App`), and the timer only waits while a request is being served;
- armed for the keep-alive period when a response completes, so bytes that are not a request (the rest of
  a body the app did not read) cannot hold the connection either.

When it fires with part of a head received, the client gets "408 Request Timeout" ("the server did not
receive a complete request message within the time that it was prepared to wait", RFC 9110 §15.5.9) and
the connection closes; with nothing received, the connection just closes, as an idle keep-alive
connection does. A head that grows past
`head_max_bytes` gets "431 Request Header Fields Too Large" (RFC 6585 §5) and the connection closes.

A second timer runs while the transport's write buffer is full (asyncio's ``pause_writing`` until
``resume_writing``): a client that reads nothing of a response for `send_idle_seconds` has its connection
aborted, buffer and all. Without it, a response to a client that stopped reading would wait forever, with
its task and open object file.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Final

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ostiary.limits import REQUEST_HEAD_MAX_BYTES, REQUEST_HEAD_SECONDS, RESPONSE_SEND_IDLE_SECONDS

_REFUSALS: Final = {
    408: b"HTTP/1.1 408 Request Timeout\r\n",
    431: b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
}
_REFUSAL_TEXT: Final = {408: b"request header timeout\n", 431: b"request header fields too large\n"}


class BoundedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size limit on every request head."""

    head_seconds: ClassVar[float] = REQUEST_HEAD_SECONDS
    head_max_bytes: ClassVar[int] = REQUEST_HEAD_MAX_BYTES
    send_idle_seconds: ClassVar[float] = RESPONSE_SEND_IDLE_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None
        self._head_started = False
        self._head_bytes = 0

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _serving(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _expired(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._serving():
            self._arm(self.head_seconds)  # the request in progress has bounds of its own
        elif self._head_started:
            self._refuse(408)
        else:
            self.transport.close()

    def _refuse(self, status: int) -> None:
        self._disarm()
        if not self._serving():
            text = _REFUSAL_TEXT[status]
            self.transport.write(
                _REFUSALS[status]
                + b"content-type: text/plain\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(text)
                + text
            )
        self.transport.close()

    # --- asyncio and httptools callbacks -----------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.head_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(self.send_idle_seconds, self.transport.abort)

    def resume_writing(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        super().resume_writing()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_started and self._head_bytes > self.head_max_bytes and not self.transport.is_closing():
            self._refuse(431)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_started, self._head_bytes = True, 0
        self._arm(self.head_seconds)

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._head_bytes += len(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._head_bytes += len(name) + len(value)

    def on_headers_complete(self) -> None:
        self._head_started = False
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self._head_started and not self._serving():
            self._arm(self.timeout_keep_alive)


def bounded_protocol(head_seconds: float, head_max_bytes: int, send_idle_seconds: float) -> type[BoundedProtocol]:
    """A `BoundedProtocol` class with these bounds (uvicorn instantiates the class it is given)."""
    if min(head_seconds, head_max_bytes, send_idle_seconds) <= 0:
        raise ValueError("connection limits must be positive")
    bounds = {"head_seconds": head_seconds, "head_max_bytes": head_max_bytes, "send_idle_seconds": send_idle_seconds}
    if all(getattr(BoundedProtocol, name) == value for name, value in bounds.items()):
        return BoundedProtocol
    return type("BoundedProtocol", (BoundedProtocol,), bounds)
