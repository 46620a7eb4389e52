"""Every golden case must be rejected after a one-byte change to a signed part of the request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from ostiary import errors, sigv4
from ostiary.sigv4 import canonical as c

from .vectors import SIGV4, VECTORS_MISSING, Case, Request, load_cases

CASES = [case for case in load_cases() if not case.skip_verify]
pytestmark = pytest.mark.skipif(not SIGV4.is_dir(), reason=VECTORS_MISSING)
KINDS = ["signature", "header", "method", "path", "query", "date"]


def flip(text: str, index: int) -> str:
    char = text[index]
    new = "b" if char == "a" else ("1" if char == "0" else "a" if not char.isdigit() else str((int(char) + 1) % 10))
    return text[:index] + new + text[index + 1 :]


def _auth_header(req: Request) -> tuple[str, str] | None:
    return next(((k, v) for k, v in req.headers if k.lower() == "authorization"), None)


def mutations(req: Request, kind: str) -> Iterator[Request]:
    signed = sigv4.parse_signed_request(req.method, req.raw_path, req.raw_query, req.headers)
    assert signed is not None
    if kind == "signature":
        auth = _auth_header(req)
        if auth is not None:
            yield req.with_header(auth[0], flip(auth[1], len(auth[1]) - 3))
        else:
            yield replace(req, raw_query=flip(req.raw_query, req.raw_query.index("X-Amz-Signature=") + 20))
    elif kind == "header":
        name, value = next(
            (k, v) for k, v in req.headers if k.lower() in signed.signed_headers and k.lower() != "x-amz-date"
        )
        yield req.with_header(name, flip(value.strip(), 0))
    elif kind == "method":
        yield replace(req, method=req.method[:-1] + "X")
    elif kind == "path":
        original = c.canonical_uri(req.raw_path, signed.service)
        for index in range(len(req.raw_path)):
            candidate = flip(req.raw_path, index)
            if c.canonical_uri(candidate, signed.service) != original:
                yield replace(req, raw_path=candidate)
                return
        yield replace(req, raw_path=req.raw_path + "x")
    elif kind == "query":
        yield replace(req, raw_query=flip(req.raw_query, 0) if req.raw_query else "x")
    elif kind == "date":
        date_name = next((k for k, _ in req.headers if k.lower() == "x-amz-date"), None)
        if date_name is not None:
            yield req.with_header(date_name, flip(dict(req.headers)[date_name], 14))
        else:
            index = req.raw_query.index("X-Amz-Date=") + len("X-Amz-Date=") + 14
            yield replace(req, raw_query=flip(req.raw_query, index))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_one_byte_change_is_rejected(case: Case, kind: str) -> None:
    for mutated in mutations(case.signed, kind):
        with pytest.raises(errors.AwsError):
            signed = sigv4.parse_signed_request(mutated.method, mutated.raw_path, mutated.raw_query, mutated.headers)
            assert signed is not None
            sigv4.verify(signed, case.secret, now=case.now, body_sha256=mutated.body_sha256)
