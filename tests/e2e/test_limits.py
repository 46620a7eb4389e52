"""Slow and huge requests against a live server: the attacker gets an error or a closed connection, and a
normal request is still answered while the attack runs.

`limited` runs the real `App` behind uvicorn with `uvicorn_options`, in this process on 127.0.0.1, with
limits small enough for a test (a one-second head deadline, a one-second body idle limit, eight requests in
flight). The tests assert outcomes, never speed: every wait is bounded by a socket timeout or a count.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
import uvicorn
from botocore.config import Config

from ostiary import sigv4
from ostiary.server.app import App
from ostiary.server.connections import uvicorn_options
from ostiary.server.pipeline import Pipeline
from ostiary.store.keyring import KeyRing
from tests.support import ROOT_ACCOUNT, ROOT_KEY, ROOT_SECRET, Server, free_port, open_root_store

IN_FLIGHT = 8
APP_LIMITS = {"workers": 4, "max_in_flight": IN_FLIGHT, "body_idle_seconds": 1.0, "body_min_bytes_per_second": 1024}
CONNECTION_LIMITS = {"head_seconds": 1.0, "keep_alive_seconds": 2, "send_idle_seconds": 1.0}
WAIT = 30.0  # the bound on any single wait in these tests; outcomes come far sooner


@dataclass
class Live:
    host: str
    port: int
    app: App
    answered: int = 0  # normal requests that succeeded

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=ROOT_KEY,
            aws_secret_access_key=ROOT_SECRET,
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10, signature_version="s3v4"),
        )

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=WAIT)

    def settle(self, in_flight: int = 0) -> None:
        """Wait (bounded) until exactly `in_flight` requests are being served."""
        deadline = time.monotonic() + WAIT
        while self.app.admission.in_flight != in_flight:
            assert time.monotonic() < deadline, f"{self.app.admission.in_flight} requests still in flight"
            time.sleep(0.02)


@contextlib.contextmanager
def serving(data_dir: Path, app_limits: dict[str, Any], connection_limits: dict[str, Any]) -> Iterator[Live]:
    """The real `App` over a fresh store, behind uvicorn with `uvicorn_options`, in a thread on 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    store = open_root_store(data_dir, None, now)
    keyring = KeyRing(store, os.urandom)
    keyring.current(now)
    app = App(Pipeline(store, keyring), **app_limits)
    port = free_port()
    options = uvicorn_options(**connection_limits)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", log_config=None, access_log=False, **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="limited-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield Live("127.0.0.1", port, app)
    finally:
        server.should_exit = True
        thread.join(WAIT)
        store.close()


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with serving(tmp_path_factory.mktemp("limits") / "state", APP_LIMITS, CONNECTION_LIMITS) as live:
        yield live


def normal_requests_succeed(live: Live) -> None:
    assert live.client("sts").get_caller_identity()["Account"] == ROOT_ACCOUNT
    assert "Buckets" in live.client("s3").list_buckets()
    live.answered += 1


