"""One row per wire error this package raises: code, HTTP status and exact message (and S3 extra elements)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ostiary import errors, sigv4

from .helpers import AKID, BODY_SHA256, HOST, SECRET, SIGNED_AT, parse, presigned, signed_headers

MIN = dt.timedelta(minutes=1)
SIG = "0" * 64
CRED = f"{AKID}/20261127/us-east-1/{{service}}/aws4_request"
DATE = ("X-Amz-Date", "20261127T120000Z")
SHA = ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")


def auth(service: str, value: str, *headers: tuple[str, str]) -> Callable[[], object]:
    """Parse a request with a hand-written Authorization value."""
    return lambda: sigv4.parse_signed_request("GET", "/", "", [HOST, *headers, ("Authorization", value)])


def full(service: str, **parts: str) -> str:
    fields = {"Credential": CRED.format(service=service), "SignedHeaders": "host;x-amz-date", "Signature": SIG}
    fields.update(parts)
    return "AWS4-HMAC-SHA256 " + ", ".join(f"{k}={v}" for k, v in fields.items() if v != "-")


def query(service: str, **params: str) -> Callable[[], object]:
    fields = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": CRED.format(service=service).replace("/", "%2F"),
        "X-Amz-Date": "20261127T120000Z",
        "X-Amz-Expires": "60",
        "X-Amz-SignedHeaders": "host",
        "X-Amz-Signature": SIG,
    }
    fields.update(params)
    raw = "&".join(f"{k}={v}" for k, v in fields.items() if v != "-")
    return lambda: sigv4.parse_signed_request("GET", "/", raw, [HOST])


def verifying(request: Any, now: dt.datetime = SIGNED_AT, secret: str | None = SECRET, body: str | None = None) -> Any:
    return lambda: sigv4.verify(parse(request), secret, now=now, body_sha256=body or BODY_SHA256)


def tampered(request: Any) -> Any:
    method, path, raw_query, headers = request
    return (
        method,
        path,
        raw_query,
        [(k, v[:-1] + ("1" if v.endswith("0") else "0") if k == "Authorization" else v) for k, v in headers],
    )


def s3_put(**extra: str) -> Any:
    return signed_headers("s3", method="PUT", path="/b/k", payload_hash=BODY_SHA256, headers=[HOST, *extra.items()])


def chunks(body: bytes, mode: str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER", **kw: Any) -> Callable[[], object]:
    def run() -> None:
        decoder = sigv4.AwsChunkedDecoder(sigv4.Mode(mode), **kw)
        decoder.feed(body)
        decoder.finish()

    return run


HELLO = b"c\r\nhello-world\n\r\n0\r\nx-amz-checksum-crc32:zt9a7Q==\r\n\r\n"
MALFORMED = "The authorization header is malformed; "
CRED_FORM = 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
WEEK = (
    "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 "
    "seconds"
)

# (id, action, class, code, status, exact message, extra elements that must be present)
ROWS: list[tuple[str, Callable[[], object], type[errors.AwsError], str, int, str, dict[str, str]]] = [
    # --- IAM / STS (and any non-S3 service) ---
    (
        "q-both",
        lambda: sigv4.parse_signed_request(
            "GET", "/", "X-Amz-Algorithm=AWS4-HMAC-SHA256", [HOST, ("Authorization", "x")]
        ),
        errors.IncompleteSignature,
        "IncompleteSignature",
        400,
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
        {},
    ),
    (
        "q-algorithm",
        auth("sts", full("sts").replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"), DATE),
        errors.IncompleteSignature,
        "IncompleteSignature",
        400,
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.",
        {},
    ),
    (
        "q-component",
        auth("sts", "AWS4-HMAC-SHA256 Credential=A/20261127/us-east-1/sts/aws4_request, Oops", DATE),
        errors.IncompleteSignature,
        "IncompleteSignature",
        400,
        "'Oops' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'AWS4-HMAC-SHA256 Credential=A/20261127/us-east-1/sts/aws4_request, Oops'.",
        {},
    ),
    (
        "q-missing",
        auth("sts", "AWS4-HMAC-SHA256 Credential=A/20261127/us-east-1/sts/aws4_request"),
        errors.IncompleteSignature,
        "IncompleteSignature",
        400,
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256 Credential=A/20261127/us-east-1/sts/aws4_request",
        {},
    ),
    (
        "q-credential",
        auth("sts", full("sts", Credential="AKID/20261127/sts/aws4_request"), DATE),
        errors.IncompleteSignature,
        "IncompleteSignature",
        400,
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got 'AKID/20261127/sts/aws4_request'",
        {},
    ),
    (
        "q-terminator",
        auth("sts", full("sts", Credential="A/20261127/us-east-1/sts/aws5_request"), DATE),
        errors.SignatureDoesNotMatch,
        "SignatureDoesNotMatch",
        403,
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
        {},
    ),
    (
        "q-date",
        auth("sts", full("sts"), ("X-Amz-Date", "2026-11-27T12:00:00Z")),
        errors.IncompleteSignature,
        "IncompleteSignature",
        400,
        "Date must be in ISO-8601 'basic format'. Got '2026-11-27T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
        {},
    ),
    (
        "q-scope-date",
        auth("sts", full("sts"), ("X-Amz-Date", "20261128T000000Z")),
        errors.SignatureDoesNotMatch,
        "SignatureDoesNotMatch",
        403,
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        "from HTTP: '20261127' != '20261128', from '20261128T000000Z'.",
        {},
    ),
    (
        "q-host",
        auth("sts", full("sts", SignedHeaders="x-amz-date"), DATE),
        errors.IncompleteSignature,
        "IncompleteSignature",
        400,
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        {},
    ),
    (
        "q-absent",
        auth("sts", full("sts", SignedHeaders="content-type;host;x-amz-date"), DATE),
        errors.IncompleteSignature,
        "IncompleteSignature",
        400,
        "'content-type' is named as a SignedHeader, but it does not exist in the HTTP request.",
        {},
    ),
    (
        "q-query-missing",
        query("sts", **{"X-Amz-Signature": "-", "X-Amz-Date": "-"}),
        errors.IncompleteSignature,
        "IncompleteSignature",
        400,
        "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string "
        "parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
        {},
    ),
    (
        "q-expires-week",
        query("sts", **{"X-Amz-Expires": "604801"}),
        errors.IncompleteSignature,
        "IncompleteSignature",
        400,
        WEEK,
        {},
    ),
    (
        "q-unknown-key",
        verifying(signed_headers("sts"), secret=None),
        errors.InvalidClientTokenId,
        "InvalidClientTokenId",
        403,
        "The security token included in the request is invalid.",
        {},
    ),
    (
        "q-signature",
        verifying(tampered(signed_headers("sts"))),
        errors.SignatureDoesNotMatch,
        "SignatureDoesNotMatch",
        403,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
        "Access Key and signing method. Consult the service documentation for details.",
        {},
    ),
    (
        "q-expired",
        verifying(signed_headers("sts"), now=SIGNED_AT + 20 * MIN),
        errors.SignatureDoesNotMatch,
        "SignatureDoesNotMatch",
        403,
        "Signature expired: 20261127T120000Z is now earlier than 20261127T120500Z (20261127T122000Z - 15 min.)",
        {},
    ),
    (
        "q-not-yet",
        verifying(signed_headers("sts"), now=SIGNED_AT - 20 * MIN),
        errors.SignatureDoesNotMatch,
        "SignatureDoesNotMatch",
        403,
        "Signature not yet current: 20261127T120000Z is still later than 20261127T115500Z (20261127T114000Z + 15 min.)",
        {},
    ),
    (
        "q-presign-expired",
        verifying(presigned("sts", expires=60), now=SIGNED_AT + 2 * MIN),
        errors.RequestExpired,
        "RequestExpired",
        400,
        "Request has expired.",
        {},
    ),
    (
        "q-bad-token",
        lambda: (_ for _ in ()).throw(sigv4.rejection("sts", sigv4.Rejection.INVALID_TOKEN)),
        errors.InvalidClientTokenId,
        "InvalidClientTokenId",
        403,
        "The security token included in the request is invalid.",
        {},
    ),
    (
        "q-expired-token",
        lambda: (_ for _ in ()).throw(sigv4.rejection("iam", sigv4.Rejection.EXPIRED_TOKEN)),
        errors.ExpiredToken,
        "ExpiredToken",
        403,
        "The security token included in the request is expired",
        {},
    ),
    # --- S3 ---
    (
        "s3-both",
        lambda: sigv4.parse_signed_request(
            "GET",
            "/",
            "X-Amz-Credential=A%2F20261127%2Fus-east-1%2Fs3%2Faws4_request",
            [HOST, ("Authorization", "AWS4-HMAC-SHA256 x=y")],
        ),
        errors.InvalidArgument,
        "InvalidArgument",
        400,
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
        "parameter, Signature query string parameter or the Authorization header should be specified",
        {"ArgumentName": "Authorization"},
    ),
    (
        "s3-algorithm",
        auth("s3", full("s3").replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"), DATE, SHA),
        errors.InvalidArgument,
        "InvalidArgument",
        400,
        "Unsupported Authorization Type",
        {"ArgumentName": "Authorization"},
    ),
    (
        "s3-query-algorithm",
        query("s3", **{"X-Amz-Algorithm": "AWS4-HMAC-SHA1"}),
        errors.AuthorizationQueryParametersError,
        "AuthorizationQueryParametersError",
        400,
        'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
        {},
    ),
    (
        "s3-component",
        auth("s3", "AWS4-HMAC-SHA256 Credential=A/20261127/us-east-1/s3/aws4_request, Oops", DATE, SHA),
        errors.AuthorizationHeaderMalformed,
        "AuthorizationHeaderMalformed",
        400,
        MALFORMED + 'the authorization component "Oops" is malformed.',
        {},
    ),
    (
        "s3-three",
        auth("s3", full("s3", Signature="-"), DATE, SHA),
        errors.AuthorizationHeaderMalformed,
        "AuthorizationHeaderMalformed",
        400,
        MALFORMED + "the authorization header requires three components: Credential, SignedHeaders, and Signature.",
        {},
    ),
    (
        "s3-credential",
        auth("s3", full("s3", Credential="A/20261127/s3/aws4_request"), DATE, SHA),
        errors.AuthorizationHeaderMalformed,
        "AuthorizationHeaderMalformed",
        400,
        MALFORMED + CRED_FORM,
        {},
    ),
    (
        "s3-akid",
        auth("s3", full("s3", Credential="/20261127/us-east-1/s3/aws4_request"), DATE, SHA),
        errors.AuthorizationHeaderMalformed,
        "AuthorizationHeaderMalformed",
        400,
        MALFORMED + "a non-empty Access Key (AKID) must be provided in the credential.",
        {},
    ),
    (
        "s3-credential-date",
        auth("s3", full("s3", Credential="A/2026-11-27/us-east-1/s3/aws4_request"), DATE, SHA),
        errors.AuthorizationHeaderMalformed,
        "AuthorizationHeaderMalformed",
        400,
        MALFORMED + 'incorrect date format "2026-11-27". This date in the credential must be in the format "yyyyMMdd".',
        {},
    ),
    (
        "s3-scope-date",
        auth("s3", full("s3"), ("X-Amz-Date", "20261128T000000Z"), SHA),
        errors.AuthorizationHeaderMalformed,
        "AuthorizationHeaderMalformed",
        400,
        MALFORMED + 'Invalid credential date "20261127". This date is not the same as X-Amz-Date: "20261128".',
        {},
    ),
    (
        "s3-no-date",
        auth("s3", full("s3"), SHA),
        errors.AccessDenied,
        "AccessDenied",
        403,
        "AWS authentication requires a valid Date or x-amz-date header",
        {},
    ),
    (
        "s3-host",
        auth("s3", full("s3", SignedHeaders="x-amz-date"), DATE, SHA),
        errors.AccessDenied,
        "AccessDenied",
        403,
        "There were headers present in the request which were not signed",
        {"HeadersNotSigned": "host"},
    ),
    (
        "s3-no-sha256",
        auth("s3", full("s3"), DATE),
        errors.InvalidRequest,
        "InvalidRequest",
        400,
        "Missing required header for this request: x-amz-content-sha256",
        {},
    ),
    (
        "s3-bad-sha256",
        auth("s3", full("s3"), DATE, ("x-amz-content-sha256", "nope")),
        errors.InvalidArgument,
        "InvalidArgument",
        400,
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 "
        "value.",
        {"ArgumentName": "x-amz-content-sha256", "ArgumentValue": "nope"},
    ),
    (
        "s3-query-missing",
        query("s3", **{"X-Amz-Expires": "-"}),
        errors.AuthorizationQueryParametersError,
        "AuthorizationQueryParametersError",
        400,
        "Query-string authentication version 4 requires the X-Amz-Algorithm, "
        "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        {},
    ),
    (
        "s3-query-credential",
        query("s3", **{"X-Amz-Credential": "A%2F20261127%2Fs3%2Faws4_request"}),
        errors.AuthorizationQueryParametersError,
        "AuthorizationQueryParametersError",
        400,
        "Error parsing the X-Amz-Credential parameter; " + CRED_FORM,
        {},
    ),
    (
        "s3-query-date",
        query("s3", **{"X-Amz-Date": "20261127"}),
        errors.AuthorizationQueryParametersError,
        "AuthorizationQueryParametersError",
        400,
        "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        {},
    ),
    (
        "s3-query-scope-date",
        query("s3", **{"X-Amz-Date": "20261128T000000Z"}),
        errors.AuthorizationQueryParametersError,
        "AuthorizationQueryParametersError",
        400,
        'Invalid credential date "20261127". This date is not the same as X-Amz-Date: "20261128".',
        {},
    ),
    (
        "s3-expires-nan",
        query("s3", **{"X-Amz-Expires": "soon"}),
        errors.AuthorizationQueryParametersError,
        "AuthorizationQueryParametersError",
        400,
        "X-Amz-Expires should be a number",
        {},
    ),
    (
        "s3-expires-negative",
        query("s3", **{"X-Amz-Expires": "-7"}),
        errors.AuthorizationQueryParametersError,
        "AuthorizationQueryParametersError",
        400,
        "X-Amz-Expires must be non-negative",
        {},
    ),
    (
        "s3-expires-week",
        query("s3", **{"X-Amz-Expires": "609901"}),
        errors.AuthorizationQueryParametersError,
        "AuthorizationQueryParametersError",
        400,
        WEEK,
        {},
    ),
    (
        "s3-unknown-key",
        verifying(signed_headers("s3"), secret=None),
        errors.InvalidAccessKeyId,
        "InvalidAccessKeyId",
        403,
        "The AWS Access Key Id you provided does not exist in our records.",
        {"AWSAccessKeyId": AKID},
    ),
    (
        "s3-signature",
        verifying(tampered(signed_headers("s3"))),
        errors.S3SignatureDoesNotMatch,
        "SignatureDoesNotMatch",
        403,
        "The request signature we calculated does not match the signature you provided. Check your key and signing "
        "method.",
        {"AWSAccessKeyId": AKID},
    ),
    (
        "s3-skew",
        verifying(signed_headers("s3"), now=SIGNED_AT + 16 * MIN),
        errors.RequestTimeTooSkewed,
        "RequestTimeTooSkewed",
        403,
        "The difference between the request time and the current time is too large.",
        {
            "RequestTime": "20261127T120000Z",
            "ServerTime": "2026-11-27T12:16:00Z",
            "MaxAllowedSkewMilliseconds": "900000",
        },
    ),
    (
        "s3-presign-expired",
        verifying(presigned("s3", expires=60), now=SIGNED_AT + 2 * MIN),
        errors.AccessDenied,
        "AccessDenied",
        403,
        "Request has expired",
        {"X-Amz-Expires": "60", "Expires": "2026-11-27T12:01:00Z", "ServerTime": "2026-11-27T12:02:00Z"},
    ),
    (
        "s3-presign-future",
        verifying(presigned("s3"), now=SIGNED_AT - 16 * MIN),
        errors.AccessDenied,
        "AccessDenied",
        403,
        "Request is not yet valid",
        {"ServerTime": "2026-11-27T11:44:00Z"},
    ),
    (
        "s3-unsigned-header",
        verifying((*s3_put()[:3], [*s3_put()[3], ("x-amz-acl", "public-read")])),
        errors.AccessDenied,
        "AccessDenied",
        403,
        "There were headers present in the request which were not signed",
        {"HeadersNotSigned": "x-amz-acl"},
    ),
    (
        "s3-sha256-mismatch",
        verifying(s3_put(), body="0" * 64),
        errors.XAmzContentSHA256Mismatch,
        "XAmzContentSHA256Mismatch",
        400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        {"ClientComputedContentSHA256": BODY_SHA256, "S3ComputedContentSHA256": "0" * 64},
    ),
    (
        "s3-bad-token",
        lambda: (_ for _ in ()).throw(sigv4.rejection("s3", sigv4.Rejection.INVALID_TOKEN)),
        errors.InvalidToken,
        "InvalidToken",
        400,
        "The provided token is malformed or otherwise invalid.",
        {},
    ),
    (
        "s3-expired-token",
        lambda: (_ for _ in ()).throw(sigv4.rejection("s3", sigv4.Rejection.EXPIRED_TOKEN)),
        errors.S3ExpiredToken,
        "ExpiredToken",
        400,
        "The provided token has expired.",
        {},
    ),
    # --- aws-chunked bodies ---
    (
        "chunk-framing",
        chunks(HELLO.replace(b"c\r\n", b"zz\r\n"), trailer="x-amz-checksum-crc32"),
        errors.IncompleteBody,
        "IncompleteBody",
        400,
        "The request body terminated unexpectedly",
        {},
    ),
    (
        "chunk-length",
        chunks(HELLO, trailer="x-amz-checksum-crc32", decoded_length=3),
        errors.IncompleteBody,
        "IncompleteBody",
        400,
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
        {"NumberBytesExpected": "3"},
    ),
    (
        "chunk-size",
        chunks(b"1\r\na\r\n1\r\nb\r\n0\r\n\r\n"),
        errors.InvalidChunkSizeError,
        "InvalidChunkSizeError",
        403,
        "Only the last chunk is allowed to have a size less than 8192 bytes",
        {"Chunk": "1", "BadChunkSize": "1"},
    ),
    (
        "chunk-trailer",
        chunks(HELLO.replace(b"x-amz-checksum-crc32:", b"x-amz-checksum-crc32c:"), trailer="x-amz-checksum-crc32"),
        errors.MalformedTrailerError,
        "MalformedTrailerError",
        400,
        "The request contained trailing data that was not well-formed or did not conform to our published schema.",
        {},
    ),
    (
        "chunk-digest",
        chunks(HELLO.replace(b"zt9a7Q==", b"AAAAAA=="), trailer="x-amz-checksum-crc32"),
        errors.BadDigest,
        "BadDigest",
        400,
        "The CRC32 you specified did not match the calculated checksum.",
        {},
    ),
    (
        "chunk-signature",
        chunks(b"1;chunk-signature=" + b"0" * 64 + b"\r\na\r\n", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        errors.S3SignatureDoesNotMatch,
        "SignatureDoesNotMatch",
        403,
        errors.S3SignatureDoesNotMatch.message,
        {},
    ),
    (
        "chunk-unsupported-trailer",
        chunks(HELLO, trailer="x-amz-checksum-md5"),
        errors.InvalidRequest,
        "InvalidRequest",
        400,
        "The value specified in the x-amz-trailer header is not supported",
        {},
    ),
]


@pytest.mark.parametrize(
    ("action", "cls", "code", "status", "message", "extra"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_wire_error(
    action: Callable[[], object],
    cls: type[errors.AwsError],
    code: str,
    status: int,
    message: str,
    extra: dict[str, str],
) -> None:
    with pytest.raises(cls) as raised:
        action()
    assert (raised.value.code, raised.value.status, raised.value.text) == (code, status, message)
    assert extra.items() <= raised.value.extra.items()
