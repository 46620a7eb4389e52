"""Clock skew (±15 min, both signs) for header auth; expiry and not-yet-valid boundaries for presigned URLs."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from ostiary import errors

from .helpers import SIGNED_AT, check, presigned, signed_headers

MIN = dt.timedelta(minutes=1)
SEC = dt.timedelta(seconds=1)
EMPTY = hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize("service", ["sts", "iam", "s3"])
@pytest.mark.parametrize("offset", [dt.timedelta(0), 14 * MIN + 59 * SEC, -(14 * MIN + 59 * SEC), 15 * MIN, -15 * MIN])
def test_header_auth_within_skew_is_accepted(service: str, offset: dt.timedelta) -> None:
    check(signed_headers(service), SIGNED_AT + offset)


@pytest.mark.parametrize("offset", [15 * MIN + 1 * SEC, 15 * MIN + 60 * SEC, -(15 * MIN + 60 * SEC), -(15 * MIN + SEC)])
def test_header_auth_outside_skew_is_rejected_iam_sts(offset: dt.timedelta) -> None:
    with pytest.raises(errors.SignatureDoesNotMatch) as raised:
        check(signed_headers("sts"), SIGNED_AT + offset)
    expected = "Signature expired" if offset > dt.timedelta(0) else "Signature not yet current"
    assert raised.value.text.startswith(expected)


@pytest.mark.parametrize("offset", [15 * MIN + 60 * SEC, -(15 * MIN + 60 * SEC)])
def test_header_auth_outside_skew_is_rejected_s3(offset: dt.timedelta) -> None:
    with pytest.raises(errors.RequestTimeTooSkewed):
        check(signed_headers("s3"), SIGNED_AT + offset)


@pytest.mark.parametrize("service", ["s3", "sts"])
@pytest.mark.parametrize("offset", [dt.timedelta(0), 3600 * SEC, 3599 * SEC, -(14 * MIN + 59 * SEC), -15 * MIN])
def test_presigned_within_lifetime_is_accepted(service: str, offset: dt.timedelta) -> None:
    check(presigned(service, expires=3600), SIGNED_AT + offset, body_sha256=EMPTY)


def test_presigned_expired_s3() -> None:
    with pytest.raises(errors.AccessDenied) as raised:
        check(presigned("s3", expires=3600), SIGNED_AT + 3601 * SEC)
    assert raised.value.text == "Request has expired"
    assert raised.value.extra == {
        "X-Amz-Expires": "3600",
        "Expires": "2026-11-27T13:00:00Z",
        "ServerTime": "2026-11-27T13:00:01Z",
    }


def test_presigned_expired_sts() -> None:
    with pytest.raises(errors.RequestExpired):
        check(presigned("sts", expires=60), SIGNED_AT + 61 * SEC, body_sha256=EMPTY)


def test_presigned_lives_past_the_skew_window_when_expires_allows() -> None:
    check(presigned("s3", expires=604_800), SIGNED_AT + dt.timedelta(days=7))


def test_presigned_in_the_future_beyond_skew_s3() -> None:
    with pytest.raises(errors.AccessDenied) as raised:
        check(presigned("s3"), SIGNED_AT - 15 * MIN - SEC)
    assert raised.value.text == "Request is not yet valid"
    assert raised.value.extra["X-Amz-Date"] == str(int(SIGNED_AT.timestamp()) * 1000)


def test_presigned_in_the_future_beyond_skew_sts() -> None:
    with pytest.raises(errors.SignatureDoesNotMatch, match=r"^Signature not yet current"):
        check(presigned("sts"), SIGNED_AT - 15 * MIN - SEC, body_sha256=EMPTY)


def test_expires_zero_is_expired_at_once() -> None:
    with pytest.raises(errors.AccessDenied, match="Request has expired"):
        check(presigned("s3", expires=0), SIGNED_AT)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        check(signed_headers("sts"), SIGNED_AT.replace(tzinfo=None))


def test_replay_inside_the_window_is_accepted_twice() -> None:
    request = signed_headers("sts")
    check(request, SIGNED_AT)
    check(request, SIGNED_AT + 5 * MIN)
