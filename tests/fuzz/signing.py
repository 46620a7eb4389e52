"""Put a fuzz input on the wire: unsigned, signed (SigV4 header, with aws-chunked bodies for some S3 uploads),
presigned, or signed and then damaged in one place."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from urllib.parse import quote

from ostiary import sigv4
from ostiary.sigv4 import canonical as c
from tests.fuzz.choosers import Chooser
from tests.fuzz.generate import Auth, Creds, FuzzInput, Wire, payload_sha256, signing_time

REGION = "us-east-1"
MIN_CHUNK = 8192
_SIGNATURE_CHARS = 64


def _chunk_sizes(size: int, chunk: int) -> list[int]:
    sizes = [chunk] * (size // chunk)
    if size % chunk:
        sizes.append(size % chunk)
    return [*sizes, 0]


def _signed_chunk_length(sizes: list[int]) -> int:
    return sum(len(f"{n:x};chunk-signature=") + _SIGNATURE_CHARS + 2 + n + 2 for n in sizes[:-1]) + len(
        f"0;chunk-signature={'0' * _SIGNATURE_CHARS}\r\n\r\n"
    )


def _signed_chunks(body: bytes, sizes: list[int], seed: str, creds: Creds, when: dt.datetime) -> bytes:
    timestamp = when.strftime(c.TIMESTAMP_FORMAT)
    scope = c.credential_scope(timestamp[:8], REGION, "s3")
    key = c.signing_key(creds.secret, timestamp[:8], REGION, "s3")
    previous, offset, out = seed, 0, bytearray()
    for size in sizes:
        data = body[offset : offset + size]
        offset += size
        sts = f"AWS4-HMAC-SHA256-PAYLOAD\n{timestamp}\n{scope}\n{previous}\n{c.EMPTY_SHA256}\n{c.sha256_hex(data)}"
        previous = c.signature(key, sts)
        out += f"{size:x};chunk-signature={previous}\r\n".encode() + data + b"\r\n"
    return bytes(out)


def _unsigned_trailer_body(body: bytes, sizes: list[int]) -> bytes:
    out, offset = bytearray(), 0
    for size in sizes[:-1]:
        out += f"{size:x}\r\n".encode() + body[offset : offset + size] + b"\r\n"
        offset += size
    checksum = sigv4.checksum_b64("x-amz-checksum-crc32", body)
    return bytes(out) + f"0\r\nx-amz-checksum-crc32:{checksum}\r\n\r\n".encode()


def _header_signed(inp: FuzzInput, creds: Creds, when: dt.datetime, chooser: Chooser, host: str) -> Wire:
    headers = [("host", host), *inp.headers]
    body = inp.body
    payload = payload_sha256(body)
    signed_body: bytes | None = None
    sizes = _chunk_sizes(len(body), chooser.choice((MIN_CHUNK, 64 * 1024)))
    if inp.service == "s3" and inp.chunked:
        headers += [("content-encoding", "aws-chunked"), ("x-amz-decoded-content-length", str(len(body)))]
        if chooser.chance(0.5):
            payload = c.STREAMING_SIGNED
            headers.append(("content-length", str(_signed_chunk_length(sizes))))
        else:
            payload = c.STREAMING_UNSIGNED_TRAILER
            signed_body = _unsigned_trailer_body(body, sizes)
            headers += [("x-amz-trailer", "x-amz-checksum-crc32"), ("content-length", str(len(signed_body)))]
    else:
        if inp.service == "s3" and chooser.chance(0.2):
            payload = c.UNSIGNED_PAYLOAD
        headers.append(("content-length", str(len(body))))
    result = sigv4.sign(
        inp.method,
        inp.path,
        inp.query,
        headers,
        access_key_id=creds.key,
        secret=creds.secret,
        region=REGION,
        service=inp.service,
        now=when,
        payload_hash=payload,
        session_token=creds.token,
    )
    if payload == c.STREAMING_SIGNED:
        signed_body = _signed_chunks(body, sizes, result.signature, creds, when)
    return Wire(inp.method, inp.path, result.raw_query, result.headers, body if signed_body is None else signed_body)


def _presigned(inp: FuzzInput, creds: Creds, when: dt.datetime, chooser: Chooser, host: str) -> Wire:
    headers = [("host", host), *inp.headers]
    result = sigv4.sign(
        inp.method,
        inp.path,
        inp.query,
        headers,
        access_key_id=creds.key,
        secret=creds.secret,
        region=REGION,
        service=inp.service,
        now=when,
        payload_hash=None if inp.service == "s3" else payload_sha256(inp.body),
        session_token=creds.token,
        expires=chooser.choice((60, 900, 604_800)),
    )
    headers.append(("content-length", str(len(inp.body))))
    return Wire(inp.method, inp.path, result.raw_query, tuple(headers), inp.body)


def _damage(wire: Wire, chooser: Chooser) -> Wire:
    headers = list(wire.headers)
    query, body = wire.query, wire.body
    roll = chooser.integer(0, 9)
    if roll == 0 and body:
        body = body[:-1] + bytes([body[-1] ^ 1])
    elif roll == 1:
        headers = [
            (k, v.replace("Signature=", "Signature=0") if k.lower() == "authorization" else v) for k, v in headers
        ]
        query = query.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    elif roll == 2:
        odd = chooser.choice(("20261128T999999Z", "²", "19700101T000000Z", "", "Mon, 01 Jan 99999 00:00:00 GMT"))
        headers = [(k, odd if k.lower() == "x-amz-date" else v) for k, v in headers]
        query = query.replace("X-Amz-Date=", f"X-Amz-Date={odd}")
    elif roll == 3:
        query = query.replace("X-Amz-Expires=", "X-Amz-Expires=" + chooser.choice(("²", "-1", "9" * 4400, "x")))
        headers.append(("x-amz-security-token", chooser.choice(("", "AAAA", "\udcff", "a" * 3000))))
    elif roll == 4:
        headers.append(("authorization", "AWS4-HMAC-SHA256 Credential=x/20261128/us-east-1/s3/aws4_request"))
    elif roll == 5:
        headers = [h for h in headers if h[0].lower() != "x-amz-content-sha256"]
    elif roll == 6:
        headers.append((chooser.choice(("x-amz-decoded-content-length", "content-length")), chooser.text(6)))
    elif roll == 7:
        headers = [(k, v.replace("/us-east-1/", "/²/") if k.lower() == "authorization" else v) for k, v in headers]
        query = query.replace("us-east-1", "%C2%B2")
    elif roll == 8:
        body = body + b"0\r\n\r\n" if body else chooser.binary(20)
    else:
        headers.append(("x-amz-" + chooser.choice(("meta-x", "date", "acl", "content-sha256")), chooser.text(10)))
    return Wire(wire.method, wire.path, query, tuple(headers), body)


def received(text: str) -> str:
    """`text` as a server sees it after the wire: UTF-8 bytes (a lone surrogate as the bytes of its code point),
    decoded with surrogateescape as ostiary's ASGI shell decodes them."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "surrogateescape")


