"""S3 request bodies, verified while they stream.

After the signature is verified, the body the S3 layer reads must be exactly
the payload the client signed:

- a hex ``x-amz-content-sha256``: the bytes are hashed as they pass, and the
  end of the stream raises XAmzContentSHA256Mismatch if the hash differs;
- ``STREAMING-…``: the aws-chunked framing is decoded, every chunk signature
  and the trailer checksum verified (`sigv4.decoder_for`);
- ``UNSIGNED-PAYLOAD``: passed through.

In every case a body shorter than its Content-Length (the client went away)
raises IncompleteBody. The errors surface from `read`, so the S3 layer never
commits an object whose body did not verify.
"""

from __future__ import annotations

import dataclasses
import hashlib

from ostiary import sigv4, wire
from ostiary.errors import IncompleteBody
from ostiary.http import Body, HttpRequest

_READ_SIZE = 1 << 20


class LengthCheckedBody:
    """Raises IncompleteBody when the stream ends before Content-Length bytes arrived."""

    def __init__(self, inner: Body, expected: int | None) -> None:
        self._inner = inner
        self._expected = expected
        self._seen = 0

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        self._seen += len(data)
        if self._expected is not None and (size != 0 and not data) and self._seen < self._expected:
            raise IncompleteBody()
        return data


class HashedBody:
    """Checks the SHA-256 of everything read against the signed x-amz-content-sha256 at the end."""

    def __init__(self, inner: Body, signed: sigv4.SignedRequest) -> None:
        self._inner = inner
        self._signed = signed
        self._hash = hashlib.sha256()
        self._checked = False

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        self._hash.update(data)
        if not data and size != 0 and not self._checked:
            self._checked = True
            sigv4.check_payload_sha256(self._signed, self._hash.hexdigest())
        return data


class ChunkedBody:
    """Decodes an aws-chunked body; raises when a chunk, the length or the trailer checksum is wrong."""

    def __init__(self, inner: Body, decoder: sigv4.AwsChunkedDecoder) -> None:
        self._inner = inner
        self._decoder = decoder
        self._pending = bytearray()
        self._done = False

    @property
    def trailer_checksum(self) -> tuple[str, str] | None:
        """(``x-amz-checksum-…``, base64 value) from the trailer, once the body was read to its end."""
        return self._decoder.trailer_checksum if self._done else None

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._pending) < size):
            raw = self._inner.read(_READ_SIZE)
            if not raw:
                self._decoder.finish()
                self._done = True
                break
            self._pending += self._decoder.feed(raw)
        if size < 0 or size >= len(self._pending):
            out = bytes(self._pending)
            self._pending.clear()
        else:
            out = bytes(self._pending[:size])
            del self._pending[:size]
        return out


def verified_s3_body(http: HttpRequest, signed: sigv4.SignedRequest, secret: str) -> HttpRequest:
    """The request with its body wrapped so that reading it verifies it."""
    body: Body = LengthCheckedBody(http.body, wire.parse_int(http.header("content-length"), strip=True))
    payload = signed.payload_hash
    if payload is not None and payload.startswith("STREAMING-"):
        body = ChunkedBody(body, sigv4.decoder_for(signed, secret))
    elif payload is not None and payload != "UNSIGNED-PAYLOAD":
        body = HashedBody(body, signed)
    return dataclasses.replace(http, body=body)
