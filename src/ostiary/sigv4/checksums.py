"""The S3 additional checksums a trailer may carry: x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}.

Values are base64 of the big-endian checksum (S3 User Guide, "Checking object integrity"). The standard library has
CRC32 (zlib) and the SHA family; CRC32C (Castagnoli) and CRC64NVME are table-driven here, one byte at a time. That is
slow in pure Python (a few MB/s); a shell that expects large CRC32C uploads may swap in a native implementation.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable
from typing import Final, Protocol


class Checksum(Protocol):
    """An incremental checksum."""

    def update(self, data: bytes) -> None: ...

    def digest(self) -> bytes: ...


def _reflected_table(poly: int) -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


class _ReflectedCrc:
    """A reflected CRC with all-ones init and final XOR (CRC-32C, CRC-64/NVME)."""

    def __init__(self, table: tuple[int, ...], width: int) -> None:
        self._table = table
        self._mask = (1 << width) - 1
        self._width = width
        self._crc = self._mask

    def update(self, data: bytes) -> None:
        table, crc = self._table, self._crc
        for byte in data:
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        self._crc = crc

    def digest(self) -> bytes:
        return (self._crc ^ self._mask).to_bytes(self._width // 8, "big")


# CRC-32C: reflected polynomial 0x82F63B78 (RFC 3720 §B.4); check("123456789") = 0xE3069283.
_CRC32C_TABLE: Final = _reflected_table(0x82F63B78)
# CRC-64/NVME: polynomial 0xAD93D23594C93659, reflected 0x9A6C9329AC4BC9B5; check = 0xAE8B14860A799888.
_CRC64NVME_TABLE: Final = _reflected_table(0x9A6C9329AC4BC9B5)


class _Crc32:
    def __init__(self) -> None:
        self._crc = 0

    def update(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)

    def digest(self) -> bytes:
        return self._crc.to_bytes(4, "big")


class _Hash:
    def __init__(self, name: str) -> None:
        self._hash = hashlib.new(name)

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.digest()


# Trailer header name → (the name S3 uses in BadDigest messages, factory).
ALGORITHMS: Final[dict[str, tuple[str, Callable[[], Checksum]]]] = {
    "x-amz-checksum-crc32": ("CRC32", _Crc32),
    "x-amz-checksum-crc32c": ("CRC32C", lambda: _ReflectedCrc(_CRC32C_TABLE, 32)),
    "x-amz-checksum-crc64nvme": ("CRC64NVME", lambda: _ReflectedCrc(_CRC64NVME_TABLE, 64)),
    "x-amz-checksum-sha1": ("SHA1", lambda: _Hash("sha1")),
    "x-amz-checksum-sha256": ("SHA256", lambda: _Hash("sha256")),
}


def new_checksum(header: str) -> Checksum:
    """A fresh checksum for a trailer header name; KeyError for a name S3 does not define."""
    return ALGORITHMS[header.lower()][1]()


def encode(digest: bytes) -> str:
    """Base64, as the x-amz-checksum-* headers carry it."""
    return base64.b64encode(digest).decode("ascii")


def checksum_b64(header: str, data: bytes) -> str:
    """The base64 checksum of `data` for the algorithm a trailer header names (convenience for tests and clients)."""
    checksum = new_checksum(header)
    checksum.update(data)
    return encode(checksum.digest())
