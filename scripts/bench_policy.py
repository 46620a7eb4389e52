"""Decisions per second for a realistic caller: a user with 10 attached policies of a few statements.

Not a test; run `python scripts/bench_policy.py` (or `make bench`). Policies are parsed once, as the
server's cache does; each iteration is one `authorize` call. Every one of the ten policies has
statements for S3, so an S3 request is the worst case (13 statements apply by action).
"""

from __future__ import annotations

import json
import timeit

from ostiary.policy import PolicyKind, PolicySet, PrincipalInfo, PrincipalType, RequestContext, authorize, parse_policy

ACCOUNT = "111122223333"
SERVICES = ["s3", "ec2", "iam", "dynamodb", "sqs", "sns", "lambda", "kms", "logs", "cloudwatch"]


def scoped(service: str, i: int) -> str:
    if service == "s3":
        return f"arn:aws:s3:::team-{i}/*"
    if service == "iam":
        return f"arn:aws:iam::{ACCOUNT}:user/team-{i}/*"
    return f"arn:aws:{service}:*:{ACCOUNT}:team-{i}/*"


def policy(i: int) -> str:
    service = SERVICES[i]
    statements = [
        {
            "Sid": "Read",
            "Effect": "Allow",
            "Action": [f"{service}:Get*", f"{service}:List*", f"{service}:Describe*"],
            "Resource": "*",
        },
        {
            "Sid": "Write",
            "Effect": "Allow",
            "Action": [f"{service}:Put*", f"{service}:Create*"],
            "Resource": scoped(service, i),
            "Condition": {
                "StringEquals": {"aws:PrincipalTag/team": f"team-{i}"},
                "Bool": {"aws:SecureTransport": "true"},
            },
        },
        {
            "Sid": "Own",
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::home-{i}/${{aws:username}}", f"arn:aws:s3:::home-{i}/${{aws:username}}/*"],
        },
        {
            "Sid": "Guard",
            "Effect": "Deny",
            "Action": f"{service}:Delete*",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def main() -> None:
    identity = tuple(
        parse_policy(policy(i), PolicyKind.IDENTITY, policy_id=f"p{i}", arn=f"arn:aws:iam::{ACCOUNT}:policy/p{i}")
        for i in range(10)
    )
    boundary = parse_policy(
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        PolicyKind.IDENTITY,
        policy_id="boundary",
    )
    who = PrincipalInfo(
        arn=f"arn:aws:iam::{ACCOUNT}:user/alice",
        account=ACCOUNT,
        type=PrincipalType.USER,
        unique_id="AIDAALICEXXXXXXXXXXXX",
        has_boundary=True,
    )
    keys = {
        "aws:username": ("alice",),
        "aws:principaltag/team": ("team-0",),
        "aws:securetransport": ("true",),
        "aws:sourceip": ("192.0.2.10",),
        "aws:currenttime": ("2026-03-01T12:00:00Z",),
    }
    requests = [
        RequestContext(who, "s3:GetObject", "arn:aws:s3:::home-3/alice/notes.txt", ACCOUNT, keys),
        RequestContext(who, "s3:PutObject", "arn:aws:s3:::team-0/x", ACCOUNT, keys),
        RequestContext(who, "ec2:DeleteVolume", "arn:aws:ec2:us-east-1:111122223333:volume/v-1", ACCOUNT, keys),
        RequestContext(who, "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/bob", ACCOUNT, keys),
    ]
    for label, policies in (
        ("10 identity policies", PolicySet(identity=identity)),
        ("10 identity policies + boundary", PolicySet(identity=identity, boundary=boundary)),
    ):
        for ctx in requests:
            rounds = 5_000
            # The best of several runs: other processes on the machine only ever slow a run down.
            elapsed = min(timeit.repeat(lambda: authorize(ctx, policies), number=rounds, repeat=7))  # noqa: B023
            decision = authorize(ctx, policies)
            print(
                f"{label:34} {ctx.action:18} {decision.effect.name:14} "
                f"{rounds / elapsed:10,.0f} decisions/s  {elapsed / rounds * 1e6:6.1f} µs/decision"
            )


if __name__ == "__main__":
    main()
