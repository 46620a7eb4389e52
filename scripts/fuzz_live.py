"""Fuzz a live `ostiary serve` with generated requests and count the server errors.

Not a test; run `python scripts/fuzz_live.py` (or `make fuzz`). It starts a server on 127.0.0.1 (as the end-to-end
tests do) unless --endpoint names one, creates the entities the generator names, then sends --requests generated
requests (default 1,000,000, stopped early by --duration) from --concurrency processes over keep-alive
connections. Request number N is generated from `random.Random` seeded with (--seed, N), so any request can be
sent again alone with --replay N. Each one is unsigned, signed with a valid key (SigV4 header, aws-chunked bodies
for some uploads), presigned, or signed and then damaged; the keys are the root's, a user's and a role session's.

It prints the requests sent, the 5xx count and the distribution of status codes, and each 5xx request in full. S3
answers 501 NotImplemented for operations and headers it does not implement (docs/supported-api.md): those are
counted apart, and count as server errors only with --strict-501. When it started the server it also reports
every traceback the server logged. The exit status is 1 when there was a server error or a traceback.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import multiprocessing
import random
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz.choosers import RandomChooser
from tests.fuzz.generate import Auth, Creds, Wire, World, fuzz_input
from tests.fuzz.signing import on_the_wire
from tests.fuzz.world import build_world, replenish
from tests.support import ROOT_ACCOUNT, ROOT_KEY, ROOT_SECRET, fresh_postgres_database, start_server

AUTH_WEIGHTS = ((Auth.UNSIGNED, 30), (Auth.HEADER, 35), (Auth.PRESIGNED, 20), (Auth.MANGLED, 15))
AUTHS = [auth for auth, weight in AUTH_WEIGHTS for _ in range(weight)]
CHUNK = 500  # requests per task
REPLENISH_EVERY = 50  # tasks
TIMEOUT = 60.0
SHOWN = 4000  # bytes of a failing request or response printed


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- a raw HTTP/1.1 client: bytes exactly as generated, responses parsed just enough ---------------------------


def _bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def serialize(wire: Wire) -> tuple[bytes, bool]:
    """The request's bytes, and whether its framing is off (the connection must not be reused after it)."""
    target = wire.path + ("?" + wire.query if wire.query else "")
    lines = [_bytes(f"{wire.method} {target} HTTP/1.1")]
    lengths = []
    for name, raw in wire.headers:
        # A line break would start another header or end the head: not what the generator meant to send.
        value = raw.replace("\r", " ").replace("\n", " ")
        lines.append(_bytes(name) + b": " + _bytes(value))
        if name.lower() == "content-length":
            lengths.append(value)
        if name.lower() == "transfer-encoding":
            lengths.append("chunked?")
    framing_off = lengths != [str(len(wire.body))]
    return b"\r\n".join(lines) + b"\r\n\r\n" + wire.body, framing_off


@dataclass
class Answer:
    status: int  # 0: no answer (connection failure or timeout)
    head: bytes = b""
    body: bytes = b""
    error: str = ""


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.sock: socket.socket | None = None
        self.buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def _read_more(self) -> None:
        assert self.sock is not None
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("closed by the server")
        self.buffer += data

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._read_more()
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._read_more()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _response(self, method: str) -> Answer:
        while True:
            while b"\r\n\r\n" not in self.buffer:
                self._read_more()
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            status = int(head.split(b" ", 2)[1])
            if not 100 <= status < 200:
                break
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if method == "HEAD" or status in (204, 304):
            return Answer(status, head)
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = b""
            while size := int(self._line().split(b";")[0], 16):
                body += self._take(size)
                self._take(2)
            while self._line():
                pass
            return Answer(status, head, body)
        if b"content-length" in headers:
            return Answer(status, head, self._take(int(headers[b"content-length"])))
        while True:
            try:
                self._read_more()
            except ConnectionError:
                break
        body, self.buffer = self.buffer, b""
        self.close()
        return Answer(status, head, body)

    def send(self, wire: Wire) -> Answer:
        data, framing_off = serialize(wire)
        for attempt in range(2):
            fresh = self.sock is None
            try:
                if self.sock is None:
                    self.sock = socket.create_connection(self.address, timeout=TIMEOUT)
                self.sock.sendall(data)
                answer = self._response(wire.method)
            except (OSError, ConnectionError, ValueError, IndexError) as exc:
                self.close()
                if fresh or attempt:  # a kept-alive connection the server closed meanwhile: retry once, fresh
                    return Answer(0, error=f"{type(exc).__name__}: {exc}")
                continue
            if framing_off or b"connection: close" in answer.head.lower():
                self.close()
            return answer
        return Answer(0, error="unreachable")


