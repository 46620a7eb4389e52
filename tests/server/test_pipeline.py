"""The request pipeline in-process: classification, authentication failures, STS, session limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT_ACCOUNT, InProcess, find


@pytest.fixture
def ostiary(tmp_path: Path) -> Iterator[InProcess]:
    running = InProcess(tmp_path / "state")
    yield running
    running.close()


GCI = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}


def session(ostiary: InProcess, **extra: str) -> tuple[str, str, str, dt.datetime]:
    status, root = ostiary.query("sts", {"Action": "GetSessionToken", "Version": "2011-06-15", **extra})
    assert status == 200, find(root, "Error/Message")
    creds = "GetSessionTokenResult/Credentials/"
    expiration = dt.datetime.fromisoformat(str(find(root, creds + "Expiration")).replace("Z", "+00:00"))
    return (
        str(find(root, creds + "AccessKeyId")),
        str(find(root, creds + "SecretAccessKey")),
        str(find(root, creds + "SessionToken")),
        expiration,
    )


def test_root_caller_identity(ostiary: InProcess) -> None:
    status, root = ostiary.query("sts", GCI)
    assert status == 200
    assert find(root, "GetCallerIdentityResult/Arn") == f"arn:aws:iam::{ROOT_ACCOUNT}:root"
    assert find(root, "GetCallerIdentityResult/UserId") == ROOT_ACCOUNT
    assert find(root, "ResponseMetadata/RequestId")


def test_unsigned_signed_only_action_is_missing_authentication_token(ostiary: InProcess) -> None:
    status, root = ostiary.query("sts", GCI, sign=False)
    assert (status, find(root, "Error/Code")) == (403, "MissingAuthenticationToken")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Action": "NoSuchThing", "Version": "2011-06-15"}, "InvalidAction"),
        ({"Action": "GetCallerIdentity", "Version": "2010-05-08"}, "InvalidAction"),
        ({"Version": "2011-06-15"}, "MissingAction"),
    ],
)
def test_unknown_actions(ostiary: InProcess, params: dict[str, str], code: str) -> None:
    status, root = ostiary.query("sts", params)
    assert (status, find(root, "Error/Code")) == (400, code)


def test_wrong_secret_and_unknown_key(ostiary: InProcess) -> None:
    status, root = ostiary.query("sts", GCI, secret="x" * 40)
    assert (status, find(root, "Error/Code")) == (403, "SignatureDoesNotMatch")
    status, root = ostiary.query(
        "iam", {"Action": "ListUsers", "Version": "2010-05-08"}, access_key_id="AKIAGFS5FVUBAAAAAAAA"
    )
    assert (status, find(root, "Error/Code")) == (403, "InvalidClientTokenId")


@pytest.mark.parametrize(("offset", "ok"), [(-899, True), (899, True), (-901, False), (901, False)])
def test_clock_skew_boundaries(ostiary: InProcess, offset: int, ok: bool) -> None:
    status, root = ostiary.query("sts", GCI, signed_at=ostiary.now + dt.timedelta(seconds=offset))
    assert (status == 200) is ok, find(root, "Error/Message")
    if not ok:
        assert find(root, "Error/Code") == "SignatureDoesNotMatch"


def test_session_credentials_work_until_expiration_exactly(ostiary: InProcess) -> None:
    key, secret, token, expiration = session(ostiary, DurationSeconds="900")
    assert key.startswith("ASIA") and len(secret) == 40
    assert expiration == ostiary.now + dt.timedelta(seconds=900)
    status, root = ostiary.query("sts", GCI, access_key_id=key, secret=secret, session_token=token)
    assert status == 200 and find(root, "GetCallerIdentityResult/Arn") == f"arn:aws:iam::{ROOT_ACCOUNT}:root"
    ostiary.now = expiration - dt.timedelta(milliseconds=1)
    assert ostiary.query("sts", GCI, access_key_id=key, secret=secret, session_token=token)[0] == 200
    ostiary.now = expiration
    status, root = ostiary.query("sts", GCI, access_key_id=key, secret=secret, session_token=token)
    assert (status, find(root, "Error/Code")) == (403, "ExpiredToken")


def test_session_token_misuse_is_invalid_client_token_id(ostiary: InProcess) -> None:
    key, secret, token, _ = session(ostiary)
    other_key, _, other_token, _ = session(ostiary)
    cases = [
        (key, secret, token[:-8] + "AAAAAAAA"),  # tampered
        (key, secret, None),  # ASIA key without its token
        (key, secret, other_token),  # another session's token
        (key, secret, token[: len(token) // 2]),  # truncated
    ]
    for access_key_id, secret_key, session_token in cases:
        status, root = ostiary.query(
            "sts", GCI, access_key_id=access_key_id, secret=secret_key, session_token=session_token
        )
        assert (status, find(root, "Error/Code")) == (403, "InvalidClientTokenId"), session_token
    assert other_key != key


def test_root_session_limits(ostiary: InProcess) -> None:
    key, secret, token, expiration = session(ostiary, DurationSeconds="7200")
    # "Sessions for AWS account owners are restricted to a maximum of 3,600 seconds."
    assert expiration == ostiary.now + dt.timedelta(seconds=3600)
    status, root = ostiary.query(
        "iam", {"Action": "ListUsers", "Version": "2010-05-08"}, access_key_id=key, secret=secret, session_token=token
    )
    assert (status, find(root, "Error/Code")) == (403, "InvalidClientTokenId")
    status, root = ostiary.query(
        "sts",
        {"Action": "GetSessionToken", "Version": "2011-06-15"},
        access_key_id=key,
        secret=secret,
        session_token=token,
    )
    assert (status, find(root, "Error/Code")) == (403, "AccessDenied")
    assert find(root, "Error/Message") == "Cannot call GetSessionToken with session credentials"


def test_root_may_not_assume_roles(ostiary: InProcess) -> None:
    status, root = ostiary.query(
        "sts",
        {
            "Action": "AssumeRole",
            "Version": "2011-06-15",
            "RoleArn": f"arn:aws:iam::{ROOT_ACCOUNT}:role/r",
            "RoleSessionName": "s",
        },
    )
    # botocore would refuse the one-character session name client-side; the server must too.
    assert (status, find(root, "Error/Code")) == (400, "ValidationError")
    status, root = ostiary.query(
        "sts",
        {
            "Action": "AssumeRole",
            "Version": "2011-06-15",
            "RoleArn": f"arn:aws:iam::{ROOT_ACCOUNT}:role/r",
            "RoleSessionName": "session",
        },
    )
    assert (status, find(root, "Error/Code")) == (403, "AccessDenied")
    assert find(root, "Error/Message") == "Roles may not be assumed by root accounts."


def test_get_access_key_info(ostiary: InProcess) -> None:
    key, _, _, _ = session(ostiary)
    for probe in (key, "AKIAWFS5FVUBROOT0001"):
        status, root = ostiary.query(
            "sts", {"Action": "GetAccessKeyInfo", "Version": "2011-06-15", "AccessKeyId": probe}
        )
        assert status == 200
        assert find(root, "GetAccessKeyInfoResult/Account") == ROOT_ACCOUNT
