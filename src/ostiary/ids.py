"""Unique IDs, access key IDs and secret access keys, from an injected rng.

Formats (IAM User Guide, "IAM identifiers", Understanding unique ID prefixes,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-prefixes):
unique IDs are a 4-character type prefix and 17 characters; access key IDs are
``AKIA``/``ASIA`` and 16 characters; secrets are 40 characters.

Access key IDs encode their account, so GetAccessKeyInfo needs no lookup. We
use the layout publicly observed in AWS keys: the 16 characters after the
prefix are base32 (RFC 4648 alphabet ``A-Z2-7``) of 10 bytes, and the first 6
bytes, masked with ``0x7fffffffff80`` and shifted right by 7, are the account
ID. The remaining bits are random.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Final

Rng = Callable[[int], bytes]

USER: Final = "AIDA"
ROLE: Final = "AROA"
GROUP: Final = "AGPA"
POLICY: Final = "ANPA"
INSTANCE_PROFILE: Final = "AIPA"
LONG_TERM_KEY: Final = "AKIA"
TEMPORARY_KEY: Final = "ASIA"

_ACCOUNT_MASK: Final = 0x7FFF_FFFF_FF80
_SECRET_ALPHABET_BYTES: Final = 30  # base64 of 30 bytes is exactly 40 characters


def unique_id(prefix: str, rng: Rng) -> str:
    """``AIDA…`` and friends: the prefix and 17 base32 characters."""
    if len(prefix) != 4:
        raise ValueError(f"an ID prefix has four letters: {prefix!r}")
    return prefix + base64.b32encode(rng(11)).decode("ascii")[:17]


def access_key_id(prefix: str, account: str, rng: Rng) -> str:
    """An ``AKIA…``/``ASIA…`` key ID whose bits carry the 12-digit account."""
    # The key ID carries the account (GetAccessKeyInfo): a malformed one must never be encoded.
    if (
        prefix not in (LONG_TERM_KEY, TEMPORARY_KEY)
        or len(account) != 12
        or not (account.isascii() and account.isdigit())
    ):
        raise ValueError(f"an access key ID needs AKIA or ASIA and a 12-digit account: {prefix!r}, {account!r}")
    noise = rng(5)
    head = (int(account) << 7) | (noise[0] & 0x7F)
    raw = head.to_bytes(6, "big") + noise[1:5]
    return prefix + base64.b32encode(raw).decode("ascii")


def account_from_access_key_id(key_id: str) -> str | None:
    """The account encoded in a key ID, or None when the ID does not carry one."""
    body = key_id[4:]
    if len(key_id) != 20 or not key_id[:4].isalpha():
        return None
    try:
        raw = base64.b32decode(body)
    except ValueError:
        return None
    account = (int.from_bytes(raw[:6], "big") & _ACCOUNT_MASK) >> 7
    return f"{account:012d}" if account < 10**12 else None


def secret_access_key(rng: Rng) -> str:
    """40 characters from the base64 alphabet, like AWS's secrets."""
    return base64.b64encode(rng(_SECRET_ALPHABET_BYTES)).decode("ascii")


def canonical_user_id(account: str) -> str:
    """The 64-hex S3 canonical user ID of an account (S3 API Reference, API_Owner), derived from its ID.

    ListBuckets' Owner ID and ``{"CanonicalUser": …}`` bucket-policy principals must agree on it.
    """
    return hashlib.sha256(f"ostiary-canonical-user|{account}".encode()).hexdigest()


def account_id(rng: Rng) -> str:
    """A random 12-digit account ID that does not start with 0."""
    value = int.from_bytes(rng(8), "big") % (9 * 10**11)
    return str(10**11 + value)
