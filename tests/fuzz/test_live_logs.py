"""A live server answers client errors without logging a traceback, and survives a short fuzz run.

Client errors of every kind are sent over real sockets: AWS errors, bad input, bodies that stop early, clients that
disconnect mid-body or before reading a large answer, bad aws-chunked signatures, and HTTP the parser refuses. The
server's log must then hold no traceback and no ERROR line: a traceback there means an expected error reached the
"internal error" path or escaped the ASGI app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostiary import sigv4
from tests.support import REPO, ROOT_KEY, ROOT_SECRET, Server, start_server

pytestmark = pytest.mark.e2e

BUCKET = "logs-bucket"
BIG = 8 << 20  # larger than the socket buffers: the server is still sending when the client goes away


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(Path(tmp_path_factory.mktemp("logs")) / "state")
    yield server
    server.stop()


def address(server: Server) -> tuple[str, int]:
    host, port = server.endpoint.removeprefix("http://").split(":")
    return host, int(port)


Headers = tuple[tuple[str, str], ...]


def signed(server: Server, method: str, path: str, query: str = "", body: bytes = b"", headers: Headers = ()) -> bytes:
    host = server.endpoint.removeprefix("http://")
    result = sigv4.sign(
        method,
        path,
        query,
        [("host", host), ("content-length", str(len(body))), *headers],
        access_key_id=ROOT_KEY,
        secret=ROOT_SECRET,
        region="us-east-1",
        service="s3",
        now=dt.datetime.now(dt.UTC),
        payload_hash=hashlib.sha256(body).hexdigest(),
    )
    return head(method, path + ("?" + result.raw_query if result.raw_query else ""), result.headers) + body


def head(method: str, target: str, headers: Headers | list[tuple[str, str]]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers), "", ""]
    return "\r\n".join(lines).encode("utf-8", "surrogateescape")


def exchange(server: Server, data: bytes, *, read: bool = True) -> bytes:
    """Send `data` on a fresh connection; return what comes back until the server closes or goes quiet."""
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(data)
        if not read:
            return b""
        sock.settimeout(2)
        received = b""
        try:
            while chunk := sock.recv(1 << 16):
                received += chunk
                if b"\r\n\r\n" in received and len(received) > 64:
                    break
        except TimeoutError:
            pass
        return received


def test_client_errors_log_no_traceback(live: Server) -> None:
    host = live.endpoint.removeprefix("http://")
    assert exchange(live, signed(live, "PUT", f"/{BUCKET}")).startswith(b"HTTP/1.1 200")
    assert exchange(live, signed(live, "PUT", f"/{BUCKET}/big", body=b"x" * BIG)).startswith(b"HTTP/1.1 200")

    # AWS errors and bad input
    assert b" 400 " in exchange(live, signed(live, "GET", f"/{BUCKET}", "max-keys=%C2%B2"))[:20]
    assert b" 404 " in exchange(live, signed(live, "GET", f"/{BUCKET}/missing"))[:20]
    assert b" 404 " in exchange(live, signed(live, "HEAD", f"/{BUCKET}/missing"))[:20]
    assert b" 501 " in exchange(live, signed(live, "GET", f"/{BUCKET}", "default-storage-class"))[:20]
    unknown = head("GET", "/", [("host", host), ("authorization", "AWS4-HMAC-SHA256 Credential=AKIAX/x")])
    assert b" 40" in exchange(live, unknown)[:20]
    form = b"Action=GetCallerIdentity&Version=2011-06-15&x=" + b"a" * (2 << 20)
    too_big = head("POST", "/", [("host", host), ("content-type", "application/x-www-form-urlencoded")])
    assert b" 413 " in exchange(live, too_big[:-2] + f"content-length: {len(form)}\r\n\r\n".encode() + form)[:20]

    # a body that stops early, then the client goes away
    partial = signed(live, "PUT", f"/{BUCKET}/partial", body=b"y" * 100_000)
    exchange(live, partial[: len(partial) - 90_000], read=False)

    # a client that leaves before reading a large object
    with socket.create_connection(address(live), timeout=10) as sock:
        sock.sendall(signed(live, "GET", f"/{BUCKET}/big"))
        sock.recv(1024)

    # a signed aws-chunked upload whose chunk signature is wrong
    chunked = b"5;chunk-signature=" + b"0" * 64 + b"\r\nhello\r\n0;chunk-signature=" + b"0" * 64 + b"\r\n\r\n"
    streaming = (
        ("content-encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "5"),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
    )
    request = signed(live, "PUT", f"/{BUCKET}/chunked", headers=streaming)
    request = request.replace(b"content-length: 0", f"content-length: {len(chunked)}".encode())
    assert b" 40" in exchange(live, request + chunked)[:20]

    # HTTP the parser refuses
    exchange(live, b"\x00\x01garbage\r\n\r\n")
    exchange(live, b"GET / HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n")

    time.sleep(1)  # let the server finish with the connections it lost
    log = live.log.read_text(errors="replace")
    assert "Traceback" not in log, log[-5000:]
    assert " ERROR " not in log, log[-5000:]


def test_a_short_live_fuzz_run_finds_no_server_error(tmp_path: Path) -> None:
    """`make fuzz`, in small: the script starts its own server and fails on any 5xx or logged traceback."""
    script = REPO / "scripts" / "fuzz_live.py"
    command = [sys.executable, str(script), "--requests", "3000", "--concurrency", "2", "--data-dir", str(tmp_path)]
    run = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-3000:]
    assert "requests sent: 3000" in run.stdout
    assert "5xx responses (server errors): 0" in run.stdout
