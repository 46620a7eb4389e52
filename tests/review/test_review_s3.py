"""Review: S3 authorization, bucket ownership across a slow request, and writes anonymous callers can force.

Findings (xfail strict) and the checks that held (plain tests).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ostiary import sigv4
from ostiary.http import BytesBody, HttpRequest
from tests.review.test_review_helpers import (
    HOST,
    ROOT,
    Creds,
    Review,
    allow,
    bucket_policy,
    materialized,
    put_policy,
    running,
    s3_code,
)
from tests.support import ROOT_ACCOUNT

OTHER_ACCOUNT = "111122223333"
BUCKET = "review-bucket"


@pytest.fixture
def review(tmp_path: Path) -> Iterator[Review]:
    yield from running(tmp_path)


class SlowBody:
    """A request body whose first read runs `meanwhile`: what happens while a slow client is still uploading."""

    def __init__(self, data: bytes, meanwhile: Callable[[], None]) -> None:
        self._data = data
        self._meanwhile: Callable[[], None] | None = meanwhile
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        if self._meanwhile is not None:
            run, self._meanwhile = self._meanwhile, None
            run()
        end = len(self._data) if size < 0 else min(len(self._data), self._pos + size)
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk


def slow_request(
    review: Review,
    creds: Creds,
    method: str,
    path: str,
    query: str,
    body: bytes,
    meanwhile: Callable[[], None],
    headers: tuple[tuple[str, str], ...] = (),
) -> int:
    all_headers = [("host", HOST), ("content-length", str(len(body))), *headers]
    signed = sigv4.sign(
        method,
        path,
        query,
        all_headers,
        access_key_id=creds.key,
        secret=creds.secret,
        region="us-east-1",
        service="s3",
        now=review.now,
        payload_hash=hashlib.sha256(body).hexdigest(),
    )
    request = HttpRequest(
        method, path, query, tuple((k.lower(), v) for k, v in signed.headers), SlowBody(body, meanwhile)
    )
    return review.pipeline.handle(request).status


def delete_body(*keys: str) -> tuple[bytes, tuple[tuple[str, str], ...]]:
    body = ("<Delete>" + "".join(f"<Object><Key>{k}</Key></Object>" for k in keys) + "</Delete>").encode()
    return body, (("content-md5", base64.b64encode(hashlib.md5(body).digest()).decode()),)


# --- findings ---------------------------------------------------------------------------------


def test_bucket_policy_upload_cannot_land_on_another_accounts_bucket(review: Review) -> None:
    victim = review.account(OTHER_ACCOUNT)
    name = "contested-name"
    assert review.s3("PUT", f"/{name}").status == 200
    public = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}
            ],
        }
    ).encode()

    def meanwhile() -> None:
        assert review.s3("DELETE", f"/{name}").status == 204  # the attacker lets the name go...
        assert review.s3_as(victim, "PUT", f"/{name}").status == 200  # ...the victim takes it
        assert review.s3_as(victim, "PUT", f"/{name}/payroll.csv", body=b"salaries").status == 200

    slow_request(review, ROOT, "PUT", f"/{name}", "policy=", public, meanwhile)
    assert s3_code(review.s3_as(None, "GET", f"/{name}/payroll.csv")) == "AccessDenied"


def test_delete_objects_cannot_reach_a_bucket_recreated_meanwhile(review: Review) -> None:
    victim = review.account(OTHER_ACCOUNT)
    name = "contested-name"
    assert review.s3("PUT", f"/{name}").status == 200
    body, headers = delete_body("payroll.csv")

    def meanwhile() -> None:
        assert review.s3("DELETE", f"/{name}").status == 204
        assert review.s3_as(victim, "PUT", f"/{name}").status == 200
        assert review.s3_as(victim, "PUT", f"/{name}/payroll.csv", body=b"salaries").status == 200

    slow_request(review, ROOT, "POST", f"/{name}", "delete=", body, meanwhile, headers)
    assert s3_code(review.s3_as(victim, "GET", f"/{name}/payroll.csv")) == "OK"


def test_denied_delete_objects_writes_nothing(review: Review) -> None:
    assert review.s3("PUT", f"/{BUCKET}").status == 200
    assert review.s3("PUT", f"/{BUCKET}/data", body=b"x").status == 200
    body, headers = delete_body("data")
    generation = review.store.generation
    response = review.s3_as(None, "POST", f"/{BUCKET}", "delete=", headers, body)
    assert response.status == 403 and b"AccessDenied" in bytes(response.body)  # type: ignore[arg-type]
    assert review.store.generation == generation


def test_response_header_overrides_cannot_carry_line_breaks(review: Review) -> None:
    assert review.s3("PUT", f"/{BUCKET}").status == 200
    assert review.s3("PUT", f"/{BUCKET}/data", body=b"x").status == 200
    response = review.s3_as(ROOT, "GET", f"/{BUCKET}/data", "response-content-disposition=a%0D%0ASet-Cookie%3A%20x%3D1")
    assert all("\r" not in value and "\n" not in value for _, value in response.headers)


# --- what held ----------------------------------------------------------------------------------

CASES = [
    ("GET", f"/{BUCKET}", ""),
    ("GET", f"/{BUCKET}", "list-type=2"),
    ("HEAD", f"/{BUCKET}", ""),
    ("DELETE", f"/{BUCKET}", ""),
    ("GET", f"/{BUCKET}", "versioning="),
    ("GET", f"/{BUCKET}", "location="),
    ("GET", f"/{BUCKET}", "policy="),
    ("PUT", f"/{BUCKET}", "policy="),
    ("DELETE", f"/{BUCKET}", "policy="),
    ("PUT", f"/{BUCKET}/new", ""),
    ("GET", f"/{BUCKET}/data", ""),
    ("HEAD", f"/{BUCKET}/data", ""),
    ("DELETE", f"/{BUCKET}/data", ""),
    ("GET", f"/{BUCKET}/missing", ""),
]


def test_no_s3_operation_without_a_grant(review: Review) -> None:
    """An IAM user without policies, anonymous callers and another account's root are all refused (403)."""
    assert review.s3("PUT", f"/{BUCKET}").status == 200
    assert review.s3("PUT", f"/{BUCKET}/data", body=b"secret").status == 200
    nobody = review.user("nobody")
    other_root = review.account(OTHER_ACCOUNT)
    for creds in (nobody, None, other_root):
        for method, path, query in CASES:
            body = b"{}" if query == "policy=" and method == "PUT" else b""
            response = review.s3_as(creds, method, path, query, body=body)
            assert response.status == 403, (creds, method, path, query, response.status)
        body, headers = delete_body("data")
        response = review.s3_as(creds, "POST", f"/{BUCKET}", "delete=", headers, body)
        assert b"<Deleted>" not in bytes(response.body)  # type: ignore[arg-type]
    assert s3_code(review.s3_as(ROOT, "GET", f"/{BUCKET}/data")) == "OK"


