"""The lint pass: one row per warning."""

from __future__ import annotations

import pytest

from ostiary.policy import PolicyKind, parse_policy
from ostiary.policy.lint import lint_policy

from .helpers import doc, stmt


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        (
            doc(stmt(action=None, NotAction="iam:*")),
            PolicyKind.IDENTITY,
            "`Allow` with `NotAction` allows every action it does not list",
        ),
        (
            doc(stmt(resource=None, NotResource="arn:aws:s3:::b/*")),
            PolicyKind.IDENTITY,
            "`Allow` with `NotResource` allows every resource it does not list",
        ),
        (
            doc(stmt(NotPrincipal={"AWS": "111122223333"})),
            PolicyKind.RESOURCE,
            "`Allow` with `NotPrincipal` grants everyone else, anonymous callers included",
        ),
        (
            doc(stmt(Condition={"ForAnyValue:StringEquals": {"aws:username": "a"}})),
            PolicyKind.IDENTITY,
            "`aws:username` is single-valued: a set qualifier can make the condition too broad",
        ),
        (
            doc(stmt(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": "a"}})),
            PolicyKind.IDENTITY,
            "`ForAllValues` holds when `aws:TagKeys` is missing; add a `Null` check",
        ),
        (
            doc(stmt(Condition={"NumericLessThan": {"s3:max-keys": "ten"}})),
            PolicyKind.IDENTITY,
            "`ten` cannot be read by `NumericLessThan` and never matches",
        ),
        (
            doc(stmt(resource="arn:aws:s3:::b/${aws:username}"), version="2008-10-17"),
            PolicyKind.IDENTITY,
            "`arn:aws:s3:::b/${aws:username}` holds a variable before Version 2012-10-17: it is literal text",
        ),
        (
            doc(stmt(resource="arn:aws:sqs:us-east-1:${account}:q")),
            PolicyKind.IDENTITY,
            "`arn:aws:sqs:us-east-1:${account}:q` holds a variable before the fifth colon: it is literal text",
        ),
        (doc(stmt(Sid="A"), stmt(Sid="B")), PolicyKind.IDENTITY, "repeats Statement[0]"),
    ],
)
def test_warning(text: str, kind: PolicyKind, message: str) -> None:
    if kind is not PolicyKind.IDENTITY and "Principal" not in text:
        text = text.replace('"Effect"', '"Principal": "*", "Effect"')
    assert message in [finding.message for finding in lint_policy(parse_policy(text, kind))]


def test_a_clean_policy_has_no_warnings() -> None:
    text = doc(stmt(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": "a"}, "Null": {"aws:TagKeys": "false"}}))
    assert lint_policy(parse_policy(text, PolicyKind.IDENTITY)) == ()