# --- the run -----------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    sent: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    by_auth: collections.Counter[str] = field(default_factory=collections.Counter)
    not_implemented: int = 0
    failures: list[str] = field(default_factory=list)  # server errors, printed in full
    server_errors: int = 0
    lost: list[str] = field(default_factory=list)  # no answer at all

    def add(self, other: Tally) -> None:
        self.sent += other.sent
        self.statuses.update(other.statuses)
        self.by_auth.update(other.by_auth)
        self.not_implemented += other.not_implemented
        self.server_errors += other.server_errors
        self.failures += other.failures[: 200 - len(self.failures)]
        self.lost += other.lost[: 200 - len(self.lost)]


@dataclass(frozen=True)
class Job:
    host: str
    port: int
    world: World
    seed: int
    deadline: float
    strict_501: bool


_JOB: Job | None = None
_CONNECTION: Connection | None = None


def _start_worker(job: Job) -> None:
    global _JOB, _CONNECTION
    _JOB, _CONNECTION = job, Connection(job.host, job.port)


def generate(job: Job, index: int) -> tuple[Auth, Wire]:
    chooser = RandomChooser(random.Random(job.seed * 1_000_000_007 + index))
    inp = fuzz_input(chooser, job.world)
    auth = chooser.choice(AUTHS)
    creds = chooser.choice(job.world.creds)
    # One request in ten goes as generated, whatever the HTTP parser makes of it; the others reach ostiary.
    parsable = not chooser.chance(0.1)
    return auth, on_the_wire(inp, auth, creds, now(), chooser, f"{job.host}:{job.port}", http_parsable=parsable)


def is_server_error(answer: Answer, method: str, strict_501: bool) -> bool:
    if answer.status < 500:
        return False
    if answer.status == 501 and not strict_501:
        return not (method == "HEAD" or b"<Code>NotImplemented</Code>" in answer.body)
    return True


def describe(index: int, auth: Auth, wire: Wire, answer: Answer) -> str:
    data, _ = serialize(wire)
    received = (answer.head + b"\r\n\r\n" + answer.body)[:SHOWN]
    return (
        f"--- request {index} ({auth.value}): replay with --replay {index}\n{data[:SHOWN]!r}\n"
        f"--- answer: {answer.status} {answer.error}\n{received!r}\n"
    )


