"""aws-chunked decoding: unsigned trailer (botocore over HTTPS), signed chunks and trailers, incremental feeding."""

from __future__ import annotations

import hashlib

import pytest

from ostiary import errors, sigv4
from ostiary.sigv4 import canonical as c
from ostiary.sigv4 import checksums

# botocore's unsigned-trailer body for "hello-world\n" after HTTP de-chunking (observed with botocore 1.44 over
# HTTPS; the format: Amazon S3 API Reference, "Signature calculations for trailing headers (chunked uploads)",
# https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html).
HELLO = b"c\r\nhello-world\n\r\n0\r\nx-amz-checksum-crc32:zt9a7Q==\r\n\r\n"
KEY = c.signing_key("secret", "20261127", "us-east-1", "s3")
TIMESTAMP, SCOPE, SEED = "20261127T120000Z", "20261127/us-east-1/s3/aws4_request", "a" * 64


def unsigned(**kw: object) -> sigv4.AwsChunkedDecoder:
    return sigv4.AwsChunkedDecoder(sigv4.Mode.UNSIGNED_TRAILER, trailer="x-amz-checksum-crc32", **kw)  # type: ignore[arg-type]


def test_unsigned_trailer_whole_and_byte_by_byte() -> None:
    for step in (len(HELLO), 1):
        decoder = unsigned(decoded_length=12)
        out = b"".join(decoder.feed(HELLO[i : i + step]) for i in range(0, len(HELLO), step))
        decoder.finish()
        assert out == b"hello-world\n"
        assert decoder.trailer_checksum == ("x-amz-checksum-crc32", "zt9a7Q==")


def test_truncated_body_is_incomplete() -> None:
    decoder = unsigned()
    decoder.feed(HELLO[:-10])
    with pytest.raises(errors.IncompleteBody):
        decoder.finish()


def test_length_overrun_is_reported_while_streaming() -> None:
    with pytest.raises(errors.IncompleteBody):
        unsigned(decoded_length=5).feed(HELLO)


@pytest.mark.parametrize("name", sorted(checksums.ALGORITHMS))
def test_every_trailer_checksum_is_verified(name: str) -> None:
    data = b"x" * 10_000
    value = checksums.checksum_b64(name, data)
    body = b"2710\r\n" + data + f"\r\n0\r\n{name}:{value}\r\n\r\n".encode()
    decoder = sigv4.AwsChunkedDecoder(sigv4.Mode.UNSIGNED_TRAILER, trailer=name)
    assert decoder.feed(body) == data
    decoder.finish()
    bad = body.replace(value.encode(), checksums.checksum_b64(name, b"y").encode())
    decoder = sigv4.AwsChunkedDecoder(sigv4.Mode.UNSIGNED_TRAILER, trailer=name)
    decoder.feed(bad)
    with pytest.raises(errors.BadDigest, match=f"^The {checksums.ALGORITHMS[name][0]} you specified"):
        decoder.finish()


def test_crc_check_values() -> None:
    assert checksums.checksum_b64("x-amz-checksum-crc32c", b"123456789") == "4waSgw=="  # 0xE3069283
    assert checksums.checksum_b64("x-amz-checksum-crc64nvme", b"123456789") == "rosUhgp5mIg="  # 0xAE8B14860A799888


def _signed_body(chunks: list[bytes], trailer: tuple[str, str] | None) -> bytes:
    body, previous = b"", SEED
    for data in [*chunks, b""]:
        sts = f"AWS4-HMAC-SHA256-PAYLOAD\n{TIMESTAMP}\n{SCOPE}\n{previous}\n{c.EMPTY_SHA256}\n{c.sha256_hex(data)}"
        previous = c.signature(KEY, sts)
        body += f"{len(data):x};chunk-signature={previous}\r\n".encode() + data + (b"\r\n" if data else b"")
    if trailer:
        line = f"{trailer[0]}:{trailer[1]}\n"
        sts = f"AWS4-HMAC-SHA256-TRAILER\n{TIMESTAMP}\n{SCOPE}\n{previous}\n{c.sha256_hex(line.encode())}"
        body += f"{trailer[0]}:{trailer[1]}\r\nx-amz-trailer-signature:{c.signature(KEY, sts)}\r\n".encode()
    return body + b"\r\n"


def signed(mode: sigv4.Mode, trailer: str | None = None) -> sigv4.AwsChunkedDecoder:
    return sigv4.AwsChunkedDecoder(
        mode, trailer=trailer, seed_signature=SEED, key=KEY, timestamp=TIMESTAMP, scope=SCOPE
    )


def test_signed_chunks_release_data_only_once_verified() -> None:
    data = [b"a" * 9000, b"b" * 100]
    body = _signed_body(data, None)
    decoder = signed(sigv4.Mode.SIGNED)
    first = decoder.feed(body[:9000])
    assert first == b""  # the first chunk is not complete yet, so nothing is released
    rest = decoder.feed(body[9000:])
    decoder.finish()
    assert first + rest == b"".join(data)


def test_signed_trailer_and_tampering() -> None:
    data = [b"a" * 8192, b"tail"]
    value = checksums.checksum_b64("x-amz-checksum-sha256", b"".join(data))
    body = _signed_body(data, ("x-amz-checksum-sha256", value))
    decoder = signed(sigv4.Mode.SIGNED_TRAILER, "x-amz-checksum-sha256")
    decoder.feed(body)
    decoder.finish()
    assert decoder.trailer_checksum == ("x-amz-checksum-sha256", value)
    forged = body.replace(value.encode(), checksums.checksum_b64("x-amz-checksum-sha256", b"other").encode())
    decoder = signed(sigv4.Mode.SIGNED_TRAILER, "x-amz-checksum-sha256")
    with pytest.raises(errors.S3SignatureDoesNotMatch):
        decoder.feed(forged)  # the trailer signature is checked as soon as the trailer ends
        decoder.finish()


def test_signed_chunks_cannot_be_reordered_or_dropped() -> None:
    data = [b"a" * 8192, b"b" * 8192, b"c"]
    body = _signed_body(data, None)
    parts = body.split(b"\r\n")
    dropped = b"\r\n".join(parts[:2] + parts[4:])  # remove the second chunk (header line + data)
    with pytest.raises(errors.S3SignatureDoesNotMatch):
        decoder = signed(sigv4.Mode.SIGNED)
        decoder.feed(dropped)
        decoder.finish()


def test_decoder_for_needs_a_streaming_payload() -> None:
    from .helpers import SECRET, parse, signed_headers

    with pytest.raises(ValueError, match="not an aws-chunked payload"):
        sigv4.decoder_for(parse(signed_headers("s3", payload_hash=hashlib.sha256(b"").hexdigest())), SECRET)
