"""Numbers, dates and documents that once reached `int()`, `email.utils` or `json.loads` unchecked and answered 500.

Each row is one request through the real pipeline and the AWS error (or success) it must get instead.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ostiary import sigv4
from ostiary.http import BytesBody, FileBody, HttpRequest, HttpResponse
from tests.fuzz.backends import BACKENDS, in_process
from tests.support import ROOT_KEY, ROOT_SECRET, InProcess, find

BUCKET = "checked-inputs"
HUGE = "9" * 4400  # past int()'s 4,300-digit limit
SQUARE = "%C2%B2"  # "²": str.isdigit() is true, int() refuses it
RAW_FF = b"\xff".decode("utf-8", "surrogateescape")  # the raw byte 0xFF as the server receives it
IAM = "2010-05-08"


def policy(condition: dict[str, object]) -> str:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def bucket_policy(text: str) -> bytes:
    return text.replace("BUCKET", BUCKET).encode()


@pytest.fixture(scope="module", params=BACKENDS)
def ostiary(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(request.param, Path(tmp_path_factory.mktemp("checked")) / "state") as running:
        yield from _with_fixtures(running)


def _with_fixtures(running: InProcess) -> Iterator[InProcess]:
    assert running.s3("PUT", f"/{BUCKET}").status == 200
    assert running.s3("PUT", f"/{BUCKET}/k", body=b"0123456789").status == 200
    assert running.query("iam", {"Action": "CreateUser", "Version": IAM, "UserName": "checked"})[0] == 200
    yield running


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None


def s3_answer(response: HttpResponse) -> Answer:
    if isinstance(response.body, FileBody) and response.body.handle is not None:
        response.body.handle.close()
    body = response.body if isinstance(response.body, bytes) else b""
    match = re.search(rb"<Code>([^<]*)</Code>", body)
    return Answer(response.status, match.group(1).decode() if match else None)


def s3(
    method: str, path: str, query: str = "", headers: tuple[tuple[str, str], ...] = (), body: bytes = b""
) -> Callable[[InProcess], Answer]:
    return lambda ostiary: s3_answer(ostiary.s3(method, path, query, headers, body))


def raw(
    method: str, path: str, query: str = "", headers: tuple[tuple[str, str], ...] = ()
) -> Callable[[InProcess], Answer]:
    def send(ostiary: InProcess) -> Answer:
        request = HttpRequest(method, path, query, (("host", "127.0.0.1:4599"), *headers), BytesBody(b""))
        return s3_answer(ostiary.pipeline.handle(request))

    return send


def iam(**form: str) -> Callable[[InProcess], Answer]:
    def send(ostiary: InProcess) -> Answer:
        status, root = ostiary.query("iam", {"Version": IAM, **form})
        return Answer(status, find(root, "Error/Code"))

    return send


def iam_get(query: str) -> Callable[[InProcess], Answer]:
    """A root-signed IAM request with its parameters in the query string, exactly as given."""

    def send(ostiary: InProcess) -> Answer:
        headers = [("host", "127.0.0.1:4599")]
        signed = sigv4.sign(
            "GET", "/", query, headers, access_key_id=ROOT_KEY, secret=ROOT_SECRET, region="us-east-1",
            service="iam", now=ostiary.now,
        )  # fmt: skip
        request = HttpRequest("GET", "/", query, tuple((k.lower(), v) for k, v in signed.headers), BytesBody(b""))
        return s3_answer(ostiary.pipeline.handle(request))

    return send


CHUNKED = (("content-encoding", "aws-chunked"),)
SCOPE = f"{ROOT_KEY}/20261128/us-east-1/s3/aws4_request"
PRESIGNED = (
    f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={SCOPE.replace('/', '%2F')}&X-Amz-Date=20261128T120000Z"
    "&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires="
)
UNKNOWN_KEY_AUTH = (
    (
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAX/20261128/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0",
    ),
    ("x-amz-date", "20261128T120000Z"),
    ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
)

CASES: dict[str, tuple[Callable[[InProcess], Answer], Answer]] = {
    # s3/buckets.py: max-buckets
    "max-buckets=²": (s3("GET", "/", f"max-buckets={SQUARE}"), Answer(400, "InvalidArgument")),
    "max-buckets=4400 digits": (s3("GET", "/", f"max-buckets={HUGE}"), Answer(400, "InvalidArgument")),
    # s3/listing.py: max-keys
    "max-keys=4400 digits": (s3("GET", f"/{BUCKET}", f"list-type=2&max-keys={HUGE}"), Answer(400, "InvalidArgument")),
    "max-keys=²": (s3("GET", f"/{BUCKET}", f"max-keys={SQUARE}"), Answer(400, "InvalidArgument")),
    "max-keys=٣": (s3("GET", f"/{BUCKET}", "max-keys=%D9%A3"), Answer(400, "InvalidArgument")),
    "max-keys=5\\n": (s3("GET", f"/{BUCKET}", "max-keys=5%0A"), Answer(400, "InvalidArgument")),
    # s3/uploads.py: the declared size
    "decoded length ²": (
        s3("PUT", f"/{BUCKET}/u", headers=(*CHUNKED, ("x-amz-decoded-content-length", "²"))),
        Answer(411, "MissingContentLength"),
    ),
    "decoded length 4400 digits": (
        s3("PUT", f"/{BUCKET}/u", headers=(*CHUNKED, ("x-amz-decoded-content-length", HUGE))),
        Answer(411, "MissingContentLength"),
    ),
    # server/bodies.py and s3/uploads.py: Content-Length of an anonymous upload
    "content-length ²": (
        raw("PUT", f"/{BUCKET}/u", headers=(("content-length", "²"),)),
        Answer(411, "MissingContentLength"),
    ),
    # sigv4/parse.py: x-amz-decoded-content-length is read before any key lookup
    "unknown key, decoded length ²": (
        raw("PUT", f"/{BUCKET}/u", headers=(*UNKNOWN_KEY_AUTH, ("x-amz-decoded-content-length", "²"))),
        Answer(403, "InvalidAccessKeyId"),
    ),
    # sigv4/parse.py: X-Amz-Expires and the timestamp
    "X-Amz-Expires=²": (
        raw("GET", f"/{BUCKET}/k", PRESIGNED + SQUARE),
        Answer(400, "AuthorizationQueryParametersError"),
    ),
    "X-Amz-Expires=4400 digits": (
        raw("GET", f"/{BUCKET}/k", PRESIGNED + HUGE),
        Answer(400, "AuthorizationQueryParametersError"),
    ),
    "X-Amz-Date in Arabic-Indic digits": (
        raw(
            "GET",
            f"/{BUCKET}/k",
            PRESIGNED.replace("20261128T", "%D9%A2%D9%A0%D9%A2%D9%A6%D9%A1%D9%A1%D9%A2%D9%A8T") + "60",
        ),
        Answer(400, "AuthorizationQueryParametersError"),
    ),
    # s3/conditions.py: Range and If-Modified-Since
    "Range first byte 4400 digits": (
        s3("GET", f"/{BUCKET}/k", headers=(("range", f"bytes={HUGE}-"),)),
        Answer(416, "InvalidRange"),
    ),
    "Range last byte 4400 digits": (
        s3("GET", f"/{BUCKET}/k", headers=(("range", f"bytes=2-{HUGE}"),)),
        Answer(206, None),
    ),
    "Range suffix 4400 digits": (s3("GET", f"/{BUCKET}/k", headers=(("range", f"bytes=-{HUGE}"),)), Answer(206, None)),
    "Range in Arabic-Indic digits": (s3("GET", f"/{BUCKET}/k", headers=(("range", "bytes=٣-"),)), Answer(200, None)),
    "If-Modified-Since year 10**20": (
        s3("GET", f"/{BUCKET}/k", headers=(("if-modified-since", "Mon, 01 Jan 99999999999999999999 00:00:00 GMT"),)),
        Answer(200, None),
    ),
    "If-Unmodified-Since with an offset that overflows": (
        s3(
            "GET", f"/{BUCKET}/k", headers=(("if-unmodified-since", "Mon, 01 Jan 2020 00:00:00 +99999999999999999999"),)
        ),
        Answer(200, None),
    ),
    # protocol/params.py: list member indexes and integers
    "Tags.member.².Key": (
        iam(Action="TagUser", UserName="checked", **{"Tags.member.².Key": "a", "Tags.member.².Value": "b"}),
        Answer(400, "ValidationError"),
    ),
    "Tags.member.<4400 digits>.Key": (
        iam(Action="TagUser", UserName="checked", **{f"Tags.member.{HUGE}.Key": "a"}),
        Answer(400, "ValidationError"),
    ),
    "MaxItems=²": (iam(Action="ListUsers", MaxItems="²"), Answer(400, "ValidationError")),
    "MaxItems=٣": (iam(Action="ListUsers", MaxItems="٣"), Answer(400, "ValidationError")),
    "MaxItems=4400 digits": (iam(Action="ListUsers", MaxItems=HUGE), Answer(400, "ValidationError")),
    # policy/dates.py, policy/operators.py, policy/parse.py: policy documents
    "date of 4400 digits": (
        iam(Action="CreatePolicy", PolicyName="p1", PolicyDocument=policy({"DateLessThan": {"aws:CurrentTime": HUGE}})),
        Answer(400, "MalformedPolicyDocument"),
    ),
    "date ²": (
        iam(Action="CreatePolicy", PolicyName="p2", PolicyDocument=policy({"DateLessThan": {"aws:CurrentTime": "²"}})),
        Answer(400, "MalformedPolicyDocument"),
    ),
    "ISO date with a 4400-digit year": (
        iam(
            Action="CreatePolicy",
            PolicyName="p3",
            PolicyDocument=policy({"DateLessThan": {"aws:CurrentTime": HUGE + "-01-01T00:00:00Z"}}),
        ),
        Answer(400, "MalformedPolicyDocument"),
    ),
    "number 1e9999999999999999999": (
        iam(
            Action="PutUserPolicy",
            UserName="checked",
            PolicyName="p4",
            PolicyDocument=policy({"NumericLessThan": {"s3:max-keys": 1}}).replace("1}", "1e9999999999999999999}"),
        ),
        Answer(400, "MalformedPolicyDocument"),
    ),
    "document nested 5000 deep": (
        iam(Action="PutUserPolicy", UserName="checked", PolicyName="p5", PolicyDocument="[" * 5000 + "]" * 5000),
        Answer(400, "MalformedPolicyDocument"),
    ),
    "bucket policy nested 5000 deep": (
        s3("PUT", f"/{BUCKET}", "policy", body=b'{"Statement":' + b"[" * 5000 + b"]" * 5000 + b"}"),
        Answer(400, "MalformedPolicy"),
    ),
    "bucket policy number 1e9999999999999999999": (
        s3(
            "PUT",
            f"/{BUCKET}",
            "policy",
            body=bucket_policy(
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",'
                '"Resource":"arn:aws:s3:::BUCKET/*","Condition":{"NumericLessThan":{"s3:max-keys":1e9999999999999999999}}}]}'
            ),
        ),
        Answer(400, "MalformedPolicy"),
    ),
    "bucket policy with a lone surrogate escape": (
        s3(
            "PUT",
            f"/{BUCKET}",
            "policy",
            body=bucket_policy(
                '{"Version":"2012-10-17","Id":"\\udcff","Statement":[{"Effect":"Allow","Principal":"*",'
                '"Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"}]}'
            ),
        ),
        Answer(400, "MalformedPolicy"),
    ),
    # http.py, protocol/query.py: raw query-string bytes that are not UTF-8 reach the handlers as lone surrogates
    "raw byte in prefix": (s3("GET", f"/{BUCKET}", f"prefix={RAW_FF}"), Answer(200, None)),
    "raw byte in start-after": (s3("GET", f"/{BUCKET}", f"list-type=2&start-after={RAW_FF}"), Answer(200, None)),
    "raw byte in delimiter": (s3("GET", f"/{BUCKET}", f"delimiter={RAW_FF}"), Answer(200, None)),
    "raw byte in a Query ARN": (
        iam_get(f"Action=GetPolicy&Version={IAM}&PolicyArn=arn:aws:iam::424323427586:policy/{RAW_FF}"),
        Answer(404, "NoSuchEntity"),
    ),
    # s3/request.py: a raw byte in the path
    "raw byte in the key": (s3("GET", f"/{BUCKET}/{RAW_FF}"), Answer(400, "InvalidURI")),
    # U+0000: PostgreSQL text cannot hold it, so it must never reach a query
    "NUL in prefix": (s3("GET", f"/{BUCKET}", "prefix=k%00"), Answer(200, None)),
    "NUL in marker": (s3("GET", f"/{BUCKET}", "marker=k%00"), Answer(200, None)),
    "NUL in start-after": (s3("GET", f"/{BUCKET}", "list-type=2&start-after=%00"), Answer(200, None)),
    "NUL in the ListBuckets prefix": (s3("GET", "/", "prefix=%00"), Answer(200, None)),
    "NUL in bucket-region": (s3("GET", "/", "bucket-region=us%00"), Answer(200, None)),
    "NUL in a ListBuckets token": (
        s3("GET", "/", "continuation-token=" + base64.urlsafe_b64encode(b"a\x00").decode()),
        Answer(400, "InvalidArgument"),
    ),
    "NUL in a PolicyArn": (
        iam(Action="GetPolicy", PolicyArn="arn:aws:iam::424323427586:policy/\x00"),
        Answer(400, "ValidationError"),
    ),
    "NUL in a policy description": (
        iam(Action="CreatePolicy", PolicyName="p7", PolicyDocument=policy({}), Description="a\x00"),
        Answer(400, "ValidationError"),
    ),
    "NUL in a list item": (
        iam(Action="SimulateCustomPolicy", **{"PolicyInputList.member.1": policy({}), "ActionNames.member.1": "\x00"}),
        Answer(400, "ValidationError"),
    ),
    "NUL in a trust policy principal": (
        iam(
            Action="CreateRole",
            RoleName="r1",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::424323427586:user/a\x00"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        ),
        Answer(400, "MalformedPolicyDocument"),
    ),
    "NUL in a bucket policy principal": (
        s3(
            "PUT",
            f"/{BUCKET}",
            "policy",
            body=bucket_policy(
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
                '"arn:aws:iam::424323427586:role/a\\u0000"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"}]}'
            ),
        ),
        Answer(400, "MalformedPolicy"),
    ),
    "identity policy with a lone surrogate escape": (
        iam(
            Action="PutUserPolicy",
            UserName="checked",
            PolicyName="p6",
            PolicyDocument=policy({"StringEquals": {"aws:username": "\udcff"}}).replace("\\\\", "\\"),
        ),
        Answer(400, "MalformedPolicyDocument"),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_checked_input(ostiary: InProcess, name: str) -> None:
    send, expected = CASES[name]
    assert send(ostiary) == expected


def test_root_credentials_still_work(ostiary: InProcess) -> None:
    status, _ = ostiary.query("sts", {"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    assert status == 200
    assert ROOT_SECRET
