"""Properties of `authorize` that must hold for any policies (Hypothesis).

- Adding a Deny statement never turns a denial into an allow.
- The order of statements, and of policies, never changes a decision.
- Adding a permissions boundary or session policies never widens access.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ostiary.policy import Decision, Policy, PolicyKind, PolicySet, RequestContext, authorize, parse_policy

from .helpers import ACCOUNT, ALICE, FEDERATED, OTHER, ROOT, SESSION, STRANGER, request
from .test_principals import ANON

ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:GetUser"]
ACTION_PATTERNS = [*ACTIONS, "s3:*", "*", "s3:Get*", "iam:*", "s3:?utObject"]
RESOURCES = ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/a/b", "arn:aws:s3:::other/x", "*"]
RESOURCE_PATTERNS = [*RESOURCES, "arn:aws:s3:::bucket/*", "arn:aws:s3:::*", "arn:aws:s3:::bucket/${aws:username}"]
PRINCIPALS = [
    "*",
    ACCOUNT,
    OTHER,
    ALICE.arn,
    SESSION.arn,
    FEDERATED.arn,
    f"arn:aws:iam::{ACCOUNT}:role/ops/deploy",
    STRANGER.arn,
]
CONDITIONS = [
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:username": "alice"}},
    {"StringNotEquals": {"aws:username": "alice"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}},
    {"Null": {"aws:TokenIssueTime": "true"}},
]
CALLERS = [ALICE, SESSION, FEDERATED, ROOT, STRANGER, ANON, replace(ALICE, has_boundary=True)]


def statements(principal: bool) -> st.SearchStrategy[dict[str, Any]]:
    def build(
        effect: str,
        actions: list[str],
        not_action: bool,
        resources: list[str],
        not_resource: bool,
        condition: dict[str, Any] | None,
        principals: list[str],
        not_principal: bool,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Effect": effect,
            "NotAction" if not_action else "Action": actions,
            "NotResource" if not_resource else "Resource": resources,
        }
        if condition:
            out["Condition"] = condition
        if principal:
            value: Any = "*" if principals == ["*"] else {"AWS": principals}
            out["NotPrincipal" if not_principal and value != "*" else "Principal"] = value
        return out

    return st.builds(
        build,
        st.sampled_from(["Allow", "Allow", "Deny"]),
        st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3, unique=True),
        st.integers(0, 9).map(lambda n: n == 0),
        st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2, unique=True),
        st.integers(0, 9).map(lambda n: n == 0),
        st.one_of(st.none(), st.sampled_from(CONDITIONS)),
        st.lists(st.sampled_from(PRINCIPALS), min_size=1, max_size=2, unique=True),
        st.integers(0, 9).map(lambda n: n == 0),
    )


def documents(principal: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(statements(principal), min_size=1, max_size=4)


def compile_(body: list[dict[str, Any]], kind: PolicyKind, name: str) -> Policy:
    # Managed-looking ARNs derived from the content, so they follow a policy when it moves.
    arn = None if kind is not PolicyKind.IDENTITY else f"arn:aws:iam::{ACCOUNT}:policy/{abs(hash(json.dumps(body)))}"
    return parse_policy(json.dumps({"Version": "2012-10-17", "Statement": body}), kind, policy_id=name, arn=arn)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RequestContext, dict[str, Any]]:
    caller = draw(st.sampled_from(CALLERS))
    keys: dict[str, Any] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "aws:SecureTransport": st.sampled_from(["true", "false"]),
                "aws:username": st.sampled_from(["alice", "a"]),
                "aws:SourceIp": st.sampled_from(["10.1.1.1", "192.0.2.1"]),
                "aws:TagKeys": st.lists(st.sampled_from(["a", "b"]), max_size=2),
            },
        )
    )
    ctx = request(
        caller,
        draw(st.sampled_from(ACTIONS)),
        draw(st.sampled_from(RESOURCES)),
        draw(st.sampled_from([ACCOUNT, OTHER])),
        keys,
    )
    parts = {
        "identity": draw(st.lists(documents(False), max_size=3)),
        "resource": draw(st.lists(documents(True), max_size=1)),
        "boundary": draw(st.one_of(st.none(), documents(False))),
        "session": draw(st.one_of(st.none(), st.lists(documents(False), max_size=2))),
        "resource_required": draw(st.booleans()),
    }
    return ctx, parts


def policy_set(parts: dict[str, Any]) -> PolicySet:
    kind = PolicyKind.TRUST if parts["resource_required"] else PolicyKind.RESOURCE
    resource = []
    for i, raw in enumerate(parts["resource"]):
        body = raw
        if kind is PolicyKind.TRUST:  # no Resource, and {"AWS": "*"} rather than the bare "*"
            body = [{k: v for k, v in s.items() if k not in ("Resource", "NotResource")} for s in body]
            body = [s if s.get("Principal") != "*" else {**s, "Principal": {"AWS": "*"}} for s in body]
        resource.append(compile_(body, kind, f"r{i}"))
    return PolicySet(
        identity=tuple(compile_(body, PolicyKind.IDENTITY, f"i{i}") for i, body in enumerate(parts["identity"])),
        resource=tuple(resource),
        boundary=None if parts["boundary"] is None else compile_(parts["boundary"], PolicyKind.IDENTITY, "b"),
        session=None
        if parts["session"] is None
        else tuple(compile_(body, PolicyKind.IDENTITY, f"s{i}") for i, body in enumerate(parts["session"])),
        resource_required=parts["resource_required"],
    )


def summary(decision: Decision) -> tuple[Any, ...]:
    refs = sorted((r.policy_id, r.policy_type.name, r.index) for r in decision.deciding)
    return decision.effect, decision.denied_by, decision.denying_policy_arn, refs


DENY = {"Effect": "Deny", "Action": "*", "Resource": "*"}


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.sampled_from(["identity", "resource", "boundary", "session"]), statements(False))
def test_adding_a_deny_never_allows(
    scenario: tuple[RequestContext, dict[str, Any]], where: str, extra: dict[str, Any]
) -> None:
    ctx, parts = scenario
    before = authorize(ctx, policy_set(parts))
    deny = {**extra, "Effect": "Deny"}
    if where == "resource":
        deny = (
            {**deny, "Principal": "*"}
            if not parts["resource_required"]
            else {k: v for k, v in {**deny, "Principal": {"AWS": "*"}}.items() if k not in ("Resource", "NotResource")}
        )
        parts = {**parts, "resource": [*parts["resource"], [deny]]}
    elif where == "boundary":
        parts = {**parts, "boundary": [*(parts["boundary"] or [DENY]), deny]} if parts["boundary"] else parts
    elif where == "session":
        parts = {**parts, "session": [*parts["session"], [deny]]} if parts["session"] is not None else parts
    else:
        parts = {**parts, "identity": [*parts["identity"], [deny]]}
    after = authorize(ctx, policy_set(parts))
    assert not after.allowed or before.allowed


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_order_never_matters(scenario: tuple[RequestContext, dict[str, Any]], rnd: Any) -> None:
    ctx, parts = scenario
    before = authorize(ctx, policy_set(parts))

    def shuffled(items: list[Any]) -> list[Any]:
        copy = list(items)
        rnd.shuffle(copy)
        return copy

    reordered = {
        **parts,
        "identity": shuffled([shuffled(body) for body in parts["identity"]]),
        "resource": [shuffled(body) for body in parts["resource"]],
        "boundary": None if parts["boundary"] is None else shuffled(parts["boundary"]),
        "session": None if parts["session"] is None else shuffled([shuffled(b) for b in parts["session"]]),
    }
    after = authorize(ctx, policy_set(reordered))
    assert (after.effect, after.denied_by) == (before.effect, before.denied_by)
    assert {(r.policy_type, _statement_text(reordered, r)) for r in after.deciding} == {
        (r.policy_type, _statement_text(parts, r)) for r in before.deciding
    }


def _statement_text(parts: dict[str, Any], ref: Any) -> str:
    """The statement a reference points at, as text (indexes change when statements move)."""
    if ref.policy_id == "b":
        return json.dumps(parts["boundary"][ref.index], sort_keys=True)
    group = {"i": parts["identity"], "r": parts["resource"], "s": parts["session"] or []}[ref.policy_id[0]]
    return json.dumps(group[int(ref.policy_id[1:])][ref.index], sort_keys=True)


@settings(max_examples=100, deadline=None)
@given(scenarios(), documents(False), st.lists(documents(False), max_size=2))
def test_boundaries_and_session_policies_never_widen(
    scenario: tuple[RequestContext, dict[str, Any]], boundary: list[dict[str, Any]], session: list[list[dict[str, Any]]]
) -> None:
    ctx, parts = scenario
    base = {**parts, "boundary": None, "session": None}
    without = authorize(ctx, policy_set(base)).allowed
    assert not authorize(ctx, policy_set({**base, "boundary": boundary})).allowed or without
    assert not authorize(ctx, policy_set({**base, "session": session})).allowed or without
    assert not authorize(ctx, policy_set({**base, "session": []})).allowed or without
