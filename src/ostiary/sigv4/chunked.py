"""An incremental, sans-IO decoder for `Content-Encoding: aws-chunked` request bodies.

Theory of operation (S3 API Reference, "Signature Calculations for the Authorization Header: Transferring Payload in
Multiple Chunks" and "... Including Trailing Headers"). After HTTP de-chunking the body is

    <hex size>[;chunk-signature=<64 hex>]\\r\\n<size bytes>\\r\\n ... 0[;chunk-signature=<sig>]\\r\\n
    [<trailer>:<value>\\r\\n ...][x-amz-trailer-signature:<sig>\\r\\n]\\r\\n

- STREAMING-AWS4-HMAC-SHA256-PAYLOAD: every chunk (the final empty one too) is signed, each signature chained from
  the previous one, starting with the request's own (seed) signature:
  "AWS4-HMAC-SHA256-PAYLOAD\\n<timestamp>\\n<scope>\\n<previous signature>\\n<sha256('')>\\n<sha256(chunk data)>".
- ...-TRAILER: the same, then trailing headers signed with
  "AWS4-HMAC-SHA256-TRAILER\\n<timestamp>\\n<scope>\\n<last chunk signature>\\n<sha256(trailer headers)>".
- STREAMING-UNSIGNED-PAYLOAD-TRAILER: no chunk signatures; the trailer carries an x-amz-checksum-* value.

`feed(bytes)` returns the decoded bytes it can release. Signed chunks are held until their signature verifies, so at
most one chunk (bounded by MAX_CHUNK_BYTES) is buffered. `finish()` checks that the body ended where it must, that
X-Amz-Decoded-Content-Length was met, and the trailer checksum.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from typing import Final

from ostiary import errors, wire
from ostiary.sigv4 import canonical as c
from ostiary.sigv4 import checksums
from ostiary.sigv4.parse import SignedRequest

MAX_CHUNK_BYTES: Final = 16 << 20
MIN_CHUNK_BYTES: Final = 8192  # "Only the last chunk is allowed to have a size less than 8192 bytes"
_MAX_LINE: Final = 4096
# A trailer carries a checksum and its signature; anything beyond a handful of lines is not a client's.
_MAX_TRAILERS: Final = 16
_CHUNK_HEADER = re.compile(rb"([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?")
_TRAILER_SIGNATURE = "x-amz-trailer-signature"


class Mode(enum.Enum):
    """The three aws-chunked forms, named by their x-amz-content-sha256 value."""

    SIGNED = c.STREAMING_SIGNED
    SIGNED_TRAILER = c.STREAMING_SIGNED_TRAILER
    UNSIGNED_TRAILER = c.STREAMING_UNSIGNED_TRAILER

    @property
    def signed(self) -> bool:
        return self is not Mode.UNSIGNED_TRAILER

    @property
    def has_trailer(self) -> bool:
        return self is not Mode.SIGNED


class _State(enum.Enum):
    HEADER = "header"
    DATA = "data"
    DATA_END = "data-end"
    TRAILER = "trailer"
    DONE = "done"


def _terminated() -> errors.AwsError:
    # S3 answers IncompleteBody for any malformed aws-chunked framing (versity/versitygw#1666).
    return errors.IncompleteBody("The request body terminated unexpectedly")


class AwsChunkedDecoder:
    """Decode (and for the signed forms, authenticate) one aws-chunked body, a piece at a time."""

    def __init__(
        self,
        mode: Mode,
        *,
        decoded_length: int | None = None,
        trailer: str | None = None,
        seed_signature: str = "",
        key: bytes = b"",
        timestamp: str = "",
        scope: str = "",
    ) -> None:
        self.mode = mode
        self._expected = decoded_length
        self._trailer = trailer.strip().lower() if trailer else None
        self._checksum: checksums.Checksum | None = None
        if self._trailer is not None:
            if self._trailer not in checksums.ALGORITHMS:
                raise errors.InvalidRequest("The value specified in the x-amz-trailer header is not supported")
            self._checksum = checksums.new_checksum(self._trailer)
        self._previous = seed_signature
        self._key = key
        self._prefix = f"AWS4-HMAC-SHA256-PAYLOAD\n{timestamp}\n{scope}\n"
        self._trailer_prefix = f"AWS4-HMAC-SHA256-TRAILER\n{timestamp}\n{scope}\n"
        self._state = _State.HEADER
        self._buffer = bytearray()
        self._remaining = 0
        self._chunk_signature = ""
        self._chunk_hash = hashlib.sha256()
        self._pending = bytearray()
        self._chunks = 0
        self._last_size: int | None = None
        self._decoded = 0
        self._trailers: list[tuple[str, str]] = []
        self.trailer_checksum: tuple[str, str] | None = None
        """(trailer header name, base64 value) once `finish` has verified it."""

    @property
    def decoded_bytes(self) -> int:
        """How many payload bytes have been decoded so far."""
        return self._decoded

    def feed(self, data: bytes) -> bytes:
        """Consume more body bytes; return the decoded payload bytes that are ready to be written."""
        self._buffer += data
        out = bytearray()
        while self._step(out):
            pass
        return bytes(out)

    def finish(self) -> None:
        """The body has ended: raise unless it was complete, its length as declared and its checksum right."""
        if self._state is _State.TRAILER and not self._buffer and self._trailers:
            self._close_trailer()  # tolerate a missing final empty line after the trailer headers
        if self._state is not _State.DONE or self._buffer.strip(b"\r\n"):
            raise _terminated()
        if self._expected is not None and self._decoded != self._expected:
            raise self._length_error()
        self._check_trailer()

    # --- framing ---------------------------------------------------------------------------------------------

    def _line(self) -> bytes | None:
        end = self._buffer.find(b"\n")
        if end < 0:
            if len(self._buffer) > _MAX_LINE:
                raise _terminated()
            return None
        line = bytes(self._buffer[:end]).rstrip(b"\r")
        del self._buffer[: end + 1]
        return line

    def _step(self, out: bytearray) -> bool:
        if self._state is _State.HEADER:
            line = self._line()
            return line is not None and self._chunk_header(line)
        if self._state is _State.DATA:
            return self._data(out)
        if self._state is _State.DATA_END:
            if len(self._buffer) < 2:
                return False
            if bytes(self._buffer[:2]) != b"\r\n":
                raise _terminated()
            del self._buffer[:2]
            self._end_chunk(out)
            return True
        if self._state is _State.TRAILER:
            line = self._line()
            return line is not None and self._trailer_line(line)
        return False

    def _chunk_header(self, line: bytes) -> bool:
        match = _CHUNK_HEADER.fullmatch(line)
        if match is None or (self.mode.signed != (match.group(2) is not None)):
            raise _terminated()
        size = int(match.group(1), 16)
        if size > MAX_CHUNK_BYTES:
            raise _terminated()
        self._chunks += 1
        if size and self._last_size is not None and self._last_size < MIN_CHUNK_BYTES:
            raise errors.InvalidChunkSizeError(Chunk=str(self._chunks - 1), BadChunkSize=str(self._last_size))
        self._last_size = size
        self._chunk_signature = (match.group(2) or b"").decode("ascii")
        self._chunk_hash = hashlib.sha256()
        self._remaining = size
        if size == 0:
            self._verify_chunk()
            self._state = _State.TRAILER  # an empty line ends it; trailing headers may come first
            return True
        self._state = _State.DATA
        return True

    def _data(self, out: bytearray) -> bool:
        if not self._buffer:
            return False
        piece = bytes(self._buffer[: self._remaining])
        del self._buffer[: len(piece)]
        self._remaining -= len(piece)
        self._decoded += len(piece)
        if self._expected is not None and self._decoded > self._expected:
            raise self._length_error()
        if self._checksum is not None:
            self._checksum.update(piece)
        if self.mode.signed:
            self._chunk_hash.update(piece)
            self._pending += piece
        else:
            out += piece
        if self._remaining == 0:
            self._state = _State.DATA_END
        return True

    def _end_chunk(self, out: bytearray) -> None:
        if self.mode.signed:
            self._verify_chunk()
            out += self._pending
            self._pending.clear()
        self._state = _State.HEADER

    def _trailer_line(self, line: bytes) -> bool:
        if not line:
            self._close_trailer()
            return True
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon or not name.strip() or len(self._trailers) >= _MAX_TRAILERS:
            raise errors.MalformedTrailerError()
        self._trailers.append((name.strip().lower(), value.strip()))
        return True

    # --- authentication and integrity ----------------------------------------------------------------------------

    def _verify_chunk(self) -> None:
        if not self.mode.signed:
            return
        sts = f"{self._prefix}{self._previous}\n{c.EMPTY_SHA256}\n{self._chunk_hash.hexdigest()}"
        expected = c.signature(self._key, sts)
        if not hmac.compare_digest(expected, self._chunk_signature):
            raise errors.S3SignatureDoesNotMatch()
        self._previous = self._chunk_signature

    def _close_trailer(self) -> None:
        signatures = [value for name, value in self._trailers if name == _TRAILER_SIGNATURE]
        headers = [(name, value) for name, value in self._trailers if name != _TRAILER_SIGNATURE]
        if self.mode is Mode.SIGNED_TRAILER and headers:
            canonical = "".join(f"{name}:{value}\n" for name, value in headers)
            sts = f"{self._trailer_prefix}{self._previous}\n{c.sha256_hex(canonical.encode('latin-1'))}"
            if len(signatures) != 1 or not hmac.compare_digest(c.signature(self._key, sts), signatures[0]):
                raise errors.S3SignatureDoesNotMatch()
        elif signatures and self.mode is not Mode.SIGNED_TRAILER:
            raise errors.MalformedTrailerError()
        self._trailers = headers
        self._state = _State.DONE

    def _length_error(self) -> errors.AwsError:
        # Recorded S3 response (versity/versitygw#1684).
        return errors.IncompleteBody(NumberBytesExpected=str(self._expected), NumberBytesProvided=str(self._decoded))

    def _check_trailer(self) -> None:
        checksum_headers = [(n, v) for n, v in self._trailers if n.startswith("x-amz-checksum-")]
        if self._trailer is None:
            if checksum_headers:
                raise errors.MalformedTrailerError()
            return
        values = [v for n, v in checksum_headers if n == self._trailer]
        if len(values) != 1 or len(checksum_headers) != 1 or self._checksum is None:
            raise errors.MalformedTrailerError()
        computed = checksums.encode(self._checksum.digest())
        if not hmac.compare_digest(computed, values[0]):
            # Recorded S3 text: "The CRC32 you specified did not match the calculated checksum." (BadDigest)
            name = checksums.ALGORITHMS[self._trailer][0]
            raise errors.BadDigest(f"The {name} you specified did not match the calculated checksum.")
        self.trailer_checksum = (self._trailer, computed)


def decoder_for(signed: SignedRequest, secret: str) -> AwsChunkedDecoder:
    """A decoder for a verified S3 request whose x-amz-content-sha256 is one of the STREAMING-* forms.

    The seed signature is the request's own; `secret` derives the same signing key `verify` used.
    """
    mode = wire.parse_enum(signed.payload_hash, Mode)
    if mode is None:
        raise ValueError(f"not an aws-chunked payload: {signed.payload_hash!r}")
    return AwsChunkedDecoder(
        mode,
        decoded_length=signed.decoded_content_length,
        trailer=signed.trailer,
        seed_signature=signed.signature,
        key=c.signing_key(secret, signed.scope_date, signed.region, signed.service),
        timestamp=signed.timestamp,
        scope=signed.scope,
    )
