"""Canonical URI (S3 keys with odd characters), query, headers; session tokens; header-name case variants."""

from __future__ import annotations

import hashlib

import pytest

from ostiary import errors, sigv4
from ostiary.sigv4 import canonical as c

from .helpers import HOST, SIGNED_AT, check, parse, presigned, signed_headers

# (wire path as a client sends it, S3 canonical URI). Clients send keys RFC 3986-encoded (observed with botocore 1.44
# and the JS SDK v3);
# the canonical form encodes every byte but A-Z a-z 0-9 - . _ ~ once, and keeps an encoded slash encoded.
S3_PATHS = [
    ("/b/a%20b%2Bc%3Dd%26%C3%A9~%2A%27%28x%29.txt", "/b/a%20b%2Bc%3Dd%26%C3%A9~%2A%27%28x%29.txt"),
    ("/b/a b+c=d&é~*'(x).txt", "/b/a%20b%2Bc%3Dd%26%C3%A9~%2A%27%28x%29.txt"),
    ("/b/%7e%2a", "/b/~%2A"),
    ("/b/dir%2Fkey", "/b/dir%2Fkey"),
    ("/b/dir/key", "/b/dir/key"),
    ("/b/a%252Fb", "/b/a%252Fb"),
    ("/b/my-object//example//photo.user", "/b/my-object//example//photo.user"),
    ("/b/./../k", "/b/./../k"),
    ("/b/", "/b/"),
    ("", "/"),
    ("/b/100%", "/b/100%25"),
]


@pytest.mark.parametrize(("raw", "expected"), S3_PATHS)
def test_s3_canonical_uri_encodes_once_and_never_normalises(raw: str, expected: str) -> None:
    assert c.canonical_uri(raw, "s3") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("/", "/"), ("//example//", "/example/"), ("/a/./b/../c", "/a/c"), ("/a%20b", "/a%2520b"), ("/ሴ", "/%E1%88%B4")],
)
def test_other_services_normalise_and_double_encode(raw: str, expected: str) -> None:
    assert c.canonical_uri(raw, "iam") == expected


@pytest.mark.parametrize("key", ["a b", "a+b", "x=y&z", "é", "~", "*", "'", "(", ")", "dir%2Fkey", "100%"])
def test_s3_request_for_each_odd_key_verifies(key: str) -> None:
    from urllib.parse import quote

    path = "/bucket/" + quote(key, safe="~%" if key.endswith("Fkey") else "~")
    check(signed_headers("s3", path=path, method="PUT"), SIGNED_AT)


def test_canonical_query_sorts_encoded_names_then_values() -> None:
    assert c.canonical_query_string("b=2&a=2&a=1&c&%E1%88%B4=x&sp=a%20b&plus=a+b") == (
        "%E1%88%B4=x&a=1&a=2&b=2&c=&plus=a%2Bb&sp=a%20b"
    )


def test_canonical_query_drops_only_the_signature_when_asked() -> None:
    raw = "X-Amz-Signature=abc&X-Amz-Date=1"
    assert c.canonical_query_string(raw, exclude=frozenset({"X-Amz-Signature"})) == "X-Amz-Date=1"


def test_canonical_headers_trim_join_and_fold() -> None:
    headers = [("My-Header", "  a   b  "), ("my-header", "c"), ("X-Folded", "one\n   two"), ("Host", "h")]
    assert (
        c.canonical_headers(headers, ["host", "my-header", "x-folded"]) == "host:h\nmy-header:a b,c\nx-folded:one two\n"
    )


@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_header_name_case_does_not_matter(case: type[str] | object) -> None:
    method, path, query, headers = signed_headers("sts", headers=[HOST, ("Content-Type", "text/plain")])
    renamed = [(case(k), v) for k, v in headers]  # type: ignore[operator]
    check((method, path, query, renamed), SIGNED_AT)


def test_authorization_without_spaces_after_commas() -> None:
    method, path, query, headers = signed_headers("s3")
    squeezed = [(k, v.replace(", ", ",") if k == "Authorization" else v) for k, v in headers]
    check((method, path, query, squeezed), SIGNED_AT)


