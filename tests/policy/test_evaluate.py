"""One policy × one request: which statements apply, with what the simulator needs."""

from __future__ import annotations

import pytest

from ostiary.policy import PolicyKind, PolicyType, PrincipalMatch, evaluate, parse_policy

from .helpers import ACCOUNT, ALICE, SESSION, doc, identity, request, resource_policy, stmt

# (statement, action, resource, keys, applies)
ROWS = [
    (stmt(action="s3:GetObject"), "s3:GetObject", "arn:aws:s3:::b/k", {}, True),
    (stmt(action="S3:getobject"), "s3:GetObject", "arn:aws:s3:::b/k", {}, True),  # actions ignore case
    (stmt(action="s3:Get*"), "s3:PutObject", "arn:aws:s3:::b/k", {}, False),
    (stmt(action="*"), "iam:CreateUser", "*", {}, True),
    (stmt(action=["iam:*", "s3:*"]), "s3:ListBucket", "arn:aws:s3:::b", {}, True),
    (stmt(action=None, NotAction="s3:*"), "s3:GetObject", "arn:aws:s3:::b/k", {}, False),
    (stmt(action=None, NotAction="s3:*"), "iam:GetUser", "*", {}, True),
    (stmt(resource="arn:aws:s3:::b/*"), "s3:GetObject", "arn:aws:s3:::b/k", {}, True),
    (stmt(resource="arn:aws:s3:::B/*"), "s3:GetObject", "arn:aws:s3:::b/k", {}, False),  # ARNs keep case
    (stmt(resource=None, NotResource="arn:aws:s3:::b/secret/*"), "s3:GetObject", "arn:aws:s3:::b/k", {}, True),
    (stmt(resource=None, NotResource="arn:aws:s3:::b/secret/*"), "s3:GetObject", "arn:aws:s3:::b/secret/x", {}, False),
    (
        stmt(resource="arn:aws:s3:::b/home/${aws:username}/*"),
        "s3:GetObject",
        "arn:aws:s3:::b/home/alice/x",
        {"aws:username": "alice"},
        True,
    ),
    (
        stmt(resource="arn:aws:s3:::b/home/${aws:username}/*"),
        "s3:GetObject",
        "arn:aws:s3:::b/home/bob/x",
        {"aws:username": "alice"},
        False,
    ),
    # "the resource that includes a policy variable with no value will not match any resource"
    (stmt(resource="arn:aws:s3:::b/home/${aws:username}/*"), "s3:GetObject", "arn:aws:s3:::b/home//x", {}, False),
    (stmt(resource=None, NotResource="arn:aws:s3:::b/${aws:username}"), "s3:GetObject", "arn:aws:s3:::b/x", {}, True),
    (
        stmt(resource="arn:aws:s3:::b/${aws:PrincipalTag/team, 'all'}/*"),
        "s3:GetObject",
        "arn:aws:s3:::b/all/x",
        {},
        True,
    ),
    (stmt(resource="arn:aws:s3:::b/${*}"), "s3:GetObject", "arn:aws:s3:::b/*", {}, True),
    (stmt(resource="arn:aws:s3:::b/${*}"), "s3:GetObject", "arn:aws:s3:::b/x", {}, False),
    (
        stmt(Condition={"StringEquals": {"AWS:UserName": "alice"}}),
        "s3:GetObject",
        "*",
        {"aws:username": "alice"},
        True,
    ),  # condition key names ignore case
    (
        stmt(Condition={"StringEquals": {"aws:username": "alice"}, "Bool": {"aws:SecureTransport": "true"}}),
        "s3:GetObject",
        "*",
        {"aws:username": "alice"},
        False,
    ),  # operators are ANDed
]


@pytest.mark.parametrize(("statement", "action", "resource", "keys", "applies"), ROWS)
def test_statement_applies(
    statement: dict[str, object], action: str, resource: str, keys: dict[str, str], applies: bool
) -> None:
    policy = identity(statement)
    result = evaluate(policy, request(action=action, resource=resource, keys=keys))
    assert result.allowed is applies
    assert not result.denied


def test_2008_policies_keep_variables_literal() -> None:
    policy = parse_policy(
        doc(
            stmt(resource="arn:aws:s3:::b/${aws:username}", Condition={"StringEquals": {"k": "${aws:username}"}}),
            version=None,
        ),
        PolicyKind.IDENTITY,
    )
    literal = request(resource="arn:aws:s3:::b/${aws:username}", keys={"k": "${aws:username}", "aws:username": "x"})
    assert evaluate(policy, literal).allowed
    assert not evaluate(policy, request(resource="arn:aws:s3:::b/x", keys={"k": "x", "aws:username": "x"})).allowed


def test_principals_in_resource_policies() -> None:
    policy = resource_policy(
        {
            "Sid": "A",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ops/deploy"},
            "Action": "s3:*",
            "Resource": "*",
        },
        {"Sid": "B", "Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "s3:DeleteObject", "Resource": "*"},
    )
    result = evaluate(policy, request(SESSION, action="s3:DeleteObject"))
    assert [m.ref.sid for m in result.allows] == ["A"] and result.allows[0].principal_match is PrincipalMatch.PARENT
    assert [m.ref.sid for m in result.denies] == ["B"] and result.denies[0].principal_match is PrincipalMatch.ACCOUNT
    assert result.policy_type is PolicyType.RESOURCE
    assert not evaluate(policy, request(ALICE, action="s3:GetObject")).allowed


def test_simulator_details() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [\n'
        '  {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*",\n'
        '   "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "NumericLessThan": {"s3:max-keys": "5"}}}\n'
        "]}"
    )
    policy = parse_policy(text, PolicyKind.IDENTITY, policy_id="pol")
    result = evaluate(policy, request(keys={"aws:SourceIp": "10.1.2.3"}), policy_type=PolicyType.BOUNDARY)
    assert not result.allowed and result.missing_keys == ("s3:max-keys",)
    matched = evaluate(policy, request(keys={"aws:SourceIp": "10.1.2.3", "s3:max-keys": "1"}))
    (match,) = matched.allows
    assert match.ref.policy_id == "pol" and match.ref.policy_type is PolicyType.IDENTITY
    assert match.statement.span is not None
    assert (match.statement.span.start.line, match.statement.span.end.line) == (2, 3)
    broken = evaluate(policy, request(keys={"aws:SourceIp": "not-an-ip", "s3:max-keys": "1"}))
    assert [ref.sid for ref in broken.errors] == ["A"]
