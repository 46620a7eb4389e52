"""Integrity headers on uploads: Content-MD5 and the additional checksums (x-amz-checksum-*).

S3 User Guide, "Checking object integrity": a client may send one ``x-amz-checksum-<algorithm>``
header (base64 of the big-endian digest), or name the algorithm in ``x-amz-trailer`` and send the
value after an aws-chunked body (the server verifies the trailer while the body streams), and
``x-amz-sdk-checksum-algorithm`` says which one the SDK used. S3 stores the checksum with the
object, echoes it on PutObject, and returns it on GetObject/HeadObject with
``x-amz-checksum-mode: ENABLED``. Recorded S3 texts (AWS CLI and SDK output):

- two checksum headers: InvalidRequest "Expecting a single x-amz-checksum- header. Multiple
  checksum Types are not allowed."
- a value that is not base64 of the right length: InvalidRequest "Value for x-amz-checksum-crc32
  header is invalid."
- a mismatch: BadDigest "The CRC32 you specified did not match the calculated checksum."
- Content-MD5 that is not base64 of 16 bytes: InvalidDigest "The Content-MD5 you specified was
  invalid." with a ``Content-MD5`` element; a mismatch: BadDigest "The Content-MD5 you specified
  did not match what we received." with ``ExpectedDigest`` and ``CalculatedDigest``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ostiary import errors
from ostiary.errors import BadDigest, InvalidDigest, InvalidRequest
from ostiary.s3.request import S3Request
from ostiary.sigv4.checksums import Checksum, new_checksum


@dataclass(frozen=True, slots=True)
class Algorithm:
    name: str  # as S3 spells it: CRC32, CRC32C, …
    digest_size: int
    factory: Callable[[], Checksum]

    @property
    def header(self) -> str:
        return f"x-amz-checksum-{self.name.lower()}"


class _Hash:
    def __init__(self, name: str) -> None:
        self._hash = hashlib.new(name)

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.digest()


ALGORITHMS: Final = {
    a.name: a
    for a in (
        Algorithm("CRC32", 4, lambda: new_checksum("x-amz-checksum-crc32")),
        Algorithm("CRC32C", 4, lambda: new_checksum("x-amz-checksum-crc32c")),
        Algorithm("CRC64NVME", 8, lambda: new_checksum("x-amz-checksum-crc64nvme")),
        Algorithm("SHA1", 20, lambda: _Hash("sha1")),
        Algorithm("SHA256", 32, lambda: _Hash("sha256")),
        Algorithm("SHA512", 64, lambda: _Hash("sha512")),
        Algorithm("MD5", 16, lambda: _Hash("md5")),
    )
}
# In the botocore model but not computed here.
UNSUPPORTED: Final = ("XXHASH64", "XXHASH3", "XXHASH128")
_BY_HEADER: Final = {a.header: a for a in ALGORITHMS.values()}


@dataclass(frozen=True, slots=True)
class ChecksumRequest:
    """The checksum an upload carries: verify `expected` (None when it comes in a trailer)."""

    algorithm: Algorithm
    expected: str | None


def _decode(value: str, size: int) -> bytes | None:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


def content_md5(request: S3Request) -> bytes | None:
    """The Content-MD5 digest the client sent, or None; InvalidDigest when it is malformed."""
    value = request.header("content-md5")
    if value is None:
        return None
    digest = _decode(value, 16)
    if digest is None:
        raise InvalidDigest("The Content-MD5 you specified was invalid.", **{"Content-MD5": value})
    return digest


def requested_checksum(request: S3Request) -> ChecksumRequest | None:
    """Which additional checksum to compute and verify for an upload body, from its headers."""
    for name in UNSUPPORTED:
        header = f"x-amz-checksum-{name.lower()}"
        if request.header(header) is not None:
            raise errors.NotImplemented(Header=header)
    present = [(a, request.header(a.header)) for a in ALGORITHMS.values() if request.header(a.header) is not None]
    if len(present) > 1:
        raise InvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
    if present:
        algorithm, value = present[0]
        if value is None or _decode(value, algorithm.digest_size) is None:
            raise InvalidRequest(f"Value for {algorithm.header} header is invalid.")
        return ChecksumRequest(algorithm, value.strip())
    trailer = (request.header("x-amz-trailer") or "").strip().lower()
    if trailer in _BY_HEADER:
        return ChecksumRequest(_BY_HEADER[trailer], None)
    sdk = request.header("x-amz-sdk-checksum-algorithm")
    if sdk is not None and sdk.strip().upper() in ALGORITHMS:
        raise InvalidRequest(
            "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* "
            "or x-amz-trailer headers were found."
        )
    return None


class BodyDigests:
    """MD5 (the ETag) and the requested checksum of an upload, computed as the bytes pass."""

    def __init__(self, checksum: ChecksumRequest | None) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._request = checksum
        self._checksum = checksum.algorithm.factory() if checksum is not None else None
        self.size = 0

    def update(self, data: bytes) -> None:
        self._md5.update(data)
        if self._checksum is not None:
            self._checksum.update(data)
        self.size += len(data)

    @property
    def md5(self) -> bytes:
        return self._md5.digest()

    def verify(self, md5: bytes | None) -> tuple[str, str] | None:
        """Check Content-MD5 and the checksum; the (algorithm, base64 value) to store, if any."""
        computed_md5 = self.md5
        if md5 is not None and not hmac.compare_digest(md5, computed_md5):
            raise BadDigest(ExpectedDigest=md5.hex(), CalculatedDigest=base64.b64encode(computed_md5).decode("ascii"))
        if self._request is None or self._checksum is None:
            return None
        value = base64.b64encode(self._checksum.digest()).decode("ascii")
        expected = self._request.expected
        if expected is not None and not hmac.compare_digest(expected, value):
            name = self._request.algorithm.name
            raise BadDigest(f"The {name} you specified did not match the calculated checksum.")
        return self._request.algorithm.name, value
