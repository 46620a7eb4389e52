"""The worked S3 examples of the AWS docs: header, presigned and streaming (seed, chunk and trailer signatures)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import unquote

import pytest

from ostiary import errors, sigv4

from .vectors import S3_EXAMPLES

pytestmark = pytest.mark.skipif(
    not S3_EXAMPLES.is_file(), reason=f"the S3 signing examples are not at {S3_EXAMPLES}: set OSTIARY_VECTORS_DIR"
)
DATA: dict[str, Any] = json.loads(S3_EXAMPLES.read_text()) if S3_EXAMPLES.is_file() else {"examples": []}
EXAMPLES = DATA["examples"]
NOW = dt.datetime(2013, 5, 24, tzinfo=dt.UTC)
AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SCOPE = f"{AKID}/20130524/us-east-1/s3/aws4_request"


def chunk_body(example: dict[str, Any]) -> bytes:
    body = b""
    for chunk, sig in zip(example["chunks"], example["expected_chunk_signatures"], strict=True):
        data = chunk.get("byte", "").encode() * chunk["size"]
        body += f"{chunk['size']:x};chunk-signature={sig}\r\n".encode() + data
        body += b"\r\n" if chunk["size"] else b""
    if "expected_trailer_signature" in example:
        body += example["trailer_headers_canonical"].replace("\n", "\r\n").encode()
        body += f"x-amz-trailer-signature:{example['expected_trailer_signature']}\r\n".encode()
    return body + b"\r\n"


def signed_request(example: dict[str, Any], raw_path: str) -> sigv4.SignedRequest:
    headers = list(example["headers"].items())
    names = ";".join(sorted(example["headers"]))
    query = example["canonical_query"]
    if example["auth"] == "query":
        query = f"{query}&X-Amz-Signature={example['expected_signature']}"
    else:
        auth = f"AWS4-HMAC-SHA256 Credential={SCOPE},SignedHeaders={names},Signature={example['expected_signature']}"
        headers.append(("Authorization", auth))
    signed = sigv4.parse_signed_request(example["method"], raw_path, query, headers)
    assert signed is not None
    return signed


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
@pytest.mark.parametrize("path_form", ["as-signed", "decoded"])
def test_verify_accepts(example: dict[str, Any], path_form: str) -> None:
    raw_path = example["canonical_uri"] if path_form == "as-signed" else unquote(example["canonical_uri"])
    signed = signed_request(example, raw_path)
    assert signed.payload_hash == example["payload_hash"]
    sigv4.verify(signed, SECRET, now=NOW)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_sign_reproduces_signature(example: dict[str, Any]) -> None:
    expires = 86400 if example["auth"] == "query" else None
    headers = [(k, v) for k, v in example["headers"].items() if expires is None or k == "host"]
    result = sigv4.sign(
        example["method"],
        example["canonical_uri"],
        example["canonical_query"] if expires is None else "",
        headers,
        access_key_id=AKID,
        secret=SECRET,
        region="us-east-1",
        service="s3",
        now=NOW,
        payload_hash=example["payload_hash"],
        expires=expires,
        signed_names=sorted(example["headers"]) if expires is None else ["host"],
    )
    assert result.signature == example["expected_signature"]


STREAMING = [e for e in EXAMPLES if e["auth"].startswith("header-streaming")]


@pytest.mark.parametrize("example", STREAMING, ids=[e["name"] for e in STREAMING])
def test_streaming_chunks_and_trailer_verify(example: dict[str, Any]) -> None:
    signed = signed_request(example, example["canonical_uri"])
    sigv4.verify(signed, SECRET, now=NOW)
    decoder = sigv4.decoder_for(signed, SECRET)
    body = chunk_body(example)
    out = b"".join(decoder.feed(body[i : i + 7000]) for i in range(0, len(body), 7000))
    decoder.finish()
    assert out == b"a" * 66560
    if "expected_trailer_signature" in example:
        assert decoder.trailer_checksum == ("x-amz-checksum-crc32c", "sOO8/Q==")


def _positions(body: bytes) -> dict[str, int]:
    first = body.index(b"\r\n") + 2
    second = body.index(b";chunk-signature=", first)
    return {
        "chunk-1-data": first + 10,
        "chunk-2-signature": second + 20,
        "chunk-2-data": body.index(b"\r\n", second) + 12,
    }


@pytest.mark.parametrize("example", STREAMING, ids=[e["name"] for e in STREAMING])
@pytest.mark.parametrize("where", ["chunk-1-data", "chunk-2-signature", "chunk-2-data"])
def test_streaming_rejects_a_changed_byte(example: dict[str, Any], where: str) -> None:
    signed = signed_request(example, example["canonical_uri"])
    body = bytearray(chunk_body(example))
    body[_positions(bytes(body))[where]] ^= 0x01
    decoder = sigv4.decoder_for(signed, SECRET)
    with pytest.raises(errors.AwsError) as raised:
        decoder.feed(bytes(body))
        decoder.finish()
    assert raised.value.code in {"SignatureDoesNotMatch", "IncompleteBody"}
