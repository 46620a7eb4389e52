"""Secrets at rest: AES-256-GCM under a key derived from the master key.

Long-term secret access keys and the session-token key ring are stored only
as ``nonce | ciphertext``; the associated data names what the secret belongs
to (``access-key|AKIA…``), so a ciphertext moved to another row does not open.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ostiary.ids import Rng

MASTER_KEY_BYTES: Final = 32
_NONCE_BYTES: Final = 12


class SecretUnreadable(Exception):
    """The ciphertext was not sealed under this master key for this purpose."""


class SecretBox:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise ValueError("the master key must be 32 bytes")
        self._aead = AESGCM(hmac.new(master_key, b"ostiary-at-rest", hashlib.sha256).digest())
        # A non-secret fingerprint, stored in the database to detect a wrong master key at start-up.
        self.fingerprint = hmac.new(master_key, b"ostiary-fingerprint", hashlib.sha256).hexdigest()[:32]

    def seal(self, plaintext: bytes, purpose: str, rng: Rng) -> bytes:
        nonce = rng(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, purpose.encode("utf-8"))

    def open(self, sealed: bytes, purpose: str) -> bytes:
        try:
            return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], purpose.encode("utf-8"))
        except (InvalidTag, ValueError) as exc:
            raise SecretUnreadable(purpose) from exc
