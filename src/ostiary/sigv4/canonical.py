"""The SigV4 canonical request, string to sign, signing key and signature, named as AWS names them.

Theory of operation (AWS General Reference, "Create a canonical request for Signature Version 4"; Amazon S3 API
Reference, "Signature Calculations for the Authorization Header"):

    CanonicalRequest = HTTPMethod + "\\n" + CanonicalURI + "\\n" + CanonicalQueryString + "\\n"
                       + CanonicalHeaders + "\\n" + SignedHeaders + "\\n" + HashedPayload
    StringToSign     = "AWS4-HMAC-SHA256" + "\\n" + timestamp + "\\n" + scope + "\\n" + Hex(SHA256(CanonicalRequest))
    SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
    Signature        = Hex(HMAC(SigningKey, StringToSign))

Every function here is pure. Inputs are what the server received on the wire: the raw, still percent-encoded
path and query string, and header values as sent.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from typing import Final
from urllib.parse import quote_from_bytes, unquote_to_bytes

ALGORITHM: Final = "AWS4-HMAC-SHA256"
TERMINATOR: Final = "aws4_request"
EMPTY_SHA256: Final = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
UNSIGNED_PAYLOAD: Final = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED: Final = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER: Final = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER: Final = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
# The x-amz-content-sha256 values S3 accepts besides a hex digest (Amazon S3 API Reference, "Authenticating
# Requests: Using the Authorization Header (AWS Signature Version 4)",
# https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html).
PAYLOAD_SENTINELS: Final = frozenset(
    {UNSIGNED_PAYLOAD, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER}
)
# "The x-amz-date header ... in ISO 8601 basic format": 20150830T123600Z.
TIMESTAMP_FORMAT: Final = "%Y%m%dT%H%M%SZ"

# UriEncode(): "URI encode every byte except the unreserved characters: 'A'-'Z', 'a'-'z', '0'-'9', '-', '.', '_',
# and '~'." quote_from_bytes always keeps exactly those (plus `safe`) and writes uppercase hex, as AWS requires.
_UNRESERVED_ONLY: Final = ""
_TRIMALL = re.compile(r"[ \t\r\n]+")


def _wire_bytes(text: str) -> bytes:
    # The shell decodes raw request bytes as UTF-8 with surrogateescape; this gives the same bytes back.
    return text.encode("utf-8", "surrogateescape")


def uri_encode(data: bytes, *, keep_slash: bool = False) -> str:
    """AWS's UriEncode(): percent-encode every byte except the unreserved set (and '/' if `keep_slash`)."""
    return quote_from_bytes(data, safe="/" if keep_slash else _UNRESERVED_ONLY)


def normalize_path(path: str) -> str:
    """Remove '.' and '..' segments (RFC 3986 §5.2.4) and empty segments ('//'), keeping a trailing slash.

    AWS SigV4 suite `normalize-path/`: `//example//` → `/example/`, `/example/..` → `/`. Not used for S3.
    """
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    trailing = "/" if segments and path.endswith("/") else ""
    return "/" + "/".join(segments) + trailing


