"""Session tokens: sealed, stateless, and bound to their access key ID.

Theory of operation (docs/design.md, "Tokens and keys"):

- A session token is ``base64(version | key id | nonce | AES-256-GCM(claims))``.
  The claims are compact JSON, compressed. The associated data binds the
  token to its ``ASIA…`` access key ID, so a token cannot be replayed with
  another key ID, and any flipped byte fails authentication.
- The temporary secret access key is not stored anywhere: it is
  ``HMAC-SHA256(sealing key, "secret" | access key ID)``, base64, 40 chars.
  Any node holding the key ring can open the token and re-derive the secret.
- Keys are identified by a 32-bit id; the ring keeps retired keys for the
  longest session lifetime so every live token can still be opened.

Everything here is a pure function of its arguments: the key, the clock and
the randomness are passed in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from enum import Enum
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ostiary.ids import Rng

TOKEN_VERSION: Final = 1
_HEADER_LEN: Final = 1 + 4 + 12
# A token larger than this was not made by us; refuse before decoding it.
MAX_TOKEN_CHARS: Final = 16_384


class SessionKind(Enum):
    ROLE = "role"  # AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML
    FEDERATED_USER = "federated"  # GetFederationToken
    USER = "user"  # GetSessionToken by an IAM user
    ROOT = "root"  # GetSessionToken by the account's root


class TokenInvalid(Exception):
    """The token was not sealed by us for this access key ID (tampered, truncated, foreign)."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One key of the ring. Two sub-keys are derived from it, one per purpose."""

    key_id: int
    secret: bytes  # 32 bytes
    seal_key: bytes = field(init=False, repr=False)
    derive_key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != 32 or not 0 <= self.key_id < 2**32:
            raise ValueError("a signing key is a 32-byte secret with a 32-bit key id")
        object.__setattr__(self, "seal_key", hmac.new(self.secret, b"ostiary-seal", hashlib.sha256).digest())
        object.__setattr__(self, "derive_key", hmac.new(self.secret, b"ostiary-secret", hashlib.sha256).digest())


@dataclass(frozen=True, slots=True)
class SessionClaims:
    """What a session is. The API layer turns it into a caller on every request."""

    access_key_id: str
    account: str
    kind: SessionKind
    # The role (ROLE), the user (USER, FEDERATED_USER: the user who asked), or the account (ROOT).
    principal_id: str
    principal_arn: str
    principal_name: str
    issued_at: float  # epoch seconds, to the millisecond: aws:TokenIssueTime
    expires_at: int  # epoch seconds; the token is rejected from this instant on
    session_name: str = ""
    session_policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    mfa_authenticated: bool = False
    chained: bool = False
    # For web identity and SAML sessions: the provider ARN and the claims policies may test.
    federated_provider: str | None = None
    federated_claims: tuple[tuple[str, str], ...] = ()
    # The access key ID that minted the session, for audit (never a secret).
    source_access_key_id: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def is_expired(self, now_epoch: float) -> bool:
        return now_epoch >= self.expires_at


def _associated_data(access_key_id: str) -> bytes:
    return b"ostiary-session|" + access_key_id.encode("ascii")


# (name, optional) per claim; optional members are left out while they hold an empty value.
_MEMBERS: Final = tuple(
    (member.name, member.default is not MISSING or member.default_factory is not MISSING)
    for member in fields(SessionClaims)
)


def _encode_claims(claims: SessionClaims) -> bytes:
    raw: dict[str, Any] = {}
    for name, optional in _MEMBERS:
        value = getattr(claims, name)
        if optional and value in (None, False, "", (), {}):
            continue  # keeps tokens short
        raw[name] = value
    raw["kind"] = claims.kind.value
    if "extra" in raw:
        raw["extra"] = dict(claims.extra)
    text = json.dumps(raw, separators=(",", ":"), sort_keys=True)
    return zlib.compress(text.encode("utf-8"), 9)


def _decode_claims(data: bytes) -> SessionClaims:
    inflater = zlib.decompressobj()
    text = inflater.decompress(data)
    # After the claims may come zero bytes that pad the token to a requested size.
    if not inflater.eof or inflater.unused_data.strip(b"\0"):
        raise ValueError("malformed claims")
    raw = json.loads(text.decode("utf-8"))
    raw["kind"] = SessionKind(raw["kind"])
    for name in ("policy_arns", "transitive_tag_keys"):
        raw[name] = tuple(raw.get(name, ()))
    for name in ("tags", "federated_claims"):
        raw[name] = tuple((str(k), str(v)) for k, v in raw.get(name, ()))
    return SessionClaims(**raw)


def seal(claims: SessionClaims, key: SigningKey, rng: Rng, *, min_chars: int = 0) -> str:
    """Seal the claims under `key`; the token is bound to `claims.access_key_id`.

    `min_chars` pads the token to at least that many characters (STS's MinimumSessionTokenSize).
    """
    nonce = rng(12)
    plaintext = _encode_claims(claims)
    wanted = -(-min_chars * 3 // 4) - _HEADER_LEN - 16  # base64: 4 characters per 3 bytes; GCM tag: 16 bytes
    if wanted > len(plaintext):
        plaintext += bytes(wanted - len(plaintext))
    body = AESGCM(key.seal_key).encrypt(nonce, plaintext, _associated_data(claims.access_key_id))
    blob = bytes([TOKEN_VERSION]) + key.key_id.to_bytes(4, "big") + nonce + body
    return base64.b64encode(blob).decode("ascii")


def token_key_id(token: str) -> int:
    """The id of the key that sealed `token` (so the shell can fetch it); raises TokenInvalid."""
    blob = _decode(token)
    return int.from_bytes(blob[1:5], "big")


def open_token(token: str, access_key_id: str, keys: Mapping[int, SigningKey]) -> SessionClaims:
    """Open a token sealed for `access_key_id` with one of `keys`; raise TokenInvalid otherwise."""
    blob = _decode(token)
    key = keys.get(int.from_bytes(blob[1:5], "big"))
    if key is None:
        raise TokenInvalid("unknown key")
    try:
        plain = AESGCM(key.seal_key).decrypt(blob[5:17], blob[17:], _associated_data(access_key_id))
        claims = _decode_claims(plain)
    except (InvalidTag, ValueError, KeyError, TypeError, zlib.error) as exc:
        raise TokenInvalid("token does not open") from exc
    if claims.access_key_id != access_key_id:
        raise TokenInvalid("token is bound to another key")
    return claims


def _decode(token: str) -> bytes:
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise TokenInvalid("bad size")
    try:
        blob = base64.b64decode(token.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise TokenInvalid("not base64") from exc
    if len(blob) <= _HEADER_LEN + 16 or blob[0] != TOKEN_VERSION:
        raise TokenInvalid("bad header")
    return blob


def derive_secret(access_key_id: str, key: SigningKey) -> str:
    """The temporary secret access key: never stored, re-derived from the sealing key."""
    mac = hmac.new(key.derive_key, b"secret|" + access_key_id.encode("ascii"), hashlib.sha256).digest()
    return base64.b64encode(mac[:30]).decode("ascii")
