"""The loop's guess of a request's service (for the shape of a refusal), and the declared body length."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pytest

from ostiary.server.admission import Admission, declared_length, service_of


def scope(
    method: str = "GET", path: bytes = b"/", query: bytes = b"", headers: tuple[tuple[bytes, bytes], ...] = ()
) -> MutableMapping[str, Any]:
    return {"method": method, "raw_path": path, "query_string": query, "headers": list(headers)}


def auth(service: str) -> tuple[tuple[bytes, bytes], ...]:
    value = f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/{service}/aws4_request, SignedHeaders=host, "
    return ((b"authorization", (value + "Signature=ab").encode()),)


FORM = ((b"content-type", b"application/x-www-form-urlencoded; charset=utf-8"),)
PRESIGNED = b"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2F{}%2Faws4_request"

SERVICES = {
    "header, iam": (scope("POST", headers=auth("iam")), "iam"),
    "header, sts": (scope("POST", headers=auth("sts")), "sts"),
    "header, s3": (scope("PUT", b"/b/k", headers=auth("s3")), "s3"),
    "header, another service": (scope("POST", headers=auth("ec2")), "s3"),
    "presigned, sts": (scope(query=PRESIGNED.replace(b"{}", b"sts")), "sts"),
    "presigned, s3": (scope(path=b"/b/k", query=PRESIGNED.replace(b"{}", b"s3")), "s3"),
    "unsigned Action in the query": (scope(query=b"Action=GetCallerIdentity&Version=2011-06-15"), "sts"),
    "unsigned form POST to /": (scope("POST", headers=FORM), "sts"),
    "unsigned form POST to a bucket": (scope("POST", b"/bucket", headers=FORM), "s3"),
    "anonymous GET": (scope(path=b"/bucket/key"), "s3"),
    "garbage authorization": (scope(headers=((b"authorization", b"Credential=////"),)), "s3"),
}


@pytest.mark.parametrize("case", SERVICES)
def test_service_of(case: str) -> None:
    request_scope, expected = SERVICES[case]
    assert service_of(request_scope) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(b"12", 12), (b" 12 ", 12), (b"0", 0), (b"\xc2\xb2", None), (b"1e3", None), (b"-1", None), (b"9" * 21, None)],
)
def test_declared_length(value: bytes, expected: int | None) -> None:
    assert declared_length(scope(headers=((b"content-length", value),))) == expected


def test_admission_counts_and_refuses() -> None:
    admission = Admission(2)
    assert [admission.enter() for _ in range(3)] == [True, True, False]
    admission.leave()
    assert admission.enter()
    assert (admission.in_flight, admission.refused) == (2, 1)
    with pytest.raises(ValueError, match="at least 1"):
        Admission(0)