def run_chunk(bounds: tuple[int, int]) -> Tally:
    job, connection = _JOB, _CONNECTION
    assert job is not None and connection is not None
    tally = Tally()
    start, end = bounds
    if start and (start // CHUNK) % REPLENISH_EVERY == 0:
        replenish(lambda w: _status(connection.send(w)), job.world, now, f"{job.host}:{job.port}")
    for index in range(start, end):
        if time.time() > job.deadline:
            break
        auth, wire = generate(job, index)
        answer = connection.send(wire)
        tally.sent += 1
        tally.statuses[answer.status] += 1
        tally.by_auth[auth.value] += 1
        if answer.status == 0:
            tally.lost.append(describe(index, auth, wire, answer))
        elif is_server_error(answer, wire.method, job.strict_501):
            tally.server_errors += 1
            tally.failures.append(describe(index, auth, wire, answer))
        elif answer.status == 501:
            tally.not_implemented += 1
    return tally


def _status(answer: Answer) -> tuple[int, bytes]:
    return answer.status, answer.body


def tracebacks(log: Path) -> list[str]:
    """Each traceback in the server log, with the line before it (what was logged) and its exception line."""
    lines = log.read_text(errors="replace").splitlines()
    found = []
    for number, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last):"):
            end = number + 1
            while end < len(lines) and lines[end][:1] in (" ", "\t"):
                end += 1
            found.append("\n".join(lines[max(0, number - 1) : end + 1]))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", help="a running server (default: start one on 127.0.0.1)")
    parser.add_argument("--account-id", default=ROOT_ACCOUNT)
    parser.add_argument("--access-key-id", default=ROOT_KEY, help="the account root's key (with --endpoint)")
    parser.add_argument("--secret-access-key", default=ROOT_SECRET)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=4 * 3600, help="stop after this many seconds")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--strict-501", action="store_true", help="count 501 NotImplemented as server errors")
    parser.add_argument("--replay", type=int, help="send only this request number, and show it")
    parser.add_argument("--data-dir", type=Path, help="where a started server keeps its data and log")
    parser.add_argument("--postgres", metavar="URL", help="serve from a fresh database on this PostgreSQL server")
    args = parser.parse_args(argv)

    server, drop = None, None
    if args.endpoint is None:
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="ostiary-fuzz-"))
        database_url = None
        if args.postgres:
            database_url, drop = fresh_postgres_database(args.postgres)
        server = start_server(data_dir / "state", database_url=database_url)
        endpoint = server.endpoint
        print(f"server: {endpoint}, log {server.log}", flush=True)
    else:
        endpoint = args.endpoint
    parts = urlsplit(endpoint)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    try:
        setup = Connection(host, port)
        root = Creds(args.access_key_id, args.secret_access_key)
        world = build_world(lambda w: _status(setup.send(w)), args.account_id, root, now, f"{host}:{port}")
        setup.close()
        deadline = time.time() + args.duration
        job = Job(host, port, world, args.seed, deadline, args.strict_501)
        if args.replay is not None:
            _start_worker(job)
            auth, wire = generate(job, args.replay)
            assert _CONNECTION is not None
            print(describe(args.replay, auth, wire, _CONNECTION.send(wire)))
            return 0
        tally = fuzz(job, args.requests, args.concurrency)
    finally:
        if server is not None:
            server.stop()
        if drop is not None:
            drop()
    logged = tracebacks(server.log) if server is not None else []
    report(tally, time.time() - (deadline - args.duration), logged)
    return 1 if tally.server_errors or logged else 0


def fuzz(job: Job, requests: int, concurrency: int) -> Tally:
    tally = Tally()
    chunks = [(start, min(start + CHUNK, requests)) for start in range(0, requests, CHUNK)]
    started = last = time.time()
    context = multiprocessing.get_context("fork")
    with context.Pool(concurrency, initializer=_start_worker, initargs=(job,)) as pool:
        for done in pool.imap_unordered(run_chunk, chunks):
            tally.add(done)
            for failure in done.failures:
                print(failure, flush=True)
            if time.time() - last > 30:
                last = time.time()
                rate = tally.sent / (last - started)
                print(f"{tally.sent} sent, {tally.server_errors} server errors, {rate:.0f}/s", flush=True)
    return tally


def report(tally: Tally, elapsed: float, logged: list[str]) -> None:
    for lost in tally.lost[:20]:
        print(lost)
    for entry in logged[:20]:
        print("--- traceback in the server log:\n" + entry)
    print(f"requests sent: {tally.sent}")
    print(f"duration: {elapsed:.0f} s ({tally.sent / max(elapsed, 1e-9):.0f} requests/s)")
    print(f"5xx responses (server errors): {tally.server_errors}")
    print(f"501 NotImplemented (operations and headers ostiary does not implement): {tally.not_implemented}")
    print(f"requests without an answer: {tally.statuses.get(0, 0)}")
    print("status codes: " + ", ".join(f"{status}: {count}" for status, count in sorted(tally.statuses.items())))
    print("authentication: " + ", ".join(f"{auth}: {count}" for auth, count in sorted(tally.by_auth.items())))
    print(f"tracebacks in the server log: {len(logged)}")


if __name__ == "__main__":
    sys.exit(main())