def canonical_uri(raw_path: str, service: str, *, normalize: bool | None = None) -> str:
    """The CanonicalURI line for `raw_path` (the path exactly as received, still percent-encoded).

    S3 ("Each path segment must be URI-encoded twice ... except for Amazon S3 which only gets URI-encoded once";
    "you do not normalize URI paths for requests to Amazon S3"): each segment is percent-decoded and re-encoded
    with UriEncode() once, so `a%20b`, `a b` and `%61%20b` all give `a%20b`, while an encoded slash (`%2F`)
    stays encoded and a literal '/' stays a separator, exactly as the client chose to send it.

    Every other service: the path is normalised (unless `normalize` is False) and the raw path is encoded
    again, which double-encodes it (`%20` → `%2520`), as botocore and the AWS suite do.
    """
    path = raw_path or "/"
    if normalize is None:
        normalize = service != "s3"
    if normalize:
        path = normalize_path(path)
    if service == "s3":
        return "/".join(uri_encode(unquote_to_bytes(_wire_bytes(part))) for part in path.split("/"))
    return uri_encode(_wire_bytes(path), keep_slash=True)


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw query string into (name, value) pairs, still percent-encoded. `a` alone gives ('a', '')."""
    pairs: list[tuple[str, str]] = []
    for item in raw_query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((name, value))
    return pairs


def decode_component(text: str) -> str:
    """Percent-decode one query name or value ('+' stays '+': SigV4 never treats it as a space)."""
    return unquote_to_bytes(_wire_bytes(text)).decode("utf-8", "surrogateescape")


def canonical_query_string(raw_query: str, *, exclude: frozenset[str] = frozenset()) -> str:
    """The CanonicalQueryString line: every parameter decoded then UriEncode()d, sorted by name then value.

    "Sort the parameter names by character code point in ascending order. Parameters with duplicate names
    should be sorted by value." A name with no '=' gets an empty value (`?lifecycle` → `lifecycle=`).
    Parameters whose decoded name is in `exclude` are left out (X-Amz-Signature for presigned requests).
    """
    encoded = [
        (uri_encode(unquote_to_bytes(_wire_bytes(name))), uri_encode(unquote_to_bytes(_wire_bytes(value))))
        for name, value in query_pairs(raw_query)
        if not exclude or decode_component(name) not in exclude
    ]
    encoded.sort()
    return "&".join(f"{name}={value}" for name, value in encoded)


def trimall(value: str) -> str:
    """Trimall(): "remove excess white space before and after values, and convert sequential spaces to a single
    space" (folded multi-line values become one line, as in the suite's get-header-value-multiline)."""
    return _TRIMALL.sub(" ", value).strip(" ")


def canonical_headers(headers: Iterable[tuple[str, str]], signed_names: Sequence[str]) -> str:
    """The CanonicalHeaders block: `name:value\\n` for each signed name, in the order given.

    "Lowercase(HeaderName) + ':' + Trimall(HeaderValue) + '\\n'"; a header sent more than once has its values
    joined with commas, in the order received (suite case get-header-key-duplicate). A signed name that was not
    sent contributes an empty value.
    """
    values: dict[str, list[str]] = {name: [] for name in signed_names}
    for name, value in headers:
        bucket = values.get(name.lower())
        if bucket is not None:
            bucket.append(trimall(value))
    return "".join(f"{name}:{','.join(values[name])}\n" for name in signed_names)


def signed_headers(signed_names: Iterable[str]) -> str:
    """The SignedHeaders line: the lowercase header names joined with ';'."""
    return ";".join(signed_names)


def canonical_request(
    method: str,
    canonical_uri: str,
    canonical_query_string: str,
    canonical_headers: str,
    signed_headers: str,
    payload_hash: str,
) -> str:
    """Join the six parts of the canonical request (the headers block already ends with a newline)."""
    return "\n".join((method, canonical_uri, canonical_query_string, canonical_headers, signed_headers, payload_hash))


def credential_scope(date: str, region: str, service: str) -> str:
    """`YYYYMMDD/region/service/aws4_request` (the region may be empty)."""
    return f"{date}/{region}/{service}/{TERMINATOR}"


def sha256_hex(data: bytes) -> str:
    """Lowercase hex SHA-256, as every SigV4 hash is written."""
    return hashlib.sha256(data).hexdigest()


def string_to_sign(timestamp: str, scope: str, canonical_request: str) -> str:
    """`AWS4-HMAC-SHA256\\n<timestamp>\\n<scope>\\n<hex sha256 of the canonical request>`."""
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{sha256_hex(canonical_request.encode('utf-8', 'surrogateescape'))}"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


@functools.lru_cache(maxsize=4096)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The derived key: HMAC chain "AWS4"+secret → date → region → service → "aws4_request" (cached).

    The cache holds at most 4096 derived keys; a key only changes with the date, so a busy server derives each
    key once a day.
    """
    return _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), date), region), service), TERMINATOR)


def signature(key: bytes, string_to_sign: str) -> str:
    """Hex HMAC-SHA256 of the string to sign under the signing key."""
    return hmac.new(key, string_to_sign.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()
