"""The evaluation table of `ostiary.policy.authorize`, one row per cell.

Sources: reference_policies_evaluation-logic_policy-eval-denyallow (same-account resource-based
policies by principal type), reference_policies_evaluation-logic-cross-account,
access_policies_boundaries, reference_policies_elements_principal ("All principals").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from ostiary.policy import Effect, PolicySet, PolicyType, PrincipalInfo, RequestContext, authorize

from .helpers import (
    ACCOUNT,
    ALICE,
    FEDERATED,
    OTHER,
    ROOT,
    SESSION,
    STRANGER,
    WEB,
    identity,
    request,
    resource_policy,
    stmt,
    trust,
)
from .test_principals import ANON

USER_ARN = ALICE.arn
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ops/deploy"
ALLOW_GET = stmt(action="s3:GetObject", resource="arn:aws:s3:::bucket/*", Sid="Get")
OTHER_ACTION = stmt(action="ec2:*", resource="*", Sid="Ec2")
DENY_ALL = stmt("Deny", "*", "*", Sid="No")
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/p"


def grant(*principal: Any, effect: str = "Allow", key: str = "Principal") -> Any:
    value = (
        principal[0]
        if len(principal) == 1 and isinstance(principal[0], str) and principal[0] == "*"
        else {"AWS": list(principal)}
    )
    return resource_policy(
        {"Sid": "Grant", "Effect": effect, key: value, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}
    )


ID = identity(ALLOW_GET, policy_id="p", arn=POLICY_ARN)
NOTHING = identity(OTHER_ACTION, policy_id="p", arn=POLICY_ARN)
BOUNDARY_NO = identity(OTHER_ACTION, policy_id="boundary", arn=f"arn:aws:iam::{ACCOUNT}:policy/boundary")
BOUNDARY_YES = identity(ALLOW_GET, policy_id="boundary")
SESSION_NO = (identity(OTHER_ACTION, policy_id="session"),)
SESSION_YES = (identity(ALLOW_GET, policy_id="session"),)


def ps(**kw: Any) -> PolicySet:
    return PolicySet(**kw)


# (name, caller, policy set, decision, named type, deciding statements)
SAME_ACCOUNT: list[tuple[str, PrincipalInfo, PolicySet, Effect, PolicyType | None, set[str] | None]] = [
    ("identity allows", ALICE, ps(identity=(ID,)), Effect.ALLOW, None, {"p#Get"}),
    ("nothing allows", ALICE, ps(identity=(NOTHING,)), Effect.IMPLICIT_DENY, PolicyType.IDENTITY, set()),
    ("no policies at all", ALICE, ps(), Effect.IMPLICIT_DENY, PolicyType.IDENTITY, set()),
    (
        "explicit deny wins",
        ALICE,
        ps(identity=(ID, identity(DENY_ALL, policy_id="d"))),
        Effect.EXPLICIT_DENY,
        PolicyType.IDENTITY,
        {"d#No"},
    ),
    (
        "boundary caps identity",
        ALICE,
        ps(identity=(ID,), boundary=BOUNDARY_NO),
        Effect.IMPLICIT_DENY,
        PolicyType.BOUNDARY,
        set(),
    ),
    (
        "boundary allows too",
        ALICE,
        ps(identity=(ID,), boundary=BOUNDARY_YES),
        Effect.ALLOW,
        None,
        {"p#Get", "boundary#Get"},
    ),
    ("boundary never grants", ALICE, ps(boundary=BOUNDARY_YES), Effect.IMPLICIT_DENY, PolicyType.IDENTITY, set()),
    (
        "explicit deny in boundary",
        ALICE,
        ps(identity=(ID,), boundary=identity(DENY_ALL, policy_id="b")),
        Effect.EXPLICIT_DENY,
        PolicyType.BOUNDARY,
        {"b#No"},
    ),
    (
        "session policy caps",
        SESSION,
        ps(identity=(ID,), session=SESSION_NO),
        Effect.IMPLICIT_DENY,
        PolicyType.SESSION,
        set(),
    ),
    (
        "session policy allows",
        SESSION,
        ps(identity=(ID,), session=SESSION_YES),
        Effect.ALLOW,
        None,
        {"p#Get", "session#Get"},
    ),
    (
        "empty session policy set",
        FEDERATED,
        ps(identity=(ID,), session=()),
        Effect.IMPLICIT_DENY,
        PolicyType.SESSION,
        set(),
    ),
    ("bucket names the user", ALICE, ps(resource=(grant(USER_ARN),)), Effect.ALLOW, None, {"bucket#Grant"}),
    (
        "bucket names the user, boundary says no",
        ALICE,
        ps(resource=(grant(USER_ARN),), boundary=BOUNDARY_NO),
        Effect.ALLOW,
        None,
        {"bucket#Grant"},
    ),
    ("bucket names the role", SESSION, ps(resource=(grant(ROLE_ARN),)), Effect.ALLOW, None, {"bucket#Grant"}),
    (
        "bucket names the role, boundary says no",
        SESSION,
        ps(resource=(grant(ROLE_ARN),), boundary=BOUNDARY_NO),
        Effect.IMPLICIT_DENY,
        PolicyType.BOUNDARY,
        set(),
    ),
    (
        "bucket names the role, session policy says no",
        SESSION,
        ps(resource=(grant(ROLE_ARN),), session=SESSION_NO),
        Effect.IMPLICIT_DENY,
        PolicyType.SESSION,
        set(),
    ),
    (
        "bucket names the role, capped but allowed",
        SESSION,
        ps(resource=(grant(ROLE_ARN),), boundary=BOUNDARY_YES, session=SESSION_YES),
        Effect.ALLOW,
        None,
        {"bucket#Grant", "boundary#Get", "session#Get"},
    ),
    (
        "bucket names the session",
        SESSION,
        ps(resource=(grant(SESSION.arn),), boundary=BOUNDARY_NO, session=SESSION_NO),
        Effect.ALLOW,
        None,
        {"bucket#Grant"},
    ),
    (
        "bucket names the federated user",
        FEDERATED,
        ps(resource=(grant(FEDERATED.arn),), session=()),
        Effect.ALLOW,
        None,
        {"bucket#Grant"},
    ),
    (
        "bucket names the user who federated",
        FEDERATED,
        ps(resource=(grant(USER_ARN),), session=()),
        Effect.IMPLICIT_DENY,
        PolicyType.SESSION,
        set(),
    ),
    (
        "bucket names the account",
        ALICE,
        ps(resource=(grant(ACCOUNT),)),
        Effect.IMPLICIT_DENY,
        PolicyType.IDENTITY,
        set(),
    ),
    (
        "bucket names the account, identity allows",
        ALICE,
        ps(identity=(ID,), resource=(grant(f"arn:aws:iam::{ACCOUNT}:root"),)),
        Effect.ALLOW,
        None,
        {"bucket#Grant", "p#Get"},
    ),
    (
        "bucket names everyone",
        SESSION,
        ps(resource=(grant("*"),), boundary=BOUNDARY_NO, session=SESSION_NO),
        Effect.ALLOW,
        None,
        {"bucket#Grant"},
    ),
    (
        "bucket denies the user",
        ALICE,
        ps(identity=(ID,), resource=(grant(USER_ARN, effect="Deny"),)),
        Effect.EXPLICIT_DENY,
        PolicyType.RESOURCE,
        {"bucket#Grant"},
    ),
    (
        "bucket denies the account",
        ALICE,
        ps(identity=(ID,), resource=(grant(ACCOUNT, effect="Deny"),)),
        Effect.EXPLICIT_DENY,
        PolicyType.RESOURCE,
        {"bucket#Grant"},
    ),
    (
        "bucket denies everyone but the user",
        ALICE,
        ps(identity=(ID,), resource=(grant(USER_ARN, ACCOUNT, effect="Deny", key="NotPrincipal"),)),
        Effect.ALLOW,
        None,
        {"p#Get"},
    ),
    (
        "bucket denies everyone but the user, account not listed",
        ALICE,
        ps(identity=(ID,), resource=(grant(USER_ARN, effect="Deny", key="NotPrincipal"),)),
        Effect.EXPLICIT_DENY,
        PolicyType.RESOURCE,
        {"bucket#Grant"},
    ),
    (
        "NotPrincipal deny hits users with a boundary",
        replace(ALICE, has_boundary=True),
        ps(identity=(ID,), resource=(grant(USER_ARN, ACCOUNT, effect="Deny", key="NotPrincipal"),)),
        Effect.EXPLICIT_DENY,
        PolicyType.RESOURCE,
        {"bucket#Grant"},
    ),
    ("root needs no policy", ROOT, ps(), Effect.ALLOW, None, set()),
    (
        "root is bound by bucket denies",
        ROOT,
        ps(resource=(grant("*", effect="Deny"),)),
        Effect.EXPLICIT_DENY,
        PolicyType.RESOURCE,
        {"bucket#Grant"},
    ),
    ("anonymous with a public bucket", ANON, ps(resource=(grant("*"),)), Effect.ALLOW, None, {"bucket#Grant"}),
    ("anonymous without one", ANON, ps(), Effect.IMPLICIT_DENY, PolicyType.RESOURCE, set()),
    (
        "anonymous is not the account",
        ANON,
        ps(resource=(grant(ACCOUNT),)),
        Effect.IMPLICIT_DENY,
        PolicyType.RESOURCE,
        set(),
    ),
]


@pytest.mark.parametrize(
    ("name", "caller", "policies", "effect", "named", "deciding"), SAME_ACCOUNT, ids=[row[0] for row in SAME_ACCOUNT]
)
def test_same_account(
    name: str,
    caller: PrincipalInfo,
    policies: PolicySet,
    effect: Effect,
    named: PolicyType | None,
    deciding: set[str] | None,
) -> None:
    check(request(caller), policies, effect, named, deciding)


STRANGER_ID = identity(ALLOW_GET, policy_id="theirs", arn=f"arn:aws:iam::{OTHER}:policy/theirs")
CROSS_ACCOUNT = [
    ("identity alone is not enough", ps(identity=(STRANGER_ID,)), Effect.IMPLICIT_DENY, PolicyType.RESOURCE),
    ("bucket alone is not enough", ps(resource=(grant(OTHER),)), Effect.IMPLICIT_DENY, PolicyType.IDENTITY),
    (
        "bucket naming the user alone is not enough",
        ps(resource=(grant(STRANGER.arn),)),
        Effect.IMPLICIT_DENY,
        PolicyType.IDENTITY,
    ),
    ("both sides", ps(identity=(STRANGER_ID,), resource=(grant(OTHER),)), Effect.ALLOW, None),
    (
        "both sides, boundary says no",
        ps(identity=(STRANGER_ID,), resource=(grant(STRANGER.arn),), boundary=BOUNDARY_NO),
        Effect.IMPLICIT_DENY,
        PolicyType.BOUNDARY,
    ),
    ("neither side", ps(), Effect.IMPLICIT_DENY, PolicyType.RESOURCE),
    ("public bucket still needs identity", ps(resource=(grant("*"),)), Effect.IMPLICIT_DENY, PolicyType.IDENTITY),
    (
        "their deny",
        ps(identity=(STRANGER_ID, identity(DENY_ALL, policy_id="d")), resource=(grant(OTHER),)),
        Effect.EXPLICIT_DENY,
        PolicyType.IDENTITY,
    ),
]


@pytest.mark.parametrize(("name", "policies", "effect", "named"), CROSS_ACCOUNT, ids=[r[0] for r in CROSS_ACCOUNT])
def test_cross_account(name: str, policies: PolicySet, effect: Effect, named: PolicyType | None) -> None:
    check(request(STRANGER), policies, effect, named, None)


def assume(*principal_values: Any, key: str = "AWS") -> Any:
    return trust(
        {"Sid": "Trust", "Effect": "Allow", "Principal": {key: list(principal_values)}, "Action": "sts:AssumeRole"}
    )


ROLE_RESOURCE = f"arn:aws:iam::{ACCOUNT}:role/target"
MAY_ASSUME = identity(stmt(action="sts:AssumeRole", resource=ROLE_RESOURCE, Sid="Assume"), policy_id="p")
TRUST_CASES = [
    ("trust names the user", ALICE, ps(resource=(assume(USER_ARN),)), Effect.ALLOW, None),
    ("trust names the account", ALICE, ps(resource=(assume(ACCOUNT),)), Effect.IMPLICIT_DENY, PolicyType.IDENTITY),
    (
        "trust names the account, identity allows",
        ALICE,
        ps(identity=(MAY_ASSUME,), resource=(assume(ACCOUNT),)),
        Effect.ALLOW,
        None,
    ),
    (
        "trust names someone else",
        ALICE,
        ps(identity=(MAY_ASSUME,), resource=(assume(STRANGER.arn),)),
        Effect.IMPLICIT_DENY,
        PolicyType.RESOURCE,
    ),
    ("no trust policy statement applies", ALICE, ps(identity=(MAY_ASSUME,)), Effect.IMPLICIT_DENY, PolicyType.RESOURCE),
    (
        "trust names the caller's role, boundary says no",
        SESSION,
        ps(resource=(assume(ROLE_ARN),), boundary=BOUNDARY_NO),
        Effect.IMPLICIT_DENY,
        PolicyType.BOUNDARY,
    ),
    (
        "cross-account trust and identity",
        STRANGER,
        ps(identity=(identity(stmt(action="sts:AssumeRole", resource="*")),), resource=(assume(OTHER),)),
        Effect.ALLOW,
        None,
    ),
    (
        "cross-account trust only",
        STRANGER,
        ps(resource=(assume(STRANGER.arn),)),
        Effect.IMPLICIT_DENY,
        PolicyType.IDENTITY,
    ),
    ("web identity trusted", WEB, ps(resource=(assume("accounts.google.com", key="Federated"),)), Effect.ALLOW, None),
    ("web identity not trusted by AWS *", WEB, ps(resource=(assume("*"),)), Effect.IMPLICIT_DENY, PolicyType.RESOURCE),
]


@pytest.mark.parametrize(
    ("name", "caller", "policies", "effect", "named"), TRUST_CASES, ids=[r[0] for r in TRUST_CASES]
)
def test_trust_policies(
    name: str, caller: PrincipalInfo, policies: PolicySet, effect: Effect, named: PolicyType | None
) -> None:
    ctx = request(caller, "sts:AssumeRole", ROLE_RESOURCE, ACCOUNT)
    check(ctx, replace(policies, resource_required=True), effect, named, None)


def test_get_caller_identity_cannot_be_denied() -> None:
    ctx = request(ALICE, "sts:GetCallerIdentity", "*")
    decision = authorize(ctx, ps(identity=(identity(DENY_ALL),), boundary=identity(DENY_ALL), session=()))
    assert decision.allowed


def test_explicit_deny_carries_the_policy_arn_and_missing_keys() -> None:
    deny = identity(
        stmt("Deny", "s3:*", "*", Condition={"Bool": {"aws:SecureTransport": "false"}}), policy_id="d", arn=POLICY_ARN
    )
    conditional = identity(stmt(Condition={"StringEquals": {"s3:prefix": "x"}}), policy_id="c")
    ctx = request(keys={"aws:SecureTransport": "false"})
    decision = authorize(ctx, ps(identity=(deny, conditional)))
    assert (decision.effect, decision.denying_policy_arn) == (Effect.EXPLICIT_DENY, POLICY_ARN)
    assert decision.missing_keys == ("s3:prefix",)


def check(
    ctx: RequestContext, policies: PolicySet, effect: Effect, named: PolicyType | None, deciding: set[str] | None
) -> None:
    decision = authorize(ctx, policies)
    assert decision.effect is effect
    assert decision.denied_by is named
    if deciding is not None:
        assert {f"{r.policy_id}#{r.sid or r.index}" for r in decision.deciding} == deciding


def test_the_named_denying_policy_does_not_depend_on_attachment_order() -> None:
    first = identity(DENY_ALL, policy_id="a", arn=f"arn:aws:iam::{ACCOUNT}:policy/b")
    second = identity(DENY_ALL, policy_id="b", arn=f"arn:aws:iam::{ACCOUNT}:policy/a")
    inline = identity(DENY_ALL, policy_id="inline")
    for order in ((first, second, inline), (inline, second, first)):
        decision = authorize(request(), ps(identity=order))
        assert decision.denying_policy_arn == f"arn:aws:iam::{ACCOUNT}:policy/a"
