"""No dropped or truncated responses: `aws s3 sync`, kept-alive connections, and 32 clients at once.

The stress test runs a bounded number of requests: ``OSTIARY_STRESS_REQUESTS`` per client (default 25, so
32 clients send 800 in all); set it higher for a longer run. Every PUT writes a body that names its own key
and version and ends with the SHA-256 of what precedes it, and the same version in its metadata, so a GET
that mixed two versions, or a body from one version with the headers of another, is caught.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import random
import subprocess
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.exceptions
import pytest

from tests.support import Server, start_server

Cli = Callable[..., subprocess.CompletedProcess[str]]

CLIENTS = 32
REQUESTS_PER_CLIENT = int(os.environ.get("OSTIARY_STRESS_REQUESTS", "25"))
SHARED_KEYS = ("shared/a", "shared/b", "shared/c", "shared/empty")
UNFINISHED = ("ASGI callable returned without completing response", "Exception in ASGI application")


def _server_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if any(marker in line for marker in UNFINISHED)]


# --- the user's case: `aws s3 sync` of a prefix, and the kept-alive connection it relies on -----------


def test_aws_s3_sync_of_a_prefix_gets_every_object(
    server: Server, aws_cli: Cli, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    log_start = len(server.log.read_text())
    bucket = unique_name("sync")
    s3 = server.client("s3")
    s3.create_bucket(Bucket=bucket)
    expected = {f"o{i}.txt": f"small object {i}\n".encode() * i for i in range(10)}  # o0.txt is empty
    for name, body in expected.items():
        s3.put_object(Bucket=bucket, Key=f"prefix/{name}", Body=body)
    target = tmp_path / "dir"
    result = aws_cli(server.cli_env(), "s3", "sync", f"s3://{bucket}/prefix/", str(target))
    assert result.returncode == 0, result.stderr
    assert {path.name: path.read_bytes() for path in target.iterdir()} == expected
    assert _server_errors(server.log.read_text()[log_start:]) == []


def test_a_kept_alive_connection_survives_a_zero_length_object(
    server: Server, unique_name: Callable[[str], str]
) -> None:
    bucket = unique_name("empty")
    s3 = server.client("s3", signature_version="s3v4")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    s3.put_object(Bucket=bucket, Key="full", Body=b"full")
    urls = [s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}) for key in ("empty", "full")]
    connection = http.client.HTTPConnection(urlsplit(server.endpoint).netloc, timeout=10)
    try:
        answers = []
        for url in [*urls, *urls]:  # one connection, four requests, the empty object first
            parts = urlsplit(url)
            connection.request("GET", f"{parts.path}?{parts.query}")
            response = connection.getresponse()
            answers.append((response.status, response.read()))
        assert answers == [(200, b""), (200, b"full")] * 2
    finally:
        connection.close()


# --- 32 clients, the same keys and their own keys, GET HEAD PUT DELETE ------------------------------------


def _body(key: str, version: str, rng: random.Random) -> bytes:
    head = f"{key} {version} ".encode()
    payload = rng.randbytes(rng.choice((1, 100, 5_000, 70_000, 300_000)))
    return head + payload + hashlib.sha256(head + payload).hexdigest().encode()


def _check_body(key: str, body: bytes, metadata: dict[str, str], etag: str) -> str:
    """The version a GET returned; fails on any mix of versions, truncation, or headers of another version."""
    if key == "shared/empty" or metadata.get("version") == "empty":
        assert body == b"" and etag == '"d41d8cd98f00b204e9800998ecf8427e"', (key, len(body))
        return "empty"
    content, digest = body[:-64], body[-64:]
    assert hashlib.sha256(content).hexdigest().encode() == digest, f"{key}: torn or truncated body ({len(body)} bytes)"
    named_key, version, _ = content.split(b" ", 2)
    assert named_key.decode() == key, (key, named_key)
    assert metadata.get("version") == version.decode(), f"{key}: body of {version!r}, headers of {metadata}"
    assert etag == f'"{hashlib.md5(body).hexdigest()}"', key
    return version.decode()


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    acknowledged: dict[str, set[str]] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        with self.lock:
            self.outcomes[outcome] += 1

    def fail(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)

    def acknowledge(self, key: str, version: str) -> None:
        with self.lock:
            self.acknowledged.setdefault(key, set()).add(version)


def _client_run(s3: Any, bucket: str, number: int, tally: Tally) -> None:
    rng = random.Random(number)
    own = [f"client{number}/k{i}" for i in range(3)]
    for sequence in range(REQUESTS_PER_CLIENT):
        key = rng.choice(SHARED_KEYS) if rng.random() < 0.5 else rng.choice(own)
        operation = rng.choices(("GET", "HEAD", "PUT", "DELETE"), weights=(4, 2, 3, 1))[0]
        try:
            if operation == "PUT":
                version = "empty" if key == "shared/empty" else f"c{number}s{sequence}"
                body = b"" if version == "empty" else _body(key, version, rng)
                s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata={"version": version})
                tally.acknowledge(key, version)
            elif operation == "GET":
                got = s3.get_object(Bucket=bucket, Key=key)
                _check_body(key, got["Body"].read(), got["Metadata"], got["ETag"])
            elif operation == "HEAD":
                head = s3.head_object(Bucket=bucket, Key=key)
                assert (head["ContentLength"] == 0) == (head["Metadata"].get("version") == "empty"), head
            else:
                s3.delete_object(Bucket=bucket, Key=key)
            tally.count(f"{operation} ok")
        except botocore.exceptions.ClientError as error:
            code = error.response["Error"]["Code"]
            if code in ("NoSuchKey", "404") and operation in ("GET", "HEAD"):
                tally.count(f"{operation} absent")  # deleted, or not written yet: a whole answer
            else:
                tally.fail(f"{operation} {key}: {code}")
        except (botocore.exceptions.BotoCoreError, AssertionError) as error:  # dropped, truncated, torn
            tally.fail(f"{operation} {key}: {type(error).__name__}: {error}")


def test_32_clients_get_whole_answers_and_whole_versions(tmp_path: Path) -> None:
    server = start_server(tmp_path / "state")
    try:
        bucket = "stress"
        server.client("s3").create_bucket(Bucket=bucket)
        tally = Tally()
        # boto3's default session is not safe to build clients from many threads at once: build them here.
        clients = [server.client("s3", max_pool_connections=2) for _ in range(CLIENTS)]
        threads = [threading.Thread(target=_client_run, args=(clients[n], bucket, n, tally)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent = sum(tally.outcomes.values()) + len(tally.failures)
        print(
            f"stress: {sent} requests, outcomes {dict(sorted(tally.outcomes.items()))}, failures {len(tally.failures)}"
        )
        assert sent == CLIENTS * REQUESTS_PER_CLIENT
        assert tally.failures == []
        # What is left is whole, and was written by an acknowledged PUT.
        s3 = server.client("s3")
        for key, versions in tally.acknowledged.items():
            try:
                got = s3.get_object(Bucket=bucket, Key=key)
            except botocore.exceptions.ClientError as error:
                assert error.response["Error"]["Code"] == "NoSuchKey"
                continue
            assert _check_body(key, got["Body"].read(), got["Metadata"], got["ETag"]) in versions
    finally:
        server.stop()
    assert _server_errors(server.log.read_text()) == []


@pytest.mark.parametrize("key", ["shared/a", "client1/k0"])
def test_check_body_catches_a_torn_or_mislabelled_read(key: str) -> None:
    rng = random.Random(7)
    old, new = _body(key, "old", rng), _body(key, "new", rng)
    whole = _check_body(key, new, {"version": "new"}, f'"{hashlib.md5(new).hexdigest()}"')
    assert whole == "new"
    torn = new[: len(new) // 2] + old[len(new) // 2 :]
    for body, metadata in ((torn, {"version": "new"}), (new[:-1], {"version": "new"}), (new, {"version": "old"})):
        with pytest.raises(AssertionError):
            _check_body(key, body, metadata, f'"{hashlib.md5(body).hexdigest()}"')
