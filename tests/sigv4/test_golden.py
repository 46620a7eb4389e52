"""AWS's own SigV4 suites: every stage byte for byte, then verify with the clock frozen at the case time.

Narrow a run with OSTIARY_SIGV4_CASE=<substring>; point at another copy with OSTIARY_VECTORS_DIR.
Skipped: v4a (SigV4a, ECDSA) entirely; verification only of the unnormalized-path variants (see `vectors`).
"""

from __future__ import annotations

import pytest

from ostiary import sigv4
from ostiary.sigv4 import canonical as c

from .vectors import SIGV4, VECTORS_MISSING, Case, load_cases

CASES = load_cases()
pytestmark = pytest.mark.skipif(not SIGV4.is_dir(), reason=VECTORS_MISSING)


def stages(case: Case) -> tuple[str, str, str]:
    req = case.signed
    signed = sigv4.parse_signed_request(req.method, req.raw_path, req.raw_query, req.headers)
    assert signed is not None
    creq = c.canonical_request(
        signed.method,
        c.canonical_uri(signed.raw_path, signed.service, normalize=case.normalize),
        signed.canonical_query,
        signed.canonical_headers,
        c.signed_headers(signed.signed_headers),
        req.body_sha256,
    )
    sts = c.string_to_sign(signed.timestamp, signed.scope, creq)
    key = c.signing_key(case.secret, signed.scope_date, signed.region, signed.service)
    return creq, sts, c.signature(key, sts)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_stages_match_byte_for_byte(case: Case) -> None:
    if case.skip_stages:
        pytest.skip(case.skip_stages)
    creq, sts, signature = stages(case)
    assert creq == case.creq
    assert sts == case.sts
    assert signature == case.signature


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_verify_accepts_at_case_time(case: Case) -> None:
    if case.skip_verify:
        pytest.skip(case.skip_verify)
    req = case.signed
    signed = sigv4.parse_signed_request(req.method, req.raw_path, req.raw_query, req.headers)
    assert signed is not None
    assert signed.signature == case.signature
    sigv4.verify(signed, case.secret, now=case.now, body_sha256=req.body_sha256)


@pytest.mark.skip(reason="not applicable: aws-signing-test-suite/v4a: SigV4a (AWS4-ECDSA-P256-SHA256) is out of scope")
def test_v4a_suite() -> None:
    """Listed so the skipped suite shows in the report."""
