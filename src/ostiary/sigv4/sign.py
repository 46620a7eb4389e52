"""A pure client-side SigV4 signer (header or presigned form), for tests and the CLI's debug command.

It signs exactly what it is given: the caller passes the clock (`now`) and the payload hash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ostiary.sigv4 import canonical as c

# Headers a signer leaves out because proxies may rewrite them (botocore's SIGNED_HEADERS_BLACKLIST, in part).
UNSIGNED_BY_DEFAULT = frozenset({"authorization", "user-agent", "expect", "x-amzn-trace-id", "connection"})


@dataclass(frozen=True)
class SigningResult:
    """What `sign` produced: the headers and raw query to send, and every intermediate stage."""

    headers: tuple[tuple[str, str], ...]
    raw_query: str
    canonical_request: str
    string_to_sign: str
    signature: str


def _with_header(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [*[(k, v) for k, v in headers if k.lower() != name.lower()], (name, value)]


def sign(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Sequence[tuple[str, str]],
    *,
    access_key_id: str,
    secret: str,
    region: str,
    service: str,
    now: dt.datetime,
    payload_hash: str | None = None,
    session_token: str | None = None,
    expires: int | None = None,
    signed_names: Sequence[str] | None = None,
) -> SigningResult:
    """Sign a request with SigV4; `expires` set means a presigned URL (query auth) instead of a header.

    `payload_hash` defaults to the empty body's SHA-256, or UNSIGNED-PAYLOAD for presigned S3 URLs; header-signed
    S3 requests get an x-amz-content-sha256 header carrying it. `signed_names` defaults to every header given
    (plus host, x-amz-date and the token) except `UNSIGNED_BY_DEFAULT`. `headers` must include Host.
    """
    timestamp = now.astimezone(dt.UTC).strftime(c.TIMESTAMP_FORMAT)
    scope = c.credential_scope(timestamp[:8], region, service)
    if payload_hash is None:
        payload_hash = c.UNSIGNED_PAYLOAD if (expires is not None and service == "s3") else c.EMPTY_SHA256
    out = list(headers)
    if expires is None:
        out = _with_header(out, "X-Amz-Date", timestamp)
        if session_token is not None:
            out = _with_header(out, "X-Amz-Security-Token", session_token)
        if service == "s3":
            out = _with_header(out, "X-Amz-Content-SHA256", payload_hash)
    names = (
        tuple(sorted({k.lower() for k, _ in out} - UNSIGNED_BY_DEFAULT))
        if signed_names is None
        else tuple(signed_names)
    )
    query = raw_query
    if expires is not None:
        params = [
            ("X-Amz-Algorithm", c.ALGORITHM),
            ("X-Amz-Credential", f"{access_key_id}/{scope}"),
            ("X-Amz-Date", timestamp),
            ("X-Amz-Expires", str(expires)),
            ("X-Amz-SignedHeaders", c.signed_headers(names)),
        ]
        if session_token is not None:
            params.append(("X-Amz-Security-Token", session_token))
        extra = "&".join(f"{k}={c.uri_encode(v.encode())}" for k, v in params)
        query = f"{raw_query}&{extra}" if raw_query else extra
    canonical = c.canonical_request(
        method,
        c.canonical_uri(raw_path, service),
        c.canonical_query_string(query),
        c.canonical_headers(out, names),
        c.signed_headers(names),
        payload_hash,
    )
    sts = c.string_to_sign(timestamp, scope, canonical)
    sig = c.signature(c.signing_key(secret, timestamp[:8], region, service), sts)
    if expires is not None:
        query = f"{query}&X-Amz-Signature={sig}"
    else:
        authorization = (
            f"{c.ALGORITHM} Credential={access_key_id}/{scope}, SignedHeaders={c.signed_headers(names)}, "
            f"Signature={sig}"
        )
        out = _with_header(out, "Authorization", authorization)
    return SigningResult(tuple(out), query, canonical, sts, sig)
