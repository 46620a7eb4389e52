"""policy_size (quota counting) and context_keys (GetContextKeysFor*)."""

from __future__ import annotations

import json

import pytest

from ostiary.policy import PolicyKind, context_keys, parse_policy, policy_size

from .helpers import doc, stmt


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ('{"a": "b"}', 9),
        ('{\n  "a" :\t"b"\r\n}', 9),  # whitespace between tokens is not counted
        ('{"a": "b c"}', 11),  # whitespace inside strings is
        ('{"a": "\\" x"}', 12),  # an escaped quote does not end the string
        ("", 0),
    ],
)
def test_policy_size(text: str, size: int) -> None:
    assert policy_size(text) == size


def test_policy_size_equals_the_minified_length() -> None:
    body = {"Version": "2012-10-17", "Statement": [stmt(Sid="With Space", Condition={"StringLike": {"k": "a b"}})]}
    assert policy_size(json.dumps(body, indent=4)) == len(json.dumps(body, separators=(",", ":")))


def test_context_keys() -> None:
    policy = parse_policy(
        doc(
            stmt(
                resource="arn:aws:s3:::b/${aws:username}/*",
                Condition={
                    "StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}", "s3:prefix": "x"},
                    "ForAnyValue:StringLike": {"AWS:USERNAME": "a*", "aws:TagKeys": "x"},
                },
            ),
        ),
        PolicyKind.IDENTITY,
    )
    assert context_keys(policy) == ("aws:username", "aws:PrincipalTag/team", "s3:prefix", "aws:TagKeys")
