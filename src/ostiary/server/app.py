"""The ASGI application: HTTP in, `Pipeline` in a worker thread, HTTP out.

The event loop only moves bytes. Each request runs in a worker thread, which
pulls the request body from the loop as it reads it (`ReceiveBody`), so a large
upload streams to disk without sitting in memory, and a slow database call
never blocks other requests. ``/_ostiary/health`` and ``/_ostiary/metrics``
are answered on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO, Final

from ostiary.errors import AwsError, IncompleteBody, RequestTimeout
from ostiary.http import FileBody, HttpRequest, HttpResponse
from ostiary.limits import HEADER_BYTES_MAX, QUERY_BODY_MAX_BYTES
from ostiary.server.metrics import Metrics
from ostiary.server.pipeline import Pipeline

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Coroutine[Any, Any, Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("ostiary.access")
_FILE_CHUNK: Final = 1 << 20
# How long the server waits for the next piece of a request body before giving up on the client.
BODY_IDLE_SECONDS: Final = 20.0


def _text(raw: bytes) -> str:
    # Raw bytes in, the same bytes back out of sigv4 (it encodes with surrogateescape).
    return raw.decode("utf-8", "surrogateescape")


class ReceiveBody:
    """The request body, fed from the event loop's `receive`.

    `prefill` runs on the loop before a worker takes the request: it reads up to a limit (every IAM and
    STS body, small uploads), so a slow client ties up only its own connection, never a worker. What
    is left is pulled by the worker through `read`. Every wait for the client is bounded: a client that
    sends nothing for `BODY_IDLE_SECONDS` gets RequestTimeout, one that disconnects IncompleteBody.
    """

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop) -> None:
        self._receive = receive
        self._loop = loop
        self._buffer = bytearray()
        self._done = False
        self._failure: AwsError | None = None

    def _take(self, message: Message) -> None:
        if message["type"] == "http.disconnect":
            self._failure, self._done = IncompleteBody(), True
            return
        self._buffer += message.get("body", b"")
        self._done = not message.get("more_body", False)

    async def prefill(self, limit: int) -> None:
        while not self._done and len(self._buffer) <= limit:
            try:
                message = await asyncio.wait_for(self._receive(), BODY_IDLE_SECONDS)
            except TimeoutError:
                self._failure, self._done = RequestTimeout(), True
                return
            self._take(message)

    def _pull(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._receive(), self._loop)
        try:
            message = future.result(timeout=BODY_IDLE_SECONDS)
        except TimeoutError:
            future.cancel()
            self._failure, self._done = RequestTimeout(), True
            return
        self._take(message)

    @property
    def finished(self) -> bool:
        """True once the client's last body message arrived (or it failed)."""
        return self._done

    def read(self, size: int = -1) -> bytes:
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


def _has_body(request: HttpRequest) -> bool:
    length = request.header("content-length")
    return request.header("transfer-encoding") is not None or (length is not None and length.strip() not in ("", "0"))


def _body_left_unread(request: HttpRequest) -> bool:
    body = request.body
    return isinstance(body, ReceiveBody) and not body.finished and _has_body(request)


class App:
    def __init__(self, pipeline: Pipeline, *, workers: int = 32) -> None:
        self.pipeline = pipeline
        self.metrics = Metrics()
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
        request = self._request(scope, receive, path)
        if request is not None and isinstance(request.body, ReceiveBody) and _has_body(request):
            await request.body.prefill(QUERY_BODY_MAX_BYTES)
        loop = asyncio.get_running_loop()
        if request is None:
            response = HttpResponse(431, [("content-type", "text/plain")], b"request header fields too large")
        else:
            response = await loop.run_in_executor(self.executor, self.pipeline.handle, request)
            if _body_left_unread(request):
                # The handler answered without reading the body (a denied upload): the rest of it would be
                # read as the next request on this connection, so end the connection with this response.
                response.headers.append(("connection", "close"))
        status = await self._send(response, send, loop)
        elapsed = time.perf_counter() - started
        self.metrics.observe(scope["method"], status, elapsed)
        if log.isEnabledFor(logging.INFO):
            log.info("%s %s %d %.1fms", scope["method"], _text(path), status, elapsed * 1000)

    def _request(self, scope: Scope, receive: Receive, path: bytes) -> HttpRequest | None:
        raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        if sum(len(k) + len(v) for k, v in raw_headers) > HEADER_BYTES_MAX:
            return None
        client = scope.get("client")
        return HttpRequest(
            method=scope["method"],
            raw_path=_text(path.split(b"?", 1)[0]),
            query_string=_text(scope.get("query_string", b"")),
            headers=tuple((_text(k).lower(), _text(v)) for k, v in raw_headers),
            body=ReceiveBody(receive, asyncio.get_running_loop()),
            client_ip=client[0] if client else "127.0.0.1",
            scheme=scope.get("scheme", "http"),
        )

    async def _send(self, response: HttpResponse, send: Send, loop: asyncio.AbstractEventLoop) -> int:
        # Values go back as the bytes they came in as (user metadata may carry UTF-8).
        headers = [(k.lower().encode("latin-1"), v.encode("utf-8", "surrogateescape")) for k, v in response.headers]
        headers.append((b"server", b"ostiary"))
        body = response.body
        if isinstance(body, bytes):
            # A HEAD answer states the length the GET would have (its handler set it); others state their own.
            if not any(name == b"content-length" for name, _ in headers):
                headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return response.status
        if isinstance(body, FileBody):
            headers = [(name, value) for name, value in headers if name != b"content-length"]
            headers.append((b"content-length", str(body.length).encode()))
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            await self._send_file(body, send, loop)
            return response.status
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        iterator = iter(body)
        while True:
            chunk = await loop.run_in_executor(self.executor, next, iterator, None)
            if chunk is None:
                break
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return response.status

    async def _send_file(self, body: FileBody, send: Send, loop: asyncio.AbstractEventLoop) -> None:
        handle: BinaryIO
        if body.handle is not None:
            handle = body.handle
        else:
            handle = await loop.run_in_executor(self.executor, open, body.path, "rb")
        try:
            await loop.run_in_executor(self.executor, handle.seek, body.offset)
            left = body.length
            while left > 0:
                chunk = await loop.run_in_executor(self.executor, handle.read, min(_FILE_CHUNK, left))
                if not chunk:
                    break  # the file shrank under us; the client sees a short body and retries
                left -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
            if left > 0:
                await send({"type": "http.response.body", "body": b""})
        finally:
            await loop.run_in_executor(self.executor, handle.close)

    async def _internal(self, path: bytes, send: Send) -> None:
        if path == b"/_ostiary/health":
            status, kind, body = (200, b"text/plain", b"ok\n") if self.ready.is_set() else (503, b"text/plain", b"")
        elif path == b"/_ostiary/metrics":
            status, kind, body = 200, b"text/plain; version=0.0.4", self.metrics.render().encode()
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
                self.executor.shutdown(wait=True, cancel_futures=False)
                await send({"type": "lifespan.shutdown.complete"})
                return