def test_delete_objects_authorizes_each_key_and_list_needs_list_bucket(review: Review) -> None:
    assert review.s3("PUT", f"/{BUCKET}").status == 200
    for key in ("public/a", "private/b"):
        assert review.s3("PUT", f"/{BUCKET}/{key}", body=b"x").status == 200
    ivan = review.user("ivan", allow("s3:DeleteObject", resource=f"arn:aws:s3:::{BUCKET}/public/*"))
    body, headers = delete_body("public/a", "private/b")
    response = review.s3_as(ivan, "POST", f"/{BUCKET}", "delete=", headers, body)
    text = bytes(response.body)  # type: ignore[arg-type]
    assert b"<Deleted><Key>public/a</Key>" in text and b"<Error><Key>private/b</Key><Code>AccessDenied" in text
    # A missing key is 404 only for callers who may list the bucket.
    reader = review.user("reader", allow("s3:GetObject", resource=f"arn:aws:s3:::{BUCKET}/*"))
    assert s3_code(review.s3_as(reader, "GET", f"/{BUCKET}/public/a")) == "AccessDenied"
    assert s3_code(review.s3_as(reader, "GET", f"/{BUCKET}/private/b")) == "OK"
    assert s3_code(review.s3_as(reader, "GET", f"/{BUCKET}", "list-type=2")) == "AccessDenied"


def test_bucket_policy_apis_need_the_owner_account(review: Review) -> None:
    assert review.s3("PUT", f"/{BUCKET}").status == 200
    other_root = review.account(OTHER_ACCOUNT)
    everything = bucket_policy(BUCKET, {"AWS": OTHER_ACCOUNT}, "s3:*")
    put_policy(review, BUCKET, everything)
    # Granted by the policy, but not of the owner's account: 405, as S3 answers.
    assert review.s3_as(other_root, "GET", f"/{BUCKET}", "policy=").status == 405
    assert review.s3_as(other_root, "DELETE", f"/{BUCKET}", "policy=").status == 405
    # The owner's root keeps access even under an explicit deny.
    deny_all = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
                }
            ],
        }
    )
    put_policy(review, BUCKET, deny_all)
    assert s3_code(review.s3_as(ROOT, "GET", f"/{BUCKET}", "list-type=2")) == "AccessDenied"
    assert review.s3_as(ROOT, "DELETE", f"/{BUCKET}", "policy=").status == 204


