"""IDs and keys look like AWS's, and access key IDs carry their account."""

from __future__ import annotations

import os
import re

import pytest

from ostiary import ids


@pytest.mark.parametrize("prefix", [ids.USER, ids.ROLE, ids.GROUP, ids.POLICY])
def test_unique_ids_are_prefix_and_17_characters(prefix: str) -> None:
    value = ids.unique_id(prefix, os.urandom)
    assert re.fullmatch(prefix + r"[A-Z0-9]{17}", value)


@pytest.mark.parametrize("account", ["424323427586", "000000000001", "999999999999", "123456789012"])
@pytest.mark.parametrize("prefix", [ids.LONG_TERM_KEY, ids.TEMPORARY_KEY])
def test_access_key_ids_round_trip_their_account(prefix: str, account: str) -> None:
    for _ in range(20):
        key = ids.access_key_id(prefix, account, os.urandom)
        assert re.fullmatch(prefix + r"[A-Z2-7]{16}", key)
        assert ids.account_from_access_key_id(key) == account


def test_decodes_the_publicly_documented_example() -> None:
    # The scheme publicly observed on AWS keys decodes this example key to this account.
    assert ids.account_from_access_key_id("ASIAY34FZKBOKMUTVV7A") == "609629065308"


@pytest.mark.parametrize("key", ["AKIAWFS5FVUBROOT0001", "short", "AKIA!!!!!!!!!!!!!!!!", ""])
def test_keys_without_an_account_decode_to_none(key: str) -> None:
    assert ids.account_from_access_key_id(key) is None


def test_secrets_are_40_characters() -> None:
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", ids.secret_access_key(os.urandom))


def test_account_ids_are_12_digits() -> None:
    for _ in range(50):
        assert re.fullmatch(r"[1-9]\d{11}", ids.account_id(os.urandom))
