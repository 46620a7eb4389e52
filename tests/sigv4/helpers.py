"""Build signed requests with our own signer for the table-driven tests."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from ostiary import sigv4

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SIGNED_AT = dt.datetime(2026, 11, 27, 12, 0, 0, tzinfo=dt.UTC)
HOST = ("Host", "localhost:9000")
BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
BODY_SHA256 = hashlib.sha256(BODY).hexdigest()


def signed_headers(
    service: str = "sts",
    *,
    path: str = "/",
    query: str = "",
    headers: Sequence[tuple[str, str]] = (HOST,),
    token: str | None = None,
    region: str = "us-east-1",
    payload_hash: str | None = None,
    method: str = "POST",
) -> tuple[str, str, str, list[tuple[str, str]]]:
    """A header-signed request: (method, raw_path, raw_query, headers)."""
    if payload_hash is None:
        payload_hash = BODY_SHA256
    result = sigv4.sign(
        method, path, query, headers, access_key_id=AKID, secret=SECRET, region=region, service=service,
        now=SIGNED_AT, payload_hash=payload_hash, session_token=token,
    )  # fmt: skip
    return method, path, query, list(result.headers)


def presigned(
    service: str = "s3",
    *,
    path: str = "/bucket/key",
    expires: int = 3600,
    token: str | None = None,
    headers: Sequence[tuple[str, str]] = (HOST,),
    method: str = "GET",
) -> tuple[str, str, str, list[tuple[str, str]]]:
    """A presigned (query-auth) request: (method, raw_path, raw_query, headers)."""
    result = sigv4.sign(
        method, path, "", headers, access_key_id=AKID, secret=SECRET, region="us-east-1", service=service,
        now=SIGNED_AT, expires=expires, session_token=token,
        payload_hash=None if service == "s3" else hashlib.sha256(b"").hexdigest(),
    )  # fmt: skip
    return method, path, result.raw_query, list(result.headers)


def parse(request: tuple[str, str, str, list[tuple[str, str]]]) -> sigv4.SignedRequest:
    signed = sigv4.parse_signed_request(*request)
    assert signed is not None
    return signed


def check(
    request: tuple[str, str, str, list[tuple[str, str]]], now: dt.datetime, body_sha256: str | None = BODY_SHA256
) -> None:
    sigv4.verify(parse(request), SECRET, now=now, body_sha256=body_sha256)
