"""The AccessDenied text, exactly as IAM User Guide, "Troubleshoot access denied error messages" gives it."""

from __future__ import annotations

import pytest

from ostiary.policy import Decision, Effect, PolicyType, access_denied_message

from .helpers import ACCOUNT, ALICE, SESSION, STRANGER, request
from .test_principals import ANON

ARN = f"arn:aws:iam::{ACCOUNT}:policy/p"


@pytest.mark.parametrize(
    ("ctx", "decision", "kwargs", "text"),
    [
        (
            request(ALICE, "codecommit:ListRepositories", "*"),
            Decision(Effect.IMPLICIT_DENY, denied_by=PolicyType.IDENTITY),
            {},
            f"User: {ALICE.arn} is not authorized to perform: codecommit:ListRepositories because no "
            "identity-based policy allows the codecommit:ListRepositories action",
        ),
        (
            request(SESSION, "s3:PutObject", "arn:aws:s3:::prod/app.zip"),
            Decision(Effect.IMPLICIT_DENY, denied_by=PolicyType.BOUNDARY),
            {"resource_display": '"arn:aws:s3:::prod/app.zip"'},
            f'User: {SESSION.arn} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::prod/app.zip" '
            "because no permissions boundary allows the s3:PutObject action",
        ),
        (
            request(ALICE, "iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/alice"),
            Decision(Effect.EXPLICIT_DENY, denied_by=PolicyType.IDENTITY),
            {"resource_display": "user alice"},
            f"User: {ALICE.arn} is not authorized to perform: iam:CreateAccessKey on resource: user alice "
            "with an explicit deny in an identity-based policy",
        ),
        (
            request(ALICE, "iam:ListRoles", "*"),
            Decision(Effect.EXPLICIT_DENY, denied_by=PolicyType.SESSION, denying_policy_arn=ARN),
            {},
            f"User: {ALICE.arn} is not authorized to perform: iam:ListRoles with an explicit deny in a session policy: "
            f"{ARN}",
        ),
        (
            request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k"),
            Decision(Effect.EXPLICIT_DENY, denied_by=PolicyType.RESOURCE),
            {},
            f"User: {ALICE.arn} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k "
            "with an explicit deny in a resource-based policy",
        ),
        (
            request(STRANGER, "s3:GetObject", "arn:aws:s3:::b/k", ACCOUNT),
            Decision(Effect.EXPLICIT_DENY, denied_by=PolicyType.IDENTITY, denying_policy_arn=ARN),
            {},
            f"User: {STRANGER.arn} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k "
            "with an explicit deny in an identity-based policy",
        ),  # no ARN across accounts
        (
            request(ALICE, "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/ops/deploy"),
            Decision(Effect.IMPLICIT_DENY, denied_by=PolicyType.RESOURCE),
            {"with_reason": False},
            f"User: {ALICE.arn} is not authorized to perform: sts:AssumeRole on resource: "
            f"arn:aws:iam::{ACCOUNT}:role/ops/deploy",
        ),
        (
            request(ANON, "s3:GetObject", "arn:aws:s3:::b/k"),
            Decision(Effect.IMPLICIT_DENY, denied_by=PolicyType.RESOURCE),
            {},
            "User: anonymous is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k "
            "because no resource-based policy allows the s3:GetObject action",
        ),
    ],
)
def test_message(ctx: object, decision: Decision, kwargs: dict[str, object], text: str) -> None:
    assert access_denied_message(ctx, decision, **kwargs) == text  # type: ignore[arg-type]


def test_an_allow_has_no_message() -> None:
    with pytest.raises(ValueError, match="allowed"):
        access_denied_message(request(), Decision(Effect.ALLOW))