@pytest.mark.parametrize("service", ["sts", "s3"])
def test_session_token_in_header(service: str) -> None:
    request = signed_headers(service, token="FAKESESSIONTOKEN/abc+def==")
    assert parse(request).security_token == "FAKESESSIONTOKEN/abc+def=="
    assert "x-amz-security-token" in parse(request).signed_headers
    check(request, SIGNED_AT)


@pytest.mark.parametrize("service", ["sts", "s3"])
def test_session_token_in_query(service: str) -> None:
    request = presigned(service, token="FAKESESSIONTOKEN/abc+def==")
    signed = parse(request)
    assert (signed.security_token, signed.presigned, signed.expires_seconds) == (
        "FAKESESSIONTOKEN/abc+def==",
        True,
        3600,
    )
    check(request, SIGNED_AT, body_sha256=hashlib.sha256(b"").hexdigest())


def test_unsigned_token_header_is_rejected_by_s3_only() -> None:
    for service, ok in (("sts", True), ("s3", False)):
        method, path, query, headers = signed_headers(service)
        request = (method, path, query, [*headers, ("X-Amz-Security-Token", "T")])
        if ok:
            check(request, SIGNED_AT)
        else:
            with pytest.raises(errors.AccessDenied):
                check(request, SIGNED_AT)


def test_unsigned_content_sha256_is_tolerated_in_header_auth() -> None:
    headers = [HOST, ("x-amz-content-sha256", c.UNSIGNED_PAYLOAD)]
    result = sigv4.sign(
        "GET", "/b/k", "", headers, access_key_id="AKID", secret="s", region="", service="s3", now=SIGNED_AT,
        payload_hash=c.UNSIGNED_PAYLOAD, signed_names=["host", "x-amz-date"],
    )  # fmt: skip
    signed = parse(("GET", "/b/k", "", list(result.headers)))
    sigv4.verify(signed, "s", now=SIGNED_AT)


def test_no_sigv4_auth_gives_none() -> None:
    assert sigv4.parse_signed_request("GET", "/", "Action=AssumeRoleWithWebIdentity", [HOST]) is None
    assert sigv4.parse_signed_request("GET", "/b/k", "", [HOST, ("Authorization", "AWS AKID:sig")]) is None


def test_date_header_fallback() -> None:
    # No X-Amz-Date: the Date header (HTTP-date form) dates the request; the string to sign uses basic format.
    headers = [HOST, ("Date", "Fri, 27 Nov 2026 12:00:00 GMT")]
    names = ["date", "host"]
    creq = c.canonical_request("GET", "/", "", c.canonical_headers(headers, names), "date;host", c.EMPTY_SHA256)
    sts = c.string_to_sign("20261127T120000Z", c.credential_scope("20261127", "", "iam"), creq)
    sig = c.signature(c.signing_key("s", "20261127", "", "iam"), sts)
    auth = f"AWS4-HMAC-SHA256 Credential=AKID/20261127//iam/aws4_request, SignedHeaders=date;host, Signature={sig}"
    signed = parse(("GET", "/", "", [*headers, ("Authorization", auth)]))
    assert signed.request_time == SIGNED_AT
    sigv4.verify(signed, "s", now=SIGNED_AT, body_sha256=c.EMPTY_SHA256)


def test_rebuilt_stages_are_exposed_for_debugging() -> None:
    request = signed_headers("sts")
    signed = parse(request)
    creq = sigv4.canonical_request_of(signed, hashlib.sha256(b"x").hexdigest())
    assert creq.startswith("POST\n/\n\nhost:localhost:9000\n")
    assert sigv4.string_to_sign_of(signed, "0" * 64).startswith("AWS4-HMAC-SHA256\n20261127T120000Z\n")
    with pytest.raises(TypeError):
        sigv4.canonical_request_of(signed)


def test_signing_key_is_cached() -> None:
    c.signing_key.cache_clear()
    c.signing_key("s", "20261127", "", "sts")
    c.signing_key("s", "20261127", "", "sts")
    assert c.signing_key.cache_info().hits == 1
