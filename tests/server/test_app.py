"""`App` at the ASGI level: every path ends in one complete response, or in an exception after a started one.

A stub pipeline answers with the response under test; `drive` plays uvicorn's part (receive, send) and
`complete` checks the messages as uvicorn would: a start, body messages ending with more_body false, and as
many bytes as the Content-Length states (none on the wire for HEAD).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from ostiary.errors import AwsError
from ostiary.http import FileBody, HttpRequest, HttpResponse
from ostiary.server.app import App, ResponseAbandoned
from ostiary.server.errors import error_response

Message = MutableMapping[str, Any]
HOST_ID = "h" * 40
IAM_AUTH = (
    b"AWS4-HMAC-SHA256 Credential=AKIAWFS5FVUBROOT0001/20261128/us-east-1/iam/aws4_request, "
    b"SignedHeaders=host, Signature=00"
)


class StubPipeline:
    host_id = HOST_ID

    def __init__(self, respond: Callable[[HttpRequest], HttpResponse]) -> None:
        self.respond = respond

    def handle(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.respond(request)
        except AwsError as error:
            return error_response(error, "s3", request.method, "req-1", HOST_ID)


def app_for(respond: Callable[[HttpRequest], HttpResponse], **limits: Any) -> App:
    return App(StubPipeline(respond), **limits)  # type: ignore[arg-type]


def scope(method: str = "GET", path: str = "/b/k", headers: tuple[tuple[bytes, bytes], ...] = ()) -> Message:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": list(headers),
    }


def drive(
    app: App, request_scope: Message, incoming: list[Message] | None = None
) -> tuple[list[Message], BaseException | None]:
    """Run one request; `incoming` are the receive messages, consumed in place (then the client waits, silent)."""
    sent: list[Message] = []
    queue = incoming if incoming is not None else [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> Message:
        if queue:
            message = queue.pop(0)
            if message.get("type") == "sleep":
                await asyncio.sleep(message["seconds"])
                return await receive()
            return message
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)
        await asyncio.sleep(0)

    async def run() -> BaseException | None:
        try:
            await app(request_scope, receive, send)
        except Exception as exc:
            return exc
        return None

    try:
        failure = asyncio.run(run())
    finally:
        app.executor.shutdown(wait=True)
    return sent, failure


def complete(sent: list[Message], method: str = "GET") -> tuple[int, dict[bytes, bytes], bytes]:
    """(status, headers, body) of a complete response; fails on anything uvicorn would not finish."""
    assert sent and sent[0]["type"] == "http.response.start", sent
    headers = dict(sent[0]["headers"])
    bodies = sent[1:]
    assert bodies and all(m["type"] == "http.response.body" for m in bodies), sent
    assert all(m.get("more_body", False) for m in bodies[:-1]) and not bodies[-1].get("more_body", False), sent
    body = b"".join(m.get("body", b"") for m in bodies)
    if method != "HEAD" and b"content-length" in headers:  # without it, uvicorn sends it chunked
        assert int(headers[b"content-length"]) == len(body), (headers, len(body))
    return sent[0]["status"], headers, body


def file_body(tmp_path: Path, data: bytes, offset: int = 0, length: int | None = None, opened: bool = True) -> FileBody:
    path = tmp_path / "blob"
    path.write_bytes(data)
    size = len(data) - offset if length is None else length
    return FileBody(path, offset, size, path.open("rb") if opened else None)


# --- every response completes ----------------------------------------------------------------------------

CASES = {
    "zero-length object": (b"", 0, None, "GET", b""),
    "whole object": (b"0123456789", 0, None, "GET", b"0123456789"),
    "range": (b"0123456789", 2, 3, "GET", b"234"),
    "last byte": (b"0123456789", 9, 1, "GET", b"9"),
    "HEAD of an object": (b"0123456789", 0, None, "HEAD", b""),
    "HEAD of a zero-length object": (b"", 0, None, "HEAD", b""),
    "more than one chunk": (bytes(range(256)) * 9000, 0, None, "GET", bytes(range(256)) * 9000),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("opened", [True, False], ids=["open handle", "path only"])
def test_file_bodies_complete(case: str, opened: bool, tmp_path: Path) -> None:
    data, offset, length, method, expected = CASES[case]
    body = file_body(tmp_path, data, offset, length, opened)
    sent, failure = drive(app_for(lambda _: HttpResponse(200, [], body)), scope(method))
    assert failure is None
    status, headers, received = complete(sent, method)
    assert (status, received, int(headers[b"content-length"])) == (200, expected, body.length)
    assert body.handle is None or body.handle.closed


OTHER_BODIES: dict[str, tuple[Callable[[], HttpResponse], bytes]] = {
    "bytes": (lambda: HttpResponse(200, [], b"<xml/>"), b"<xml/>"),
    "204": (lambda: HttpResponse(204, [], b""), b""),
    "304": (lambda: HttpResponse(304, [("ETag", '"x"')], b""), b""),
    "iterable": (lambda: HttpResponse(200, [], iter([b"a", b"", b"bc"])), b"abc"),
    "empty iterable": (lambda: HttpResponse(200, [], iter([])), b""),
}


@pytest.mark.parametrize("case", OTHER_BODIES)
def test_other_bodies_complete(case: str) -> None:
    make, expected = OTHER_BODIES[case]
    sent, failure = drive(app_for(lambda _: make()), scope())
    assert failure is None
    assert complete(sent)[2] == expected


def test_head_states_the_length_of_the_get() -> None:
    response = HttpResponse(200, [("Content-Length", "1234")], b"")
    sent, failure = drive(app_for(lambda _: response), scope("HEAD"))
    assert failure is None
    status, headers, body = complete(sent, "HEAD")
    assert (status, headers[b"content-length"], body) == (200, b"1234", b"")


def test_a_file_that_shrank_aborts_the_response(tmp_path: Path) -> None:
    body = file_body(tmp_path, b"short", 0, 10)
    sent, failure = drive(app_for(lambda _: HttpResponse(200, [], body)), scope())
    assert isinstance(failure, ResponseAbandoned)  # uvicorn closes the connection: the client sees it truncated
    assert sent[0]["type"] == "http.response.start"
    assert all(m.get("more_body") for m in sent[1:])  # never a final message after too few bytes
    assert body.handle is not None and body.handle.closed


def test_streaming_stops_when_the_client_disconnects(tmp_path: Path) -> None:
    body = file_body(tmp_path, b"x" * (8 << 20))
    incoming = [{"type": "http.request", "body": b"", "more_body": False}, {"type": "http.disconnect"}]
    sent, failure = drive(app_for(lambda _: HttpResponse(200, [], body)), scope(), incoming)
    assert failure is None
    assert sum(len(m.get("body", b"")) for m in sent[1:]) < body.length
    assert body.handle is not None and body.handle.closed


# --- refusals on the loop ----------------------------------------------------------------------------------


def test_too_many_in_flight_get_slowdown_or_service_unavailable() -> None:
    release = threading.Event()

    def slow(_: HttpRequest) -> HttpResponse:
        release.wait(10)
        return HttpResponse(200, [], b"done")

    app = app_for(slow, max_in_flight=1)
    sent: dict[str, list[Message]] = {"first": [], "s3": [], "iam": []}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    def sender(name: str) -> Callable[[Message], Any]:
        async def send(message: Message) -> None:
            sent[name].append(message)

        return send

    async def run() -> None:
        first = asyncio.ensure_future(app(scope(), receive, sender("first")))
        while app.admission.in_flight == 0:
            await asyncio.sleep(0)
        await app(scope(), receive, sender("s3"))
        await app(scope("POST", "/", ((b"authorization", IAM_AUTH),)), receive, sender("iam"))
        release.set()
        await first

    asyncio.run(run())
    app.executor.shutdown(wait=True)
    assert complete(sent["first"])[2] == b"done"
    status, _, body = complete(sent["s3"])
    assert status == 503 and b"<Code>SlowDown</Code>" in body and b"Please reduce your request rate." in body
    status, _, body = complete(sent["iam"])
    assert status == 503 and b"<Code>ServiceUnavailable</Code>" in body and b"<ErrorResponse" in body
    assert (app.admission.in_flight, app.admission.refused) == (0, 2)
    metrics = complete(drive(app, scope("GET", "/_ostiary/metrics"))[0])[2].decode()
    assert "ostiary_requests_in_flight 0\n" in metrics and "ostiary_requests_refused_total 2\n" in metrics
    assert 'ostiary_requests_total{method="GET",status="503"} 1' in metrics


@pytest.mark.parametrize(
    ("request_scope", "status", "code"),
    [
        (scope("PUT", "/b/k", ((b"content-length", b"99999999999"),)), 400, b"EntityTooLarge"),
        (
            scope("POST", "/", ((b"content-type", b"application/x-www-form-urlencoded"), (b"content-length", b"2000"))),
            413,
            b"RequestEntityTooLarge",
        ),
    ],
    ids=["s3", "sts"],
)
def test_a_declared_length_above_the_limit_is_refused_unread(request_scope: Message, status: int, code: bytes) -> None:
    called = []
    sent, failure = drive(
        app_for(lambda r: called.append(r) or HttpResponse(200), max_body_bytes=1000), request_scope, []
    )
    assert failure is None and called == []
    got, headers, body = complete(sent)
    assert (got, headers[b"connection"]) == (status, b"close") and f"<Code>{code.decode()}</Code>".encode() in body


def test_the_server_stopping_answers_503_not_500() -> None:
    app = app_for(lambda _: HttpResponse(200))
    app.executor.shutdown()
    sent, failure = drive(app, scope())
    assert failure is None
    assert complete(sent)[0] == 503


# --- request bodies: size and pace -----------------------------------------------------------------------


def reader(request: HttpRequest) -> HttpResponse:
    data = request.body.read()
    return HttpResponse(200, [], str(len(data)).encode())


def put(length: int | None) -> Message:
    headers = (
        ((b"content-length", str(length).encode()),) if length is not None else ((b"transfer-encoding", b"chunked"),)
    )
    return scope("PUT", "/b/k", headers)


def chunks(*parts: bytes) -> list[Message]:
    return [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]


BODY_CASES: dict[str, tuple[Message, list[Message], dict[str, Any], int, bytes]] = {
    "whole body": (put(6), chunks(b"abc", b"def"), {}, 200, b"6"),
    "streamed past the limit": (
        put(None),
        chunks(b"x" * 600, b"x" * 600),
        {"max_body_bytes": 1000},
        400,
        b"EntityTooLarge",
    ),
    "client disconnects": (
        put(6),
        [*chunks(b"abc", b"def")[:1], {"type": "http.disconnect"}],
        {},
        400,
        b"IncompleteBody",
    ),
    "client goes silent": (put(6), [*chunks(b"abc", b"def")[:1]], {"body_idle_seconds": 0.2}, 400, b"RequestTimeout"),
    "client trickles": (
        put(100_000),
        [
            m
            for _ in range(200)
            for m in ({"type": "sleep", "seconds": 0.02}, {"type": "http.request", "body": b"x", "more_body": True})
        ],
        {"body_idle_seconds": 0.5, "body_min_bytes_per_second": 1024},
        400,
        b"RequestTimeout",
    ),
}


@pytest.mark.parametrize("case", BODY_CASES)
def test_request_bodies(case: str) -> None:
    request_scope, incoming, limits, status, marker = BODY_CASES[case]
    sent, failure = drive(app_for(reader, **limits), request_scope, list(incoming))
    assert failure is None
    got, headers, body = complete(sent)
    assert got == status and marker in body, body
    # A failed body leaves the connection out of step (or holds a client too slow to keep): it ends.
    assert (headers.get(b"connection") == b"close") == (status != 200)


def test_a_trickled_body_fails_on_its_pace_while_the_client_still_sends() -> None:
    """Each byte comes well within the idle limit; the body fails on its overall pace, not when the bytes stop."""
    request_scope, incoming, limits, _, _ = BODY_CASES["client trickles"]
    trickle = list(incoming)
    sent, _ = drive(app_for(reader, **limits), request_scope, trickle)
    assert b"RequestTimeout" in complete(sent)[2]
    assert trickle, "the client had stopped sending before the server gave up"


def test_reading_in_pieces_returns_exactly_the_body() -> None:
    pieces: list[bytes] = []

    def respond(request: HttpRequest) -> HttpResponse:
        while piece := request.body.read(4):
            pieces.append(piece)
        return HttpResponse(200)

    drive(app_for(respond), put(10), chunks(b"0123", b"456", b"789"))
    assert b"".join(pieces) == b"0123456789" and all(len(p) == 4 for p in pieces[:-1])
