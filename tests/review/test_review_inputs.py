"""Review: hostile input reaching the pipeline. Nothing may answer 500, escape the pipeline, or grow memory
without bound.

Findings (xfail strict) and the checks that held (plain tests).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ostiary.http import BytesBody, HttpRequest, HttpResponse
from tests.review.test_review_helpers import HOST, Creds, Review, running

# A raw byte the ASGI shell turns into a lone surrogate ("surrogateescape"): httptools accepts obs-text
# (0x80-0xFF) in header values, so any client can send it.
RAW_FF = b"\xff".decode("utf-8", "surrogateescape")
DATE = "20261128T120000Z"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def review(tmp_path: Path) -> Iterator[Review]:
    yield from running(tmp_path)


def handle(
    review: Review,
    method: str,
    path: str,
    query: str = "",
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
) -> HttpResponse:
    return review.pipeline.handle(HttpRequest(method, path, query, (("host", HOST), *headers), BytesBody(body)))


# --- findings ---------------------------------------------------------------------------------


def test_more_than_a_thousand_query_parameters_is_not_a_server_error(review: Review) -> None:
    query = "&".join(f"p{i}=1" for i in range(1001))
    assert handle(review, "GET", "/", query).status < 500


def test_more_than_ten_thousand_form_fields_is_not_a_server_error(review: Review) -> None:
    body = ("Action=AssumeRoleWithWebIdentity&" + "&".join(f"p{i}=1" for i in range(10_001))).encode()
    assert handle(review, "POST", "/", headers=(("content-type", FORM),), body=body).status < 500


@pytest.mark.parametrize(
    ("algorithm", "key", "date", "service"),
    [
        (f"AWS4-HMAC-SHA256{RAW_FF}", "AKIAX", "20261128", "s3"),
        (f"AWS4-HMAC-SHA256{RAW_FF}", "AKIAX", "20261128", "iam"),
        ("AWS4-HMAC-SHA256", "AKIAX", "20261128", f"sts{RAW_FF}"),
        ("AWS4-HMAC-SHA256", "AKIAX", f"2026{RAW_FF}", "s3"),
    ],
)
def test_raw_bytes_in_an_unsigned_authorization_header_get_an_aws_error(
    review: Review, algorithm: str, key: str, date: str, service: str
) -> None:
    scope = f"{key}/{date}/us-east-1/{service}/aws4_request"
    authorization = f"{algorithm} Credential={scope}, SignedHeaders=host, Signature=0"
    headers = (("authorization", authorization), ("x-amz-date", DATE), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"))
    response = handle(review, "GET", "/", headers=headers)  # raises today
    assert 400 <= response.status < 500


@pytest.mark.parametrize("header", ["x-amz-storage-class", "x-amz-acl", "content-md5"])
def test_raw_bytes_in_echoed_s3_headers_get_an_aws_error(review: Review, header: str) -> None:
    assert review.s3("PUT", "/review-bucket").status == 200
    response = review.s3("PUT", "/review-bucket/k", headers=((header, f"x{RAW_FF}"),), body=b"abc")  # raises today
    assert 400 <= response.status < 500


@pytest.mark.parametrize("service", ["s3", "iam"])
def test_raw_bytes_in_the_access_key_id_are_an_unknown_key(review: Review, service: str) -> None:
    authorization = (
        f"AWS4-HMAC-SHA256 Credential=AKIA{RAW_FF}/20261128/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )
    headers = (("authorization", authorization), ("x-amz-date", DATE), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"))
    assert handle(review, "GET" if service == "s3" else "POST", "/", headers=headers).status == 403


def test_unknown_access_key_ids_do_not_pile_up_in_memory(review: Review) -> None:
    for _ in range(64):
        fake = "AKIA" + os.urandom(2048).hex().upper()
        assert review.code("sts", "GetCallerIdentity", Creds(fake, "x" * 40)) == "InvalidClientTokenId"
    cached = review.pipeline.authn._keys._values
    assert sum(len(key) for key in cached) < 64 * 1024


def test_unknown_bucket_names_do_not_pile_up_in_memory(review: Review) -> None:
    for _ in range(64):
        name = "b" + os.urandom(2048).hex()
        assert review.s3_as(None, "GET", f"/{name}/key").status in (400, 403, 404)
    cached = review.store.cache("buckets")._values
    assert sum(len(name) for name in cached) < 64 * 1024


# --- what held ----------------------------------------------------------------------------------

PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=120)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    authorization=st.one_of(
        PRINTABLE,
        st.builds(
            lambda a, b, c: f"AWS4-HMAC-SHA256 Credential={a}, SignedHeaders={b}, Signature={c}",
            PRINTABLE,
            PRINTABLE,
            PRINTABLE,
        ),
    ),
    date=st.one_of(st.just(DATE), PRINTABLE),
    token=st.one_of(st.none(), PRINTABLE),
    sha=st.one_of(st.just("UNSIGNED-PAYLOAD"), PRINTABLE),
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"]),
    path=st.sampled_from(["/", "/review-bucket", "/review-bucket/k", "/%2e%2e/x", "//"]),
)
def test_printable_garbage_authentication_never_fails_the_server(
    review: Review, authorization: str, date: str, token: str | None, sha: str, method: str, path: str
) -> None:
    headers: list[tuple[str, str]] = [
        ("authorization", authorization),
        ("x-amz-date", date),
        ("x-amz-content-sha256", sha),
    ]
    if token is not None:
        headers.append(("x-amz-security-token", token))
    response = handle(review, method, path, headers=tuple(headers))
    assert response.status < 500


def test_oversized_bodies_and_tokens_are_refused(review: Review) -> None:
    big = b"Action=GetCallerIdentity&Version=2011-06-15&x=" + b"a" * (1 << 20)
    assert handle(review, "POST", "/", headers=(("content-type", FORM),), body=big).status == 413
    token = "A" * 20_000
    creds = Creds("ASIAGFS5FVUBAAAAAAAA", "x" * 40, token)
    assert review.code("sts", "GetCallerIdentity", creds) == "InvalidClientTokenId"
