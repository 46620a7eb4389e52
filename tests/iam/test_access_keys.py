from __future__ import annotations

import datetime as dt
import re

import pytest

from ostiary.errors import AccessDenied, InvalidInput, LimitExceeded, NoSuchEntity, ValidationError
from ostiary.ids import account_from_access_key_id
from ostiary.model import KeyStatus
from ostiary.store.principals import get_access_key, record_key_use
from tests.iam.helpers import ACCOUNT, START, Harness, role_session_caller


def test_create_access_key_for_a_user(iam: Harness) -> None:
    iam.call("CreateUser", UserName="alice")
    key = iam.call("CreateAccessKey", UserName="alice")["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key["AccessKeyId"])
    assert account_from_access_key_id(key["AccessKeyId"]) == ACCOUNT
    assert len(key["SecretAccessKey"]) == 40
    assert (key["UserName"], key["Status"], key["CreateDate"]) == ("alice", "Active", START)


def test_secret_is_stored_sealed_and_returned_once(iam: Harness) -> None:
    iam.call("CreateUser", UserName="alice")
    key = iam.call("CreateAccessKey", UserName="alice")["AccessKey"]
    with iam.store.read() as conn:
        stored = get_access_key(conn, key["AccessKeyId"], iam.store.box)
        raw = conn.exec_driver_sql("SELECT secret_ciphertext FROM access_keys").scalar_one()
    assert stored is not None and stored.secret == key["SecretAccessKey"]
    assert key["SecretAccessKey"].encode() not in raw
    listed = iam.call("ListAccessKeys", UserName="alice")["AccessKeyMetadata"]
    assert listed == [{"UserName": "alice", "AccessKeyId": key["AccessKeyId"], "Status": "Active", "CreateDate": START}]


def test_at_most_two_keys(iam: Harness) -> None:
    iam.call("CreateUser", UserName="alice")
    iam.call("CreateAccessKey", UserName="alice")
    iam.call("CreateAccessKey", UserName="alice")
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for AccessKeysPerUser: 2$"):
        iam.call("CreateAccessKey", UserName="alice")
    assert len(iam.call("ListAccessKeys", UserName="alice")["AccessKeyMetadata"]) == 2


def test_without_user_name_the_caller_is_meant(iam: Harness) -> None:
    iam.call("CreateUser", UserName="me")
    key = iam.call("CreateAccessKey", caller=iam.user("me"))["AccessKey"]
    assert key["UserName"] == "me"
    assert (
        iam.call("ListAccessKeys", caller=iam.user("me"))["AccessKeyMetadata"][0]["AccessKeyId"] == key["AccessKeyId"]
    )


def test_root_creates_root_keys(iam: Harness) -> None:
    key = iam.call("CreateAccessKey")["AccessKey"]
    with iam.store.read() as conn:
        stored = get_access_key(conn, key["AccessKeyId"])
    assert stored is not None and stored.user_id is None
    assert [k["AccessKeyId"] for k in iam.call("ListAccessKeys")["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    assert iam.call("GetAccountSummary")["SummaryMap"]["AccountAccessKeysPresent"] == 1


def test_role_sessions_must_name_the_user(iam: Harness) -> None:
    session = role_session_caller(ACCOUNT, "AROAEXAMPLEEXAMPLE01", "r")
    for operation in ("CreateAccessKey", "ListAccessKeys"):
        with pytest.raises(ValidationError, match=r"^Must specify userName when calling with non-User credentials$"):
            iam.call(operation, caller=session)


def test_update_and_delete(iam: Harness) -> None:
    iam.call("CreateUser", UserName="alice")
    key_id = iam.call("CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    generation = iam.store.generation
    iam.call("UpdateAccessKey", UserName="alice", AccessKeyId=key_id, Status="Inactive")
    assert iam.store.generation > generation  # the server's key cache sees the change at once
    with iam.store.read() as conn:
        stored = get_access_key(conn, key_id)
    assert stored is not None and stored.status is KeyStatus.INACTIVE
    with pytest.raises(InvalidInput):
        iam.call("UpdateAccessKey", UserName="alice", AccessKeyId=key_id, Status="Expired")
    iam.call("DeleteAccessKey", UserName="alice", AccessKeyId=key_id)
    assert iam.call("ListAccessKeys", UserName="alice")["AccessKeyMetadata"] == []


def test_a_key_of_another_user_is_not_found(iam: Harness) -> None:
    iam.call("CreateUser", UserName="alice")
    iam.call("CreateUser", UserName="bob")
    key_id = iam.call("CreateAccessKey", UserName="bob")["AccessKey"]["AccessKeyId"]
    for operation, extra in (("UpdateAccessKey", {"Status": "Inactive"}), ("DeleteAccessKey", {})):
        with pytest.raises(NoSuchEntity, match=rf"^The Access Key with id {key_id} cannot be found.$"):
            iam.call(operation, UserName="alice", AccessKeyId=key_id, **extra)


def test_last_used(iam: Harness) -> None:
    iam.call("CreateUser", UserName="alice")
    key_id = iam.call("CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    unused = iam.call("GetAccessKeyLastUsed", AccessKeyId=key_id)
    assert unused == {"UserName": "alice", "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"}}
    used_at = START + dt.timedelta(minutes=5)
    with iam.store.write() as conn:
        record_key_use(conn, key_id, used_at, "s3", "eu-west-1")
    used = iam.call("GetAccessKeyLastUsed", AccessKeyId=key_id)["AccessKeyLastUsed"]
    assert used == {"LastUsedDate": used_at, "ServiceName": "s3", "Region": "eu-west-1"}
    assert iam.authorizer.last("iam:GetAccessKeyLastUsed").display == f"access key {key_id}"


def test_last_used_of_an_unknown_key_is_access_denied(iam: Harness) -> None:
    with pytest.raises(AccessDenied) as raised:
        iam.call("GetAccessKeyLastUsed", AccessKeyId="AKIAIOSFODNN7EXAMPLE")
    assert raised.value.text == (
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform iam:GetAccessKeyLastUsed "
        "on resource: access key AKIAIOSFODNN7EXAMPLE"
    )
