"""botocore signs Hypothesis-generated requests; our parse + verify must accept them and reject any signed byte flip.

botocore's `add_auth` reads the clock itself. Rather than patch globals, `_at` subclasses each signer and runs the
same lower-level steps (`_modify_request_before_signing`, `canonical_request`, `string_to_sign`, `signature`,
`_inject_signature_to_request`) with the timestamp set on the request context.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ostiary import errors, sigv4

NOW = dt.datetime(2026, 11, 27, 10, 30, 5, tzinfo=dt.UTC)
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
HOST = "localhost:9000"


def _at(cls: type[Any], timestamp: str) -> type[Any]:
    class FixedClock(cls):  # type: ignore[misc, valid-type]
        def add_auth(self, request: AWSRequest) -> None:
            request.context["timestamp"] = timestamp
            self._modify_request_before_signing(request)
            canonical = self.canonical_request(request)
            string_to_sign = self.string_to_sign(request, canonical)
            self._inject_signature_to_request(request, self.signature(string_to_sign, request))

    return FixedClock


KEY_CHARS = st.sampled_from([*"abcXYZ019 +=&é~*'()%/!$,;:@-_.", "%2F", "ü", "日"])
keys = st.lists(KEY_CHARS, min_size=1, max_size=12).map("".join).filter(lambda k: not k.startswith("/"))
query_text = st.text(alphabet=st.sampled_from(list("aZ09 +=&é~*/%-_.")), max_size=8)
header_values = st.text(alphabet=st.sampled_from(list("aZ09 -_.,;:/")), max_size=12)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    service = draw(st.sampled_from(["iam", "sts", "s3"]))
    presigned = draw(st.booleans())
    if service == "s3":
        path = "/bucket/" + quote(draw(keys), safe="/~")
        method = draw(st.sampled_from(["GET", "PUT", "DELETE", "HEAD", "POST"]))
    else:
        path = draw(st.sampled_from(["/", "/a/b", "/a/./b/../c", "//x//"]))
        method = "GET" if presigned else draw(st.sampled_from(["POST", "GET"]))
    pairs = draw(st.lists(st.tuples(query_text.filter(bool), query_text), max_size=3))
    raw_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
    headers = {"Host": HOST}
    for index, value in enumerate(draw(st.lists(header_values, max_size=2))):
        headers[f"X-Amz-Meta-H{index}" if service == "s3" else f"X-Custom-{index}"] = f"  {value}  "
    body = b"" if presigned and service != "s3" else draw(st.binary(max_size=64))
    return {
        "service": service,
        "presigned": presigned,
        "region": draw(st.sampled_from(["", "us-east-1", "eu-west-3"])),
        "token": draw(st.sampled_from([None, "FAKESESSIONTOKEN/abc+def=="])),
        "method": method,
        "url": f"http://{HOST}{path}" + (f"?{raw_query}" if raw_query else ""),
        "headers": headers,
        "body": body,
    }


def botocore_sign(spec: dict[str, Any]) -> tuple[str, str, str, list[tuple[str, str]], bytes]:
    classes = {
        (False, False): SigV4Auth,
        (False, True): SigV4QueryAuth,
        (True, False): S3SigV4Auth,
        (True, True): S3SigV4QueryAuth,
    }
    cls = _at(classes[(spec["service"] == "s3", spec["presigned"])], NOW.strftime("%Y%m%dT%H%M%SZ"))
    creds = Credentials("AKIDEXAMPLE", SECRET, spec["token"])
    args: dict[str, Any] = {"expires": 900} if spec["presigned"] else {}
    signer = cls(creds, spec["service"], spec["region"], **args)
    # A presigned URL is signed without its body (S3 then sends one as UNSIGNED-PAYLOAD).
    data = b"" if spec["presigned"] else spec["body"]
    request = AWSRequest(method=spec["method"], url=spec["url"], headers=dict(spec["headers"]), data=data)
    signer.add_auth(request)
    parts = urlsplit(request.url)
    return request.method, parts.path, parts.query, list(request.headers.items()), spec["body"]


def accepts(method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes) -> bool:
    try:
        signed = sigv4.parse_signed_request(method, path, query, headers)
        assert signed is not None
        sigv4.verify(signed, SECRET, now=NOW, body_sha256=hashlib.sha256(body).hexdigest())
    except errors.AwsError:
        return False
    return True


def flipped(text: str, index: int) -> str:
    char = text[index]
    return text[:index] + ("b" if char != "b" else "c") + text[index + 1 :]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=requests(), data=st.data())
def test_botocore_signed_requests_verify_and_flips_fail(spec: dict[str, Any], data: st.DataObject) -> None:
    method, path, query, headers, body = botocore_sign(spec)
    assert accepts(method, path, query, headers, body), (method, path, query, headers)
    signed = sigv4.parse_signed_request(method, path, query, headers)
    assert signed is not None
    names = set(signed.signed_headers)
    targets = ["method", "signature", "header"] + (["query"] if query else []) + (["path"] if len(path) > 1 else [])
    target = data.draw(st.sampled_from(targets))
    if target == "method":
        method = method[:-1] + "Z"
    elif target == "path":
        index = data.draw(st.integers(1, len(path) - 1))
        path = flipped(path, index)
        if sigv4.canonical_uri(path, spec["service"]) == sigv4.canonical_uri(signed.raw_path, spec["service"]):
            return  # e.g. a flip inside a '..' segment that normalisation removes: the same request
    elif target == "query":
        index = data.draw(st.integers(0, len(query) - 1))
        start = query.find("X-Amz-Signature=")
        in_signature = start >= 0 and start <= index < start + 16 + 64
        query = flipped(query, index)
        unchanged = (
            sigv4.canonical_query_string(query, exclude=frozenset({"X-Amz-Signature"})) == signed.canonical_query
        )
        if unchanged and not in_signature:
            return
    elif target == "signature":
        if signed.presigned:
            index = query.index("X-Amz-Signature=") + 16 + data.draw(st.integers(0, 63))
            query = flipped(query, index)
        else:
            headers = [(k, v[:-1] + ("0" if v[-1] != "0" else "1") if k == "Authorization" else v) for k, v in headers]
    else:
        candidates = [(i, k) for i, (k, v) in enumerate(headers) if k.lower() in names and v.strip()]
        i, name = data.draw(st.sampled_from(candidates))
        value = headers[i][1].strip()
        pos = data.draw(st.integers(0, len(value) - 1))
        headers[i] = (name, flipped(value, pos))
    assert not accepts(method, path, query, headers, body), target


@pytest.mark.parametrize("service", ["iam", "sts", "s3"])
def test_empty_region_scope(service: str) -> None:
    spec = {
        "service": service,
        "presigned": False,
        "region": "",
        "token": None,
        "method": "POST",
        "url": f"http://{HOST}/",
        "headers": {"Host": HOST, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        "body": b"Action=GetCallerIdentity&Version=2011-06-15",
    }
    method, path, query, headers, body = botocore_sign(spec)
    auth = dict(headers)["Authorization"]
    assert f"/20261127//{service}/aws4_request" in auth
    assert accepts(method, path, query, headers, body)
