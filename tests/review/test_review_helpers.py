"""Shared helpers for the security review tests (tests/review/), and checks that the helpers themselves work.

`Review` wraps `tests.support.InProcess` with what the review tests need on top of it: IAM/STS calls as
any principal, S3 requests signed with any credentials (long-term or temporary), and one-call set-up of
users with keys and policies, roles with trust policies, and sessions.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ostiary import sigv4
from ostiary.http import BytesBody, FileBody, HttpRequest, HttpResponse
from tests.support import ROOT_ACCOUNT, ROOT_KEY, ROOT_SECRET, InProcess, find

IAM_VERSION = "2010-05-08"
STS_VERSION = "2011-06-15"
HOST = "127.0.0.1:4599"


@dataclass(frozen=True)
class Creds:
    key: str
    secret: str
    token: str | None = None


ROOT = Creds(ROOT_KEY, ROOT_SECRET)


def allow(*actions: str, resource: str = "*") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]}
    )


def trust(principal: dict[str, Any] | str, action: str = "sts:AssumeRole") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}]}
    )


def bucket_policy(bucket: str, principal: dict[str, Any] | str, *actions: str, key: str = "*") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": list(actions),
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/{key}"],
                }
            ],
        }
    )


class Review(InProcess):
    """`InProcess` plus calls as any principal."""

    def call(self, service: str, action: str, creds: Creds = ROOT, /, **params: str) -> tuple[int, Any]:
        version = IAM_VERSION if service == "iam" else STS_VERSION
        return self.query(
            service,
            {"Action": action, "Version": version, **params},
            access_key_id=creds.key,
            secret=creds.secret,
            session_token=creds.token,
        )

    def ok(self, service: str, action: str, creds: Creds = ROOT, /, **params: str) -> Any:
        status, root = self.call(service, action, creds, **params)
        assert status == 200, (action, find(root, "Error/Code"), find(root, "Error/Message"))
        return root

    def code(self, service: str, action: str, creds: Creds = ROOT, /, **params: str) -> str | None:
        status, root = self.call(service, action, creds, **params)
        return "OK" if status == 200 else find(root, "Error/Code")

    # --- set-up -------------------------------------------------------------------------------

    def user(self, name: str, *policies: str, creds: Creds = ROOT) -> Creds:
        """A user with one access key and the given inline policies."""
        self.ok("iam", "CreateUser", creds, UserName=name)
        for index, document in enumerate(policies):
            self.ok("iam", "PutUserPolicy", creds, UserName=name, PolicyName=f"p{index}", PolicyDocument=document)
        root = self.ok("iam", "CreateAccessKey", creds, UserName=name)
        base = "CreateAccessKeyResult/AccessKey/"
        return Creds(str(find(root, base + "AccessKeyId")), str(find(root, base + "SecretAccessKey")))

    def role(self, name: str, trust_policy: str, *policies: str, creds: Creds = ROOT) -> str:
        root = self.ok("iam", "CreateRole", creds, RoleName=name, AssumeRolePolicyDocument=trust_policy)
        for index, document in enumerate(policies):
            self.ok("iam", "PutRolePolicy", creds, RoleName=name, PolicyName=f"p{index}", PolicyDocument=document)
        return str(find(root, "CreateRoleResult/Role/Arn"))

    def assume(self, role_arn: str, creds: Creds, name: str = "s1", **extra: str) -> Creds:
        root = self.ok("sts", "AssumeRole", creds, RoleArn=role_arn, RoleSessionName=name, **extra)
        return credentials(root, "AssumeRoleResult")

    def session_token(self, creds: Creds, **extra: str) -> Creds:
        return credentials(self.ok("sts", "GetSessionToken", creds, **extra), "GetSessionTokenResult")

    def federation_token(self, creds: Creds, name: str, **extra: str) -> Creds:
        root = self.ok("sts", "GetFederationToken", creds, Name=name, **extra)
        return credentials(root, "GetFederationTokenResult")

    def account(self, account_id: str) -> Creds:
        """Another account with its root key (what `ostiary accounts create` does)."""
        from ostiary.bootstrap import create_account

        made = create_account(self.store, __import__("os").urandom, self.now, account_id=account_id)
        assert made.secret_access_key is not None
        return Creds(made.access_key_id, made.secret_access_key)

    # --- S3 -----------------------------------------------------------------------------------

    def s3_as(
        self,
        creds: Creds | None,
        method: str,
        path: str,
        query: str = "",
        headers: Sequence[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> HttpResponse:
        """An S3 request signed with `creds` (None: anonymous)."""
        all_headers = [("host", HOST), ("content-length", str(len(body))), *headers]
        if creds is None:
            signed_headers = [(k.lower(), v) for k, v in all_headers]
        else:
            signed = sigv4.sign(
                method,
                path,
                query,
                all_headers,
                access_key_id=creds.key,
                secret=creds.secret,
                region="us-east-1",
                service="s3",
                now=self.now,
                payload_hash=hashlib.sha256(body).hexdigest(),
                session_token=creds.token,
            )
            signed_headers = [(k.lower(), v) for k, v in signed.headers]
        request = HttpRequest(method, path, query, tuple(signed_headers), BytesBody(body))
        return materialized(self.pipeline.handle(request))


def materialized(response: HttpResponse) -> HttpResponse:
    """The response with a file body read into memory (and its handle closed)."""
    body = response.body
    if isinstance(body, FileBody):
        handle = body.handle or body.path.open("rb")
        with handle:
            handle.seek(body.offset)
            response.body = handle.read(body.length)
    return response


def credentials(root: Any, result: str) -> Creds:
    base = f"{result}/Credentials/"
    return Creds(
        str(find(root, base + "AccessKeyId")),
        str(find(root, base + "SecretAccessKey")),
        str(find(root, base + "SessionToken")),
    )


def s3_code(response: HttpResponse) -> str:
    if response.status < 300:
        return "OK"
    assert isinstance(response.body, bytes)
    if not response.body:
        return str(response.status)
    root = ET.fromstring(response.body)
    return str(find(root, "Code") if root.tag == "Error" else find(root, "Error/Code"))


def put_policy(review: Review, bucket: str, document: str) -> None:
    response = review.s3("PUT", f"/{bucket}", "policy=", body=document.encode())
    assert response.status == 204, response.body


def running(tmp_path: Path) -> Iterator[Review]:
    """The body of each review file's `review` fixture: a fresh in-process server, closed afterwards."""
    instance = Review(tmp_path / "state")
    yield instance
    instance.close()


@pytest.fixture
def review(tmp_path: Path) -> Iterator[Review]:
    yield from running(tmp_path)


# --- the helpers work ---------------------------------------------------------------------------


def test_helpers_sign_as_users_and_sessions(review: Review) -> None:
    alice = review.user("alice", allow("sts:AssumeRole", "s3:ListAllMyBuckets"))
    arn = review.role("reader", trust({"AWS": f"arn:aws:iam::{ROOT_ACCOUNT}:root"}), allow("s3:*"))
    session = review.assume(arn, alice)
    assert review.code("sts", "GetCallerIdentity", session) == "OK"
    assert s3_code(review.s3_as(alice, "GET", "/")) == "OK"
    assert s3_code(review.s3_as(session, "GET", "/")) == "OK"
    assert s3_code(review.s3_as(None, "GET", "/")) == "AccessDenied"