def read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset counts as closed)."""
    data = b""
    sock.settimeout(WAIT)
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def signed_s3(method: str, path: str, headers: list[tuple[str, str]], netloc: str) -> bytes:
    """A header-signed S3 request head (UNSIGNED-PAYLOAD), as raw bytes."""
    base = [("host", netloc), *headers]
    signed = sigv4.sign(
        method,
        path,
        "",
        base,
        access_key_id=ROOT_KEY,
        secret=ROOT_SECRET,
        region="us-east-1",
        service="s3",
        now=dt.datetime.now(dt.UTC),
        payload_hash="UNSIGNED-PAYLOAD",
    )
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in signed.headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


STS_FORM = (
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n"
)


# --- request heads: slowloris ----------------------------------------------------------------------------


def test_slow_heads_get_408_while_normal_requests_are_answered(limited: Live) -> None:
    attackers = [limited.connect() for _ in range(40)]
    try:
        for sock in attackers:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        normal_requests_succeed(limited)  # 40 unfinished heads are open
        answers = [read_answer(sock) for sock in attackers]
    finally:
        for sock in attackers:
            sock.close()
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers), {a[:40] for a in answers}


def test_a_head_sent_a_byte_at_a_time_is_cut_off(limited: Live) -> None:
    head = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-Header-%d: value\r\n" % i for i in range(20)) + b"\r\n"
    sent = 0
    with limited.connect() as sock:
        for byte in head:  # one byte every 0.1 s: never idle for long, but the whole head takes 50 s
            sock.sendall(bytes([byte]))
            sent += 1
            if select.select([sock], [], [], 0.1)[0]:
                break
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 408 ") and sent < len(head), (answer[:40], sent)


def test_a_connection_that_sends_nothing_is_closed(limited: Live) -> None:
    with limited.connect() as sock:
        assert read_answer(sock) == b""


def test_a_huge_head_gets_431_or_a_closed_connection(limited: Live) -> None:
    line = b"X-Filler: " + b"a" * 8_000 + b"\r\n"
    sent = 0
    with limited.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        try:
            while sent < 64 << 20 and not select.select([sock], [], [], 0)[0]:
                sock.sendall(line)
                sent += len(line)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_answer(sock)
    assert sent < 64 << 20, "the server read 64 MiB of headers"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:40]
    normal_requests_succeed(limited)


# --- request bodies ----------------------------------------------------------------------------------------


def trickle(sock: socket.socket, count: int) -> int:
    """Send up to `count` body bytes, one every 0.1 s, until the server answers; returns how many were sent."""
    for sent in range(count):
        if select.select([sock], [], [], 0.1)[0]:
            return sent
        sock.sendall(b"x")
    return count


@pytest.mark.parametrize("service", ["sts", "s3"])
def test_a_trickled_body_gets_request_timeout(limited: Live, service: str) -> None:
    length = 200  # 20 s at a byte every 0.1 s; the pace limit (1 KiB/s after 1 s) stops it after about 1 s
    if service == "sts":
        head = STS_FORM % length
    else:
        limited.client("s3").create_bucket(Bucket="trickle")
        head = signed_s3("PUT", "/trickle/k", [("content-length", str(length))], f"{limited.host}:{limited.port}")
    answered = limited.answered
    meanwhile = threading.Thread(target=normal_requests_succeed, args=(limited,))
    with limited.connect() as sock:
        sock.sendall(head)
        meanwhile.start()  # normal requests while the body trickles
        sent = trickle(sock, length)
        answer = read_answer(sock)
        meanwhile.join(WAIT)
    assert limited.answered == answered + 1, "a normal request failed while the body trickled"
    assert sent < length, "the whole body went through"
    assert answer.startswith(b"HTTP/1.1 400 ") and b"<Code>RequestTimeout</Code>" in answer, answer[:300]
    limited.settle()


def test_slow_bodies_fill_the_in_flight_limit_then_get_slowdown(tmp_path: Path) -> None:
    # Bodies that wait longer than this test: only closing them frees their places.
    with serving(tmp_path / "state", {**APP_LIMITS, "body_idle_seconds": WAIT}, CONNECTION_LIMITS) as crowded:
        slow_bodies_fill_the_in_flight_limit(crowded)


def slow_bodies_fill_the_in_flight_limit(limited: Live) -> None:
    slow = [limited.connect() for _ in range(IN_FLIGHT)]
    try:
        for sock in slow[:-1]:
            sock.sendall(STS_FORM % 1_000)
        limited.settle(IN_FLIGHT - 1)
        normal_requests_succeed(limited)  # one place left
        slow[-1].sendall(STS_FORM % 1_000)
        limited.settle(IN_FLIGHT)
        with pytest.raises(botocore.exceptions.ClientError) as s3_refused:
            limited.client("s3").list_buckets()
        with pytest.raises(botocore.exceptions.ClientError) as sts_refused:
            limited.client("sts").get_caller_identity()
    finally:
        for sock in slow:
            sock.close()
    assert s3_refused.value.response["Error"]["Code"] == "SlowDown"
    assert s3_refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert sts_refused.value.response["Error"]["Code"] == "ServiceUnavailable"
    limited.settle()
    normal_requests_succeed(limited)


def test_a_declared_body_above_the_limit_is_refused_unread(server: Server) -> None:
    """The default limit, on `ostiary serve`: a 6 GiB PutObject is refused before a byte of it is sent."""
    host, port = server.endpoint.removeprefix("http://").split(":")
    head = signed_s3("PUT", "/any-bucket/huge", [("content-length", str(6 << 30))], f"{host}:{port}")
    with socket.create_connection((host, int(port)), timeout=WAIT) as sock:
        sock.sendall(head)
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"<Code>EntityTooLarge</Code>" in answer, answer[:300]
    assert b"<ProposedSize>6442450944</ProposedSize><MaxSizeAllowed>5368709120</MaxSizeAllowed>" in answer
    assert b"connection: close" in answer.lower()


def test_a_query_body_above_its_limit_gets_request_entity_too_large(server: Server) -> None:
    host, port = server.endpoint.removeprefix("http://").split(":")
    length = 2 << 20
    with socket.create_connection((host, int(port)), timeout=WAIT) as sock:
        sock.sendall(STS_FORM % length)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b"Action=GetCallerIdentity&" + b"x" * (length - 25))
        answer = read_answer(sock)
    assert answer == b"" or (answer.startswith(b"HTTP/1.1 413 ") and b"RequestEntityTooLarge" in answer), answer[:300]


# --- responses the client does not read -----------------------------------------------------------------


def test_a_response_the_client_never_reads_is_abandoned(limited: Live, tmp_path: Path) -> None:
    s3 = limited.client("s3")
    s3.create_bucket(Bucket="unread")
    s3.put_object(Bucket="unread", Key="big", Body=os.urandom(32 << 20))
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "unread", "Key": "big"})
    path = url.removeprefix(limited.endpoint)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(WAIT)
    try:
        sock.connect((limited.host, limited.port))
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {limited.host}:{limited.port}\r\n\r\n".encode())
        first = sock.recv(16)  # the response has started; from now on the client reads nothing
        limited.settle(0)  # the server let go
        normal_requests_succeed(limited)
        received = len(first) + len(read_answer(sock))
    finally:
        sock.close()
    assert first.startswith(b"HTTP/1.1 200 ") and received < 32 << 20, (first, received)
