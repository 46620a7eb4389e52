from __future__ import annotations

import json

import pytest

from ostiary.errors import LimitExceeded, MalformedPolicyDocument, NoSuchEntity
from tests.iam.helpers import S3_READ, TRUST_EC2, Harness

OWNERS = [
    ("User", "CreateUser", {"UserName": "e"}, 2048),
    ("Group", "CreateGroup", {"GroupName": "e"}, 5120),
    ("Role", "CreateRole", {"RoleName": "e", "AssumeRolePolicyDocument": TRUST_EC2}, 10240),
]


def sized(chars: int) -> str:
    """A valid policy of exactly `chars` characters (no whitespace)."""
    base = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s"}]}'
    )
    return base % ("b" * (chars - len(base % "")))


@pytest.mark.parametrize(("noun", "create", "params", "limit"), OWNERS)
def test_put_get_list_delete(iam: Harness, noun: str, create: str, params: dict[str, str], limit: int) -> None:
    iam.call(create, **params)
    name = {f"{noun}Name": "e"}
    iam.call(f"Put{noun}Policy", PolicyName="b", PolicyDocument=S3_READ, **name)
    iam.call(f"Put{noun}Policy", PolicyName="a", PolicyDocument=S3_READ, **name)
    assert iam.call(f"List{noun}Policies", **name) == {"PolicyNames": ["a", "b"], "IsTruncated": False}
    got = iam.call(f"Get{noun}Policy", PolicyName="a", **name)
    assert got == {f"{noun}Name": "e", "PolicyName": "a", "PolicyDocument": json.loads(S3_READ)}
    replaced = S3_READ.replace("GetObject", "PutObject")
    iam.call(f"Put{noun}Policy", PolicyName="a", PolicyDocument=replaced, **name)
    assert iam.call(f"Get{noun}Policy", PolicyName="a", **name)["PolicyDocument"] == json.loads(replaced)
    iam.call(f"Delete{noun}Policy", PolicyName="a", **name)
    message = f"^The {noun.lower()} policy with name a cannot be found.$"
    with pytest.raises(NoSuchEntity, match=message):
        iam.call(f"Get{noun}Policy", PolicyName="a", **name)
    with pytest.raises(NoSuchEntity, match=message):
        iam.call(f"Delete{noun}Policy", PolicyName="a", **name)


@pytest.mark.parametrize(("noun", "create", "params", "limit"), OWNERS)
def test_aggregate_size_quota(iam: Harness, noun: str, create: str, params: dict[str, str], limit: int) -> None:
    iam.call(create, **params)
    name = {f"{noun}Name": "e"}
    half = limit // 2
    iam.call(f"Put{noun}Policy", PolicyName="one", PolicyDocument=sized(half), **name)
    iam.call(f"Put{noun}Policy", PolicyName="two", PolicyDocument=sized(limit - half), **name)
    # Replacing a policy counts its new size, not both.
    iam.call(f"Put{noun}Policy", PolicyName="two", PolicyDocument=sized(limit - half), **name)
    with pytest.raises(LimitExceeded) as raised:
        iam.call(f"Put{noun}Policy", PolicyName="three", PolicyDocument=sized(200), **name)
    assert raised.value.text == f"Maximum policy size of {limit} bytes exceeded for {noun.lower()} e"
    assert iam.call(f"List{noun}Policies", **name)["PolicyNames"] == ["one", "two"]


def test_inline_documents_are_validated(iam: Harness) -> None:
    iam.call("CreateUser", UserName="u")
    with pytest.raises(MalformedPolicyDocument):
        iam.call("PutUserPolicy", UserName="u", PolicyName="p", PolicyDocument='{"Statement":[{"Effect":"Allow"}]}')
    assert iam.call("ListUserPolicies", UserName="u")["PolicyNames"] == []


def test_unknown_owner(iam: Harness) -> None:
    with pytest.raises(NoSuchEntity, match=r"^The role with name nonexistent-role cannot be found.$"):
        iam.call("PutRolePolicy", RoleName="nonexistent-role", PolicyName="p", PolicyDocument=S3_READ)