# What an HTTP/1.1 parser (httptools, h11) refuses before the application sees the request: a control character in
# a header value (RFC 9110 §5.5), anything but visible ASCII in the request target (RFC 9112 §3.2).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_VISIBLE_ASCII = "".join(chr(code) for code in range(0x21, 0x7F))


def _visible(target: str) -> str:
    try:
        return quote(target, safe=_VISIBLE_ASCII, errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(target, safe=_VISIBLE_ASCII, errors="surrogatepass")


def parsable(inp: FuzzInput) -> FuzzInput:
    """`inp` with what an HTTP parser would refuse escaped, so that it reaches the application."""
    headers = tuple((name, _CONTROL.sub("?", value)) for name, value in inp.headers)
    return dataclasses.replace(inp, path=_visible(inp.path), query=_visible(inp.query), headers=headers)


def on_the_wire(
    inp: FuzzInput,
    auth: Auth,
    creds: Creds,
    now: dt.datetime,
    chooser: Chooser,
    host: str = "127.0.0.1:4599",
    *,
    http_parsable: bool = False,
) -> Wire:
    """The request as sent: `auth` decides how it is authenticated with `creds` at `now`; `http_parsable` escapes
    what an HTTP parser would refuse (a live server's parser answers 400 before ostiary sees the request)."""
    when = signing_time(now)
    inp = dataclasses.replace(inp, headers=tuple((received(k), received(v)) for k, v in inp.headers))
    if http_parsable:
        inp = parsable(inp)
    if auth is Auth.UNSIGNED:
        headers = (("host", host), *inp.headers, ("content-length", str(len(inp.body))))
        return Wire(inp.method, inp.path, inp.query, headers, inp.body)
    if auth is Auth.HEADER:
        return _header_signed(inp, creds, when, chooser, host)
    if auth is Auth.PRESIGNED:
        return _presigned(inp, creds, when, chooser, host)
    signed = (
        _header_signed(inp, creds, when, chooser, host)
        if chooser.chance(0.6)
        else _presigned(inp, creds, when, chooser, host)
    )
    return _damage(signed, chooser)
