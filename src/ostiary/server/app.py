"""The ASGI application: HTTP in, `Pipeline` in a worker thread, HTTP out.

The event loop only moves bytes. Each request runs in a worker thread, which pulls the request body from
the loop as it reads it (`ReceiveBody`), so a large upload streams to disk without sitting in memory, and
a slow database call never blocks other requests. ``/_ostiary/health`` and ``/_ostiary/metrics`` are
answered on the loop.

Every path through `App.__call__` ends in exactly one of two ways, never a third:

- a complete response: ``http.response.start``, then body messages ending with ``more_body`` false, whose
  bytes add up to the Content-Length stated (a zero-length object, a HEAD and a refusal included);
- an exception, when a response cannot be completed (the object file came up short, the server is shutting
  down mid-body): uvicorn then closes the connection, so the client sees a truncated response, never a
  short one it could take for whole.

(A client that disconnects has nobody to complete a response for: streaming stops. One that stops reading
is cut off by the connection's write bound, `ostiary.server.protocol`.) Returning without
completing a started response would make uvicorn close the connection after a response the client
thinks complete: its next request on that kept-alive connection then fails with "Connection was closed
before we received a valid response".

What one client may hold is bounded here (requests in flight: `max_in_flight`, then SlowDown or
ServiceUnavailable; body size and pace: `ReceiveBody`) and per connection in `ostiary.server.protocol`
(request heads, responses the client does not read).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO, Final

from ostiary.http import FileBody, HttpRequest, HttpResponse
from ostiary.limits import (
    BODY_IDLE_SECONDS,
    BODY_MIN_BYTES_PER_SECOND,
    HEADER_BYTES_MAX,
    MAX_IN_FLIGHT_REQUESTS,
    QUERY_BODY_MAX_BYTES,
    REQUEST_BODY_MAX_BYTES,
    S3_PUT_MAX_BYTES,
    WORKER_THREADS,
)
from ostiary.server.admission import OVERLOADED, TOO_LARGE, Admission, declared_length, refusal
from ostiary.server.metrics import Metrics
from ostiary.server.pipeline import Pipeline
from ostiary.server.request_body import BodyLimits, ReceiveBody

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Coroutine[Any, Any, Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("ostiary.access")
_FILE_CHUNK: Final = 1 << 20


class ResponseAbandoned(Exception):
    """A started response cannot be completed; uvicorn closes the connection when the app raises it."""


def _text(raw: bytes) -> str:
    # Raw bytes in, the same bytes back out of sigv4 (it encodes with surrogateescape).
    return raw.decode("utf-8", "surrogateescape")


def _has_body(request: HttpRequest) -> bool:
    length = request.header("content-length")
    return request.header("transfer-encoding") is not None or (length is not None and length.strip() not in ("", "0"))


def _body_left_unread(request: HttpRequest) -> bool:
    """True when the connection no longer delimits requests: a body not read to its end, or one that failed."""
    body = request.body
    return isinstance(body, ReceiveBody) and not body.received_whole and _has_body(request)


def _declares_body(scope: Scope) -> bool:
    return any(name == b"transfer-encoding" for name, _ in scope["headers"]) or bool(declared_length(scope))


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _disconnected(watch: asyncio.Future[None] | None) -> bool:
    """True once `_until_disconnect` saw the client go (a watch that failed proves nothing)."""
    return watch is not None and watch.done() and not watch.cancelled() and watch.exception() is None


class App:
    def __init__(
        self,
        pipeline: Pipeline,
        *,
        workers: int = WORKER_THREADS,
        max_in_flight: int = MAX_IN_FLIGHT_REQUESTS,
        max_body_bytes: int = REQUEST_BODY_MAX_BYTES,
        body_idle_seconds: float = BODY_IDLE_SECONDS,
        body_min_bytes_per_second: int = BODY_MIN_BYTES_PER_SECOND,
    ) -> None:
        if min(workers, max_body_bytes, body_idle_seconds, body_min_bytes_per_second) <= 0:
            raise ValueError("server limits must be positive")
        self.pipeline = pipeline
        self.metrics = Metrics()
        self.admission = Admission(max_in_flight)
        self.body_limits = BodyLimits(body_idle_seconds, body_min_bytes_per_second, max_body_bytes)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ostiary")
        self.ready = threading.Event()
        self.ready.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        if path.startswith(b"/_ostiary/"):
            await self._internal(path, send)
            return
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        if not self.admission.enter():
            response = refusal(OVERLOADED, scope, self.pipeline.host_id, close=_declares_body(scope))
            status = await self._send(response, scope, receive, send, loop, watch=False)
        else:
            try:
                status = await self._serve(scope, receive, send, path, loop)
            finally:
                self.admission.leave()
        elapsed = time.perf_counter() - started
        self.metrics.observe(scope["method"], status, elapsed)
        if log.isEnabledFor(logging.INFO):
            log.info("%s %s %d %.1fms", scope["method"], _text(path), status, elapsed * 1000)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, path: bytes, loop: asyncio.AbstractEventLoop
    ) -> int:
        declared = declared_length(scope)
        if declared is not None and declared > self.body_limits.max_bytes:
            limit = str(min(self.body_limits.max_bytes, S3_PUT_MAX_BYTES))  # the largest object, not its framing
            response = refusal(
                TOO_LARGE, scope, self.pipeline.host_id, close=True, ProposedSize=str(declared), MaxSizeAllowed=limit
            )
            return await self._send(response, scope, receive, send, loop, watch=False)
        body = ReceiveBody(receive, loop, self.body_limits)
        request = self._request(scope, path, body)
        if request is None:
            headers = [("content-type", "text/plain"), ("connection", "close")]
            response = HttpResponse(431, headers, b"request header fields too large")
            return await self._send(response, scope, receive, send, loop, watch=False)
        if _has_body(request):
            await body.prefill(QUERY_BODY_MAX_BYTES)
        try:
            response = await loop.run_in_executor(self.executor, self.pipeline.handle, request)
        except RuntimeError:  # the executor is shut down: the server is stopping
            response = refusal(OVERLOADED, scope, self.pipeline.host_id, close=True)
        unread = _body_left_unread(request)
        if unread:
            # The handler answered without reading the body (a denied upload), or the body failed (too slow,
            # too large): the rest of it would be read as the next request on this connection, or keep a
            # client that is too slow, so end the connection with this response.
            response.headers.append(("connection", "close"))
        return await self._send(response, scope, receive, send, loop, watch=not unread)

    def _request(self, scope: Scope, path: bytes, body: ReceiveBody) -> HttpRequest | None:
        raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        if sum(len(k) + len(v) for k, v in raw_headers) > HEADER_BYTES_MAX:
            return None
        client = scope.get("client")
        return HttpRequest(
            method=scope["method"],
            raw_path=_text(path.split(b"?", 1)[0]),
            query_string=_text(scope.get("query_string", b"")),
            headers=tuple((_text(k).lower(), _text(v)) for k, v in raw_headers),
            body=body,
            client_ip=client[0] if client else "127.0.0.1",
            scheme=scope.get("scheme", "http"),
        )

    # --- responses ---------------------------------------------------------------------------------

    async def _send(
        self,
        response: HttpResponse,
        scope: Scope,
        receive: Receive,
        send: Send,
        loop: asyncio.AbstractEventLoop,
        *,
        watch: bool,
    ) -> int:
        # Values go back as the bytes they came in as (user metadata may carry UTF-8).
        headers = [(k.lower().encode("latin-1"), v.encode("utf-8", "surrogateescape")) for k, v in response.headers]
        headers.append((b"server", b"ostiary"))
        body = response.body
        if isinstance(body, FileBody):
            headers = [(name, value) for name, value in headers if name != b"content-length"]
            headers.append((b"content-length", str(body.length).encode()))
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            await self._send_file(body, scope["method"] == "HEAD", receive if watch else None, send, loop)
        elif isinstance(body, bytes):
            # A HEAD answer states the length the GET would have (its handler set it); others state their own.
            if not any(name == b"content-length" for name, _ in headers):
                headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        else:
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            iterator = iter(body)
            while (chunk := await loop.run_in_executor(self.executor, next, iterator, None)) is not None:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        return response.status

    async def _send_file(
        self, body: FileBody, head: bool, receive: Receive | None, send: Send, loop: asyncio.AbstractEventLoop
    ) -> None:
        """`body.length` bytes of the file, then the final message; stops early if the client went away."""
        handle: BinaryIO | None = body.handle
        watching = receive is not None and body.length > 0 and not head
        gone = asyncio.ensure_future(_until_disconnect(receive)) if receive is not None and watching else None
        try:
            if not head and body.length:
                if handle is None:
                    handle = await loop.run_in_executor(self.executor, open, body.path, "rb")
                await loop.run_in_executor(self.executor, handle.seek, body.offset)
                left = body.length
                while left > 0:
                    if _disconnected(gone):
                        return  # the client disconnected: nobody is left to answer
                    chunk = await loop.run_in_executor(self.executor, handle.read, min(_FILE_CHUNK, left))
                    if not chunk:
                        raise ResponseAbandoned(f"{body.path} ended {left} bytes early")
                    left -= len(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            if gone is not None:
                gone.cancel()
            if handle is not None:
                handle.close()

    # --- on the loop -------------------------------------------------------------------------------

    async def _internal(self, path: bytes, send: Send) -> None:
        if path == b"/_ostiary/health":
            status, kind, body = (200, b"text/plain", b"ok\n") if self.ready.is_set() else (503, b"text/plain", b"")
        elif path == b"/_ostiary/metrics":
            text = self.metrics.render(self.admission.in_flight, self.admission.refused)
            status, kind, body = 200, b"text/plain; version=0.0.4", text.encode()
        else:
            status, kind, body = 404, b"text/plain", b"not found\n"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"server", b"ostiary")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.ready.clear()
                # uvicorn has drained the connections (or given up on them) by now; workers still running
                # may need the loop to read a body, so wait for them off the loop.
                await asyncio.to_thread(self.executor.shutdown, wait=True, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return
