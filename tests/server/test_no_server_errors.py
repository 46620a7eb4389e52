"""No input of any kind gets a 500: every operation fed hostile parameters, and raw garbage requests.

Hypothesis drives the in-process pipeline with correctly signed root requests whose parameters are
random (odd characters, wrong types, huge and empty values, stray list members), and with unsigned
or malformed requests to any path. Every answer must be a well-formed AWS error or a success; a 5xx
means an input reached code that did not expect it.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ostiary import iam, sts
from ostiary.http import BytesBody, HttpRequest, HttpResponse
from ostiary.protocol.params import Kind, Param
from tests.fuzz.answers import drain
from tests.support import InProcess

# OSTIARY_FUZZ_EXAMPLES raises the count for a longer hunt than the suite's default.
SETTINGS = settings(
    max_examples=int(os.environ.get("OSTIARY_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

WEIRD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "*",
            "..",
            "/",
            "//a//",
            "arn:aws:iam::424323427586:role/x",
            "arn:",
            "%",
            "\x00",
            '{"Version":"2012-10-17","Statement":[]}',
            "{",
            "[]",
            "null",
            "-1",
            "0",
            "99999999999999999999",
            "true",
            "v1",
            "Active",
            "é" * 200,
            "a" * 5000,
        ]
    ),
)


def assert_not_a_server_error(response: HttpResponse) -> None:
    """A 5xx is allowed only as AWS's own 501 NotImplemented for features ostiary does not have."""
    body = drain(response)  # a streamed body is read to its end, a file closed
    assert response.status != 500, body
    assert b"InternalError" not in body and b"InternalFailure" not in body, body


@pytest.fixture(scope="module")
def ostiary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    running = InProcess(Path(tmp_path_factory.mktemp("no500")) / "state")
    yield running
    running.close()


def form_for(params: tuple[Param, ...], draw: st.DrawFn) -> dict[str, str]:
    form: dict[str, str] = {}
    for param in params:
        if not draw(st.booleans()):
            continue
        if param.kind in (Kind.STRING_LIST, Kind.STRUCT_LIST):
            for index in range(1, draw(st.integers(0, 3)) + 1):
                if param.kind is Kind.STRING_LIST or not param.members:
                    form[f"{param.name}.member.{index}"] = draw(WEIRD_TEXT)
                else:
                    for member in param.members:
                        if draw(st.booleans()):
                            form[f"{param.name}.member.{index}.{member.name}"] = draw(WEIRD_TEXT)
        else:
            form[param.name] = draw(WEIRD_TEXT)
    return form


@st.composite
def query_requests(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    service = draw(st.sampled_from(["iam", "sts"]))
    operations = iam.OPERATIONS if service == "iam" else sts.OPERATIONS
    name = draw(st.sampled_from(sorted(operations)))
    version = "2010-05-08" if service == "iam" else "2011-06-15"
    form = {"Action": name, "Version": version, **form_for(operations[name].params, draw)}
    return service, form


@SETTINGS
@given(request=query_requests())
def test_every_query_operation_answers_hostile_parameters_without_a_server_error(
    ostiary: InProcess, request: tuple[str, dict[str, str]]
) -> None:
    service, form = request
    status, root = ostiary.query(service, form)
    assert status != 500 and b"InternalFailure" not in ET.tostring(root), ET.tostring(root)


@st.composite
def raw_requests(draw: st.DrawFn) -> HttpRequest:
    method = draw(st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"]))
    path = draw(st.sampled_from(["/", "/b", "/b/", "/b/k", "/b/a/b/c", "/%", "/%ZZ", "//", "/b/%00", "/a b"]))
    query = draw(
        st.sampled_from(
            [
                "",
                "Action=GetCallerIdentity",
                "uploads",
                "policy",
                "list-type=2&max-keys=-1",
                "X-Amz-Credential=x",
                "X-Amz-Algorithm=AWS4-HMAC-SHA256",
                "AWSAccessKeyId=a&Signature=b",
                "acl&versioning&tagging",
                "partNumber=0&uploadId=x",
                "%zz=%",
            ]
        )
    )
    headers = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "content-type",
                        "authorization",
                        "x-amz-date",
                        "x-amz-content-sha256",
                        "content-length",
                        "range",
                        "x-amz-security-token",
                        "content-md5",
                        "x-amz-acl",
                    ]
                ),
                WEIRD_TEXT,
            ),
            max_size=5,
        )
    )
    body = draw(st.binary(max_size=200))
    return HttpRequest(method, path, query, (("host", "127.0.0.1:4599"), *headers), BytesBody(body))


@SETTINGS
@given(request=raw_requests())
def test_garbage_requests_get_client_errors(ostiary: InProcess, request: HttpRequest) -> None:
    response = ostiary.pipeline.handle(request)
    assert_not_a_server_error(response)


@st.composite
def s3_inputs(draw: st.DrawFn) -> tuple[str, str, str, tuple[tuple[str, str], ...], bytes]:
    method = draw(st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"]))
    bucket = draw(st.sampled_from(["no500-bucket", "x", "Bad_Name", "no500-missing"]))
    key = draw(st.sampled_from(["", "k", "a/b", "%2F", "%C3%A9", "a" * 1100]))
    path = f"/{bucket}/{key}" if key else f"/{bucket}"
    query = draw(
        st.sampled_from(
            [
                "",
                "uploads",
                "policy",
                "list-type=2&max-keys=abc",
                "delete",
                "location",
                "uploadId=1&partNumber=1",
                "versions",
                "tagging",
                "encoding-type=nope",
                "list-type=2&continuation-token=%25%25",
                "acl",
            ]
        )
    )
    body = draw(
        st.one_of(
            st.binary(max_size=100),
            st.sampled_from(
                [
                    b"<Delete><Object><Key>k</Key></Object></Delete>",
                    b'{"Version":"2012-10-17","Statement":[]}',
                    b"<CreateBucketConfiguration/>",
                    b"<",
                ]
            ),
        )
    )
    printable = WEIRD_TEXT.filter(lambda v: v.isprintable() and v == v.strip() and v.isascii())
    headers = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "range",
                        "content-md5",
                        "if-match",
                        "if-modified-since",
                        "x-amz-checksum-crc32",
                        "x-amz-acl",
                        "content-type",
                        "x-amz-meta-a",
                        "x-amz-storage-class",
                    ]
                ),
                printable,
            ),
            max_size=3,
            unique_by=lambda h: h[0],
        )
    )
    return method, path, query, tuple(headers), body


@SETTINGS
@given(inputs=s3_inputs())
def test_signed_s3_requests_with_odd_inputs_get_client_errors(
    ostiary: InProcess, inputs: tuple[str, str, str, tuple[tuple[str, str], ...], bytes]
) -> None:
    ostiary.s3("PUT", "/no500-bucket")
    assert_not_a_server_error(ostiary.s3(*inputs))
