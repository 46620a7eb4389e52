"""A real store in a temporary directory, a recording authorizer, a fixed clock and rng, and a tiny client
that drives `ostiary.s3.handle` with HTTP requests as the server would build them."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import insert

from ostiary.api import RequestInfo, S3Call
from ostiary.caller import ANONYMOUS_CALLER, Caller, root_caller, user_caller
from ostiary.errors import AccessDenied
from ostiary.http import BytesBody, FileBody, HttpRequest, HttpResponse
from ostiary.policy.decision import Decision, Effect
from ostiary.s3 import handle
from ostiary.secretbox import SecretBox
from ostiary.store import Store, create_database_engine, sqlite_url
from ostiary.store.schema import accounts, metadata

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
NOW = dt.datetime(2026, 11, 27, 23, 56, 28, 123456, tzinfo=dt.UTC)
ROOT = root_caller(ACCOUNT, "AKIAEXAMPLEROOT00001")
OTHER_ROOT = root_caller(OTHER_ACCOUNT, "AKIAEXAMPLEROOT00002")
ALICE = user_caller(
    ACCOUNT,
    "AIDAALICEEXAMPLE00001",
    "alice",
    f"arn:aws:iam::{ACCOUNT}:user/alice",
    "AKIAEXAMPLEALICE0001",
    has_boundary=False,
)
ANONYMOUS = ANONYMOUS_CALLER


class CountingRng:
    """Deterministic bytes: SHA-256 of a counter."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            self.count += 1
            out += hashlib.sha256(str(self.count).encode()).digest()
        return out[:size]


@dataclass(frozen=True)
class AuthCall:
    action: str
    resource: str
    kwargs: Mapping[str, Any]

    @property
    def keys(self) -> Mapping[str, tuple[str, ...]]:
        return self.kwargs.get("keys") or {}


@dataclass
class RecordingAuthorizer:
    """Records every question; denies those `deny` says yes to (by default: anonymous callers)."""

    caller: Caller
    calls: list[AuthCall] = field(default_factory=list)
    deny: Callable[[Caller, str, str], bool] | None = None

    def __call__(self, action: str, resource: str = "*", **kwargs: Any) -> Decision:
        self.calls.append(AuthCall(action, resource, kwargs))
        denied = self.deny(self.caller, action, resource) if self.deny is not None else self.caller.account == ""
        if denied:
            raise AccessDenied(f"User: {self.caller.arn} is not authorized to perform: {action}")
        return Decision(Effect.ALLOW)


@dataclass
class S3Client:
    store: Store
    rng: CountingRng
    now: dt.datetime = NOW
    deny: Callable[[Caller, str, str], bool] | None = None
    last_authorizer: RecordingAuthorizer | None = None
    virtual_hosts: Sequence[str] = ("localhost",)

    def request(
        self,
        method: str,
        path: str,
        query: str = "",
        headers: Iterable[tuple[str, str]] = (),
        body: bytes | Any = b"",
        *,
        caller: Caller = ROOT,
        info: RequestInfo | None = None,
        host: str = "127.0.0.1:4599",
    ) -> HttpResponse:
        all_headers = [("host", host), *((k.lower(), v) for k, v in headers)]
        if isinstance(body, bytes) and body and not any(k == "content-length" for k, _ in all_headers):
            all_headers.append(("content-length", str(len(body))))
        http = HttpRequest(
            method=method,
            raw_path=path,
            query_string=query,
            headers=tuple(all_headers),
            body=BytesBody(body) if isinstance(body, bytes) else body,
        )
        authorizer = RecordingAuthorizer(caller, deny=self.deny)
        self.last_authorizer = authorizer
        call = S3Call(
            http=http,
            caller=caller,
            store=self.store,
            now=self.now,
            rng=self.rng,
            request_id="REQ",
            authorize=authorizer,
            request=info or RequestInfo(),
        )
        response = handle(call, virtual_hosts=self.virtual_hosts)
        if isinstance(response.body, FileBody) and response.body.handle is not None:
            # The server streams and closes the open file; these tests read the path instead.
            response.body.handle.close()
        return response

    # conveniences
    def create_bucket(self, name: str, caller: Caller = ROOT, body: bytes = b"") -> HttpResponse:
        return self.request("PUT", f"/{name}", body=body, caller=caller)

    def put(
        self, bucket: str, key: str, data: bytes | Any, headers: Iterable[tuple[str, str]] = (), **kw: Any
    ) -> HttpResponse:
        return self.request("PUT", f"/{bucket}/{quote(key, safe='/~')}", headers=headers, body=data, **kw)

    def get(
        self, bucket: str, key: str, headers: Iterable[tuple[str, str]] = (), query: str = "", **kw: Any
    ) -> HttpResponse:
        return self.request("GET", f"/{bucket}/{quote(key, safe='/~')}", query=query, headers=headers, **kw)

    def calls(self) -> list[AuthCall]:
        assert self.last_authorizer is not None
        return self.last_authorizer.calls


def header(response: HttpResponse, name: str) -> str | None:
    values = [v for k, v in response.headers if k.lower() == name.lower()]
    assert len(values) <= 1, f"{name} repeated: {values}"
    return values[0] if values else None


def body_bytes(response: HttpResponse) -> bytes:
    if isinstance(response.body, FileBody):
        with open(response.body.path, "rb") as handle_:
            handle_.seek(response.body.offset)
            return handle_.read(response.body.length)
    return b"".join(response.chunks())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = create_database_engine(sqlite_url(tmp_path))
    metadata.create_all(engine)
    with engine.begin() as conn:
        for account in (ACCOUNT, OTHER_ACCOUNT):
            conn.execute(insert(accounts).values(account_id=account, created_at=NOW))
    opened = Store(engine, SecretBox(bytes(32)), tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def client(store: Store) -> S3Client:
    return S3Client(store, CountingRng())


def object_files(store: Store) -> list[Path]:
    root = store.data_dir / "objects"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
