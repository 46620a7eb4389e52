"""Session tokens: sealed, bound to their key ID, tamper-evident; secrets re-derived, never stored."""

from __future__ import annotations

import base64
import random

import pytest

from ostiary import tokens
from ostiary.ids import Rng
from ostiary.tokens import SessionClaims, SessionKind, SigningKey, TokenInvalid


def rng_from(seed: int) -> Rng:
    return random.Random(seed).randbytes


KEY = SigningKey(7, bytes(range(32)))
OTHER = SigningKey(8, bytes(range(1, 33)))
CLAIMS = SessionClaims(
    access_key_id="ASIAGFS5FVUBAAAAAAAA",
    account="424323427586",
    kind=SessionKind.ROLE,
    principal_id="AROAEXAMPLEEXAMPLE123",
    principal_arn="arn:aws:iam::424323427586:role/path/demo",
    principal_name="demo",
    issued_at=1_800_000_000,
    expires_at=1_800_003_600,
    session_name="s1",
    session_policy='{"Version":"2012-10-17","Statement":[]}',
    policy_arns=("arn:aws:iam::424323427586:policy/p",),
    tags=(("team", "core"),),
    transitive_tag_keys=("team",),
    source_identity="alice",
    mfa_authenticated=True,
    chained=True,
)


def test_round_trip_keeps_every_claim() -> None:
    token = tokens.seal(CLAIMS, KEY, rng_from(1))
    assert tokens.token_key_id(token) == 7
    assert tokens.open_token(token, CLAIMS.access_key_id, {7: KEY}) == CLAIMS


def test_defaults_round_trip() -> None:
    minimal = SessionClaims("ASIAGFS5FVUBAAAAAAAB", "424323427586", SessionKind.USER, "AIDAX", "arn", "u", 1, 2)
    assert tokens.open_token(tokens.seal(minimal, KEY, rng_from(2)), minimal.access_key_id, {7: KEY}) == minimal


def test_token_is_bound_to_its_access_key_id() -> None:
    token = tokens.seal(CLAIMS, KEY, rng_from(3))
    with pytest.raises(TokenInvalid):
        tokens.open_token(token, "ASIAGFS5FVUBAAAAAAAZ", {7: KEY})


def test_unknown_or_wrong_key_is_refused() -> None:
    token = tokens.seal(CLAIMS, KEY, rng_from(4))
    with pytest.raises(TokenInvalid):
        tokens.open_token(token, CLAIMS.access_key_id, {8: OTHER})
    with pytest.raises(TokenInvalid):
        tokens.open_token(token, CLAIMS.access_key_id, {7: SigningKey(7, bytes(32))})


def test_every_flipped_byte_is_refused() -> None:
    blob = bytearray(base64.b64decode(tokens.seal(CLAIMS, KEY, rng_from(5))))
    for index in range(len(blob)):
        mutated = bytearray(blob)
        mutated[index] ^= 0x01
        with pytest.raises(TokenInvalid):
            tokens.open_token(base64.b64encode(mutated).decode(), CLAIMS.access_key_id, {7: KEY})


@pytest.mark.parametrize(
    "token", ["", "not base64!", "AAAA", "A" * 20_000, base64.b64encode(b"\x02" + bytes(60)).decode()]
)
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(TokenInvalid):
        tokens.open_token(token, CLAIMS.access_key_id, {7: KEY})


def test_truncated_token_is_refused() -> None:
    token = tokens.seal(CLAIMS, KEY, rng_from(6))
    for cut in (1, 4, 8, len(token) // 2):
        with pytest.raises(TokenInvalid):
            tokens.open_token(token[:-cut], CLAIMS.access_key_id, {7: KEY})


def test_secret_is_derived_per_key_id_and_per_key() -> None:
    first = tokens.derive_secret(CLAIMS.access_key_id, KEY)
    assert len(first) == 40
    assert first == tokens.derive_secret(CLAIMS.access_key_id, KEY)
    assert first != tokens.derive_secret("ASIAGFS5FVUBAAAAAAAZ", KEY)
    assert first != tokens.derive_secret(CLAIMS.access_key_id, OTHER)


def test_expiry_is_exclusive_of_the_expiration_instant() -> None:
    assert not CLAIMS.is_expired(CLAIMS.expires_at - 0.001)
    assert CLAIMS.is_expired(CLAIMS.expires_at)


@pytest.mark.parametrize("wanted", [0, 100, 1000, 4096])
def test_tokens_pad_to_a_minimum_size(wanted: int) -> None:
    token = tokens.seal(CLAIMS, KEY, rng_from(7), min_chars=wanted)
    assert len(token) >= wanted
    assert tokens.open_token(token, CLAIMS.access_key_id, {7: KEY}) == CLAIMS