def _presigned(review: Review, creds: Creds, method: str, path: str, expires: int = 300) -> tuple[str, str]:
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=f"http://{HOST}{path}")
    S3SigV4QueryAuth(Credentials(creds.key, creds.secret, creds.token), "s3", "us-east-1", expires=expires).add_auth(
        request
    )
    url = urlsplit(request.url)
    stamp = dict(pair.split("=", 1) for pair in url.query.split("&"))["X-Amz-Date"]
    review.now = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    return url.path, url.query


def _send(review: Review, method: str, path: str, query: str, headers: tuple[tuple[str, str], ...] = ()) -> str:
    request = HttpRequest(method, path, query, (("host", HOST), *headers))
    return s3_code(materialized(review.pipeline.handle(request)))


def test_presigned_urls_bind_method_key_and_credentials(review: Review) -> None:
    assert review.s3("PUT", f"/{BUCKET}").status == 200
    assert review.s3("PUT", f"/{BUCKET}/data", body=b"x").status == 200
    judy = review.user("judy", allow("s3:*"))
    path, query = _presigned(review, judy, "GET", f"/{BUCKET}/data")
    assert _send(review, "GET", path, query) == "OK"
    assert _send(review, "DELETE", path, query) == "SignatureDoesNotMatch"
    assert _send(review, "GET", f"/{BUCKET}/other", query) == "SignatureDoesNotMatch"
    assert _send(review, "GET", path, query, (("x-amz-meta-extra", "1"),)) == "AccessDenied"  # unsigned x-amz-*
    review.ok("iam", "UpdateAccessKey", UserName="judy", AccessKeyId=judy.key, Status="Inactive")
    assert _send(review, "GET", path, query) == "InvalidAccessKeyId"
    review.ok("iam", "UpdateAccessKey", UserName="judy", AccessKeyId=judy.key, Status="Active")
    assert _send(review, "GET", path, query) == "OK"
    review.now += dt.timedelta(seconds=301)
    assert _send(review, "GET", path, query) == "AccessDenied"  # "Request has expired"


def test_signature_mismatch_echoes_no_secret(review: Review) -> None:
    kate = review.user("kate")
    wrong = Creds(kate.key, "W" * 40)
    response = review.s3_as(wrong, "GET", "/")
    text = bytes(response.body).decode()  # type: ignore[arg-type]
    assert "<StringToSign>" in text and "<CanonicalRequest>" in text
    assert kate.secret not in text and "W" * 40 not in text
    assert ROOT.secret not in text


def test_payload_and_unsigned_headers_are_checked(review: Review) -> None:
    assert review.s3("PUT", f"/{BUCKET}").status == 200
    body = b"signed body"
    headers = [("host", HOST), ("content-length", str(len(body)))]
    signed = sigv4.sign(
        "PUT",
        f"/{BUCKET}/k",
        "",
        headers,
        access_key_id=ROOT.key,
        secret=ROOT.secret,
        region="us-east-1",
        service="s3",
        now=review.now,
        payload_hash=hashlib.sha256(body).hexdigest(),
    )
    base = tuple((k.lower(), v) for k, v in signed.headers)
    tampered = HttpRequest("PUT", f"/{BUCKET}/k", "", base, BytesBody(b"signed bodY"))
    assert s3_code(review.pipeline.handle(tampered)) == "XAmzContentSHA256Mismatch"
    extra = HttpRequest("PUT", f"/{BUCKET}/k", "", (*base, ("x-amz-acl", "public-read")))
    assert s3_code(review.pipeline.handle(extra)) == "AccessDenied"
    assert s3_code(review.s3_as(ROOT, "GET", f"/{BUCKET}/k")) == "NoSuchKey"  # nothing was half-written


def test_cross_account_grant_needs_both_sides(review: Review) -> None:
    assert review.s3("PUT", f"/{BUCKET}").status == 200
    assert review.s3("PUT", f"/{BUCKET}/data", body=b"x").status == 200
    other_root = review.account(OTHER_ACCOUNT)
    outsider = review.user("outsider", creds=other_root)
    put_policy(review, BUCKET, bucket_policy(BUCKET, {"AWS": OTHER_ACCOUNT}, "s3:GetObject"))
    assert s3_code(review.s3_as(outsider, "GET", f"/{BUCKET}/data")) == "AccessDenied"  # no identity policy
    review.ok("iam", "PutUserPolicy", other_root, UserName="outsider", PolicyName="p", PolicyDocument=allow("s3:*"))
    assert s3_code(review.s3_as(outsider, "GET", f"/{BUCKET}/data")) == "OK"
    assert s3_code(review.s3_as(outsider, "PUT", f"/{BUCKET}/data", body=b"y")) == "AccessDenied"  # no grant
    # The caller's own account's bucket list, never the other's.
    listing = review.s3_as(outsider, "GET", "/")
    assert BUCKET.encode() not in bytes(listing.body)  # type: ignore[arg-type]
    assert ROOT_ACCOUNT.encode() not in bytes(listing.body)  # type: ignore[arg-type]
