"""Parsing: accepted shapes become the expected AST; positions; normalized round trip."""

from __future__ import annotations

import json

import pytest

from ostiary.policy import VERSION_2008, PolicyKind, Position, StatementEffect, parse_policy

from .helpers import doc, stmt


def test_statement_object_or_list_and_string_or_list_values() -> None:
    single = parse_policy(
        doc(stmt(action="s3:GetObject", resource="*"))[:0]
        + json.dumps({"Version": "2012-10-17", "Statement": stmt(action="s3:GetObject", resource="*")}),
        PolicyKind.IDENTITY,
    )
    listed = parse_policy(doc(stmt(action=["s3:GetObject"], resource=["*"])), PolicyKind.IDENTITY)
    assert single.statements == listed.statements
    assert single.statements[0].action.patterns == ("s3:GetObject",)


def test_missing_version_means_2008_and_keeps_variables_literal() -> None:
    policy = parse_policy(
        json.dumps({"Statement": [stmt(resource="arn:aws:s3:::b/${aws:username}")]}), PolicyKind.IDENTITY
    )
    assert policy.version == VERSION_2008 and not policy.version_given
    resource = policy.statements[0].resource
    assert resource is not None and resource.templates == (None,)


def test_elements() -> None:
    text = doc(
        stmt(
            "Deny",
            ["s3:*"],
            None,
            NotResource="arn:aws:s3:::b/*",
            Sid="S1",
            Condition={"Bool": {"aws:SecureTransport": False}, "NumericLessThan": {"s3:max-keys": 10}},
        ),
        stmt(action=None, resource="*", NotAction="iam:*"),
        Id="policy-id",
    )
    policy = parse_policy(text, PolicyKind.IDENTITY)
    first, second = policy.statements
    assert policy.id == "policy-id"
    assert (first.sid, first.effect, first.index) == ("S1", StatementEffect.DENY, 0)
    assert first.resource is not None and first.resource.negated
    assert [(c.operator_text, c.key, c.values) for c in first.conditions] == [
        ("Bool", "aws:SecureTransport", ("false",)),
        ("NumericLessThan", "s3:max-keys", ("10",)),
    ]
    assert second.action.negated and second.sid is None


def test_principal_elements() -> None:
    text = doc(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": ["111122223333", "arn:aws:iam::111122223333:user/a"]},
            "Action": "s3:*",
            "Resource": "*",
        },
    )
    policy = parse_policy(text, PolicyKind.RESOURCE)
    assert policy.statements[0].principal is not None
    assert [v.value for v in policy.statements[0].principal.values] == ["*"]
    assert policy.statements[1].principal is not None and policy.statements[1].principal.negated


def test_positions() -> None:
    text = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n'
        '    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},\n'
        '    {\n      "Effect": "Deny",\n      "Action": "s3:Delete*",\n      "Resource": "*"\n    }\n  ]\n}'
    )
    first, second = parse_policy(text, PolicyKind.IDENTITY).statements
    assert first.span is not None and second.span is not None
    assert (first.span.start, first.span.end) == (Position(4, 5), Position(4, 58))
    assert (second.span.start, second.span.end) == (Position(5, 5), Position(9, 5))


def test_position_of_a_single_statement_object_with_tricky_strings() -> None:
    text = '{"Id": "}{\\"", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Sid": "{"}}'
    (only,) = parse_policy(text, PolicyKind.IDENTITY).statements
    assert only.span is not None
    assert only.span.start == Position(1, text.index('{"Effect"') + 1)
    assert only.span.end == Position(1, len(text) - 1)


@pytest.mark.parametrize(
    "text",
    [
        doc(
            stmt(
                action=["s3:GetObject", "s3:PutObject"],
                resource="arn:aws:s3:::b/${aws:username}/*",
                Condition={"ForAnyValue:StringLike": {"aws:TagKeys": ["a*", "b"]}},
            )
        ),
        doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["111122223333"], "Service": "s3.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": "*",
            }
        ),
    ],
)
def test_round_trip(text: str) -> None:
    kind = PolicyKind.RESOURCE if "Principal" in text else PolicyKind.IDENTITY
    policy = parse_policy(text, kind)
    again = parse_policy(json.dumps(policy.to_dict()), kind)
    assert again.to_dict() == policy.to_dict()
    assert again.statements == policy.statements


def test_condition_values_keep_their_text() -> None:
    text = doc(stmt(Condition={"NumericEquals": {"k": [1.50, 2]}, "Bool": {"b": True}}))
    clauses = parse_policy(text.replace("1.5", "1.50"), PolicyKind.IDENTITY).statements[0].conditions
    assert [c.values for c in clauses] == [("1.50", "2"), ("true",)]


def test_candidates_index_by_service() -> None:
    policy = parse_policy(
        doc(
            stmt(action="s3:GetObject"),
            stmt(action="iam:*"),
            stmt(action="*"),
            stmt(action=None, NotAction="ec2:*"),
            stmt(action=["*", "s3:y"]),
        ),
        PolicyKind.IDENTITY,
    )
    assert [s.index for s in policy.candidates("s3")] == [0, 2, 3, 4]
    assert [s.index for s in policy.candidates("iam")] == [1, 2, 3, 4]
