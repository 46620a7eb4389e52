"""Live `ostiary serve` processes on loopback for end-to-end tests, and clients for them.

- `server`: one server for the whole session, on SQLite, with known root credentials.
  Tests share it, so they create uniquely named entities (`unique_name`).
- `pg_server`: the same on PostgreSQL, when OSTIARY_TEST_DATABASE_URL is set (each
  session gets a fresh database, dropped at the end); skipped otherwise.
- `backend_server`: parametrized over both, for tests that must hold on each backend.
- `start_server(...)`: a fresh server of your own (restart tests, special settings).
"""

from __future__ import annotations

import datetime
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT_ACCOUNT = "424323427586"
ROOT_KEY = "AKIAWFS5FVUBROOT0001"
ROOT_SECRET = "rootSecretKeyForAcceptanceTests0000000001"
REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("OSTIARY_SHARED_DIR", REPO.parent / "shared"))


@dataclass
class Server:
    endpoint: str
    account_id: str
    access_key_id: str
    secret_access_key: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path
    database_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def client(
        self,
        service: str,
        *,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        region: str = "us-east-1",
        **config: Any,
    ) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id=access_key_id or self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            aws_session_token=session_token,
            config=Config(retries={"max_attempts": 1}, **config),
        )

    def cli_env(
        self, access_key_id: str | None = None, secret_access_key: str | None = None, session_token: str | None = None
    ) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID=access_key_id or self.access_key_id,
            AWS_SECRET_ACCESS_KEY=secret_access_key or self.secret_access_key,
            AWS_DEFAULT_REGION="us-east-1",
            AWS_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
        if session_token:
            env["AWS_SESSION_TOKEN"] = session_token
        return env

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    data_dir: Path, *, database_url: str | None = None, extra_env: dict[str, str] | None = None, port: int | None = None
) -> Server:
    """Start `ostiary serve` on a free loopback port and wait until /_ostiary/health answers."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"{data_dir.name}-server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        OSTIARY_ACCOUNT_ID=ROOT_ACCOUNT,
        OSTIARY_ROOT_ACCESS_KEY_ID=ROOT_KEY,
        OSTIARY_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET,
    )
    env.update(extra_env or {})
    command = [
        sys.executable,
        "-m",
        "ostiary.cli.main",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    if database_url:
        command += ["--database-url", database_url]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ostiary exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{endpoint}/_ostiary/health", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"ostiary did not become healthy:\n{log.read_text()}")
    account = env["OSTIARY_ACCOUNT_ID"]
    return Server(
        endpoint,
        account,
        env["OSTIARY_ROOT_ACCESS_KEY_ID"],
        env["OSTIARY_ROOT_SECRET_ACCESS_KEY"],
        data_dir,
        process,
        log,
        database_url,
        env,
    )


def fresh_postgres_database(base_url: str) -> tuple[str, Callable[[], None]]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"ostiary_test_{secrets.token_hex(6)}"
    url = make_url(base_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


ROOT_ENV = {
    "OSTIARY_ACCOUNT_ID": ROOT_ACCOUNT,
    "OSTIARY_ROOT_ACCESS_KEY_ID": ROOT_KEY,
    "OSTIARY_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET,
}


def settings_from(environ: dict[str, str] | None = None) -> Any:
    """The `Settings` a server started with `environ` (default: the known root credentials) would have."""
    from ostiary.settings import Settings

    return Settings.from_sources({}, ROOT_ENV if environ is None else environ)


def open_root_store(data_dir: Path, database_url: str | None, now: datetime.datetime) -> Any:
    """The store a first `ostiary serve` with the known root credentials leaves: migrated, with its account."""
    from ostiary.bootstrap import ensure_default_account, open_store

    settings = settings_from()
    store = open_store(data_dir, database_url, settings, os.urandom)
    ensure_default_account(store, settings, os.urandom, now)
    return store


class InProcess:
    """A `Pipeline` over a fresh store (SQLite, or PostgreSQL at `database_url`), driven with signed requests
    and a clock the test sets."""

    START = datetime.datetime(2026, 11, 28, 12, 0, 0, tzinfo=datetime.UTC)

    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
        from ostiary.server.pipeline import Pipeline
        from ostiary.store.keyring import KeyRing

        self.now = self.START
        self.store = open_root_store(data_dir, database_url, self.now)
        self.keyring = KeyRing(self.store, os.urandom)
        self.pipeline = Pipeline(self.store, self.keyring, clock=lambda: self.now)

    def close(self) -> None:
        self.store.close()

    def s3(
        self, method: str, path: str, query: str = "", headers: tuple[tuple[str, str], ...] = (), body: bytes = b""
    ) -> Any:
        """A root-signed S3 request; returns the HttpResponse."""
        import hashlib

        from ostiary import sigv4
        from ostiary.http import BytesBody, HttpRequest

        all_headers = [("host", "127.0.0.1:4599"), ("content-length", str(len(body))), *headers]
        signed = sigv4.sign(
            method,
            path,
            query,
            all_headers,
            access_key_id=ROOT_KEY,
            secret=ROOT_SECRET,
            region="us-east-1",
            service="s3",
            now=self.now,
            payload_hash=hashlib.sha256(body).hexdigest(),
        )
        request = HttpRequest(method, path, query, tuple((k.lower(), v) for k, v in signed.headers), BytesBody(body))
        return self.pipeline.handle(request)

    def query(
        self,
        service: str,
        params: dict[str, str],
        *,
        access_key_id: str = ROOT_KEY,
        secret: str = ROOT_SECRET,
        session_token: str | None = None,
        signed_at: Any = None,
        sign: bool = True,
    ) -> tuple[int, Any]:
        """POST a Query request; returns (status, parsed XML root)."""
        import hashlib
        import xml.etree.ElementTree as ET
        from urllib.parse import urlencode

        from ostiary import sigv4
        from ostiary.http import BytesBody, HttpRequest

        body = urlencode(params).encode()
        headers: list[tuple[str, str]] = [
            ("host", "127.0.0.1:4599"),
            ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
        ]
        if sign:
            signed = sigv4.sign(
                "POST",
                "/",
                "",
                headers,
                access_key_id=access_key_id,
                secret=secret,
                region="us-east-1",
                service=service,
                now=signed_at or self.now,
                payload_hash=hashlib.sha256(body).hexdigest(),
                session_token=session_token,
            )
            headers = [(k.lower(), v) for k, v in signed.headers]
        request = HttpRequest("POST", "/", "", tuple(headers), BytesBody(body))
        response = self.pipeline.handle(request)
        assert isinstance(response.body, bytes)
        return response.status, ET.fromstring(response.body)


def find(root: Any, path: str) -> str | None:
    """Text at a namespace-agnostic path like "GetCallerIdentityResult/Arn" or "Error/Code"."""
    node = root
    for part in path.split("/"):
        node = next((child for child in node if child.tag.rsplit("}", 1)[-1] == part), None)
        if node is None:
            return None
    text: str | None = node.text
    return text
