"""One policy × one request → the statements that apply, per effect. No combining here.

A statement applies when its Action (or NotAction), its Resource (or NotResource, absent in
trust policies), its Principal (or NotPrincipal, in resource-based and trust policies) and all
its conditions match (`reference_policies_evaluation-logic_policy-eval-denyallow`: "the
enforcement code looks for a Deny statement that applies to the request"). A list element
matches when any entry matches; `Not…` elements match when no entry does.

`evaluate` reports, for the simulator, the matched statements with their positions in the
document, the condition keys the request lacked (`MissingContextValues`), and the statements
whose conditions met a request value of the wrong type (which fails closed: see `conditions`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ostiary.policy.ast import Policy, PolicyKind, Statement, StatementEffect
from ostiary.policy.conditions import Outcome, evaluate_clause
from ostiary.policy.context import RequestContext
from ostiary.policy.decision import PolicyType, StatementRef
from ostiary.policy.principals import PrincipalMatch, match_element

DEFAULT_TYPES = {
    PolicyKind.IDENTITY: PolicyType.IDENTITY,
    PolicyKind.RESOURCE: PolicyType.RESOURCE,
    PolicyKind.TRUST: PolicyType.RESOURCE,
}


@dataclass(frozen=True, slots=True)
class StatementMatch:
    """A statement that applies to the request."""

    ref: StatementRef
    statement: Statement
    # How the statement's principal covers the caller; EXACT for identity-based policies.
    principal_match: PrincipalMatch = PrincipalMatch.EXACT
    policy_arn: str | None = None  # the ARN of the statement's policy, for explicit-deny messages


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcome of one policy for one request."""

    policy: Policy
    policy_type: PolicyType
    allows: tuple[StatementMatch, ...]
    denies: tuple[StatementMatch, ...]
    missing_keys: tuple[str, ...] = ()
    errors: tuple[StatementRef, ...] = ()

    @property
    def allowed(self) -> bool:
        """Some Allow statement applies (an applicable Deny still wins when combining)."""
        return bool(self.allows)

    @property
    def denied(self) -> bool:
        return bool(self.denies)


class Sink:
    """Accumulates what `scan` finds; reused across the policies of one authorization."""

    __slots__ = ("allows", "denies", "errors", "missing")

    def __init__(self) -> None:
        self.allows: list[StatementMatch] = []
        self.denies: list[StatementMatch] = []
        self.missing: list[str] = []
        self.errors: list[StatementRef] = []


def scan(policy: Policy, ctx: RequestContext, action: str, policy_type: PolicyType, sink: Sink) -> None:
    """Add the statements of `policy` that apply to `ctx` (`action` is ctx.action lower-cased)."""
    candidates = policy.for_action(action)
    if not candidates:
        return
    lookup = ctx.key
    who = ctx.principal
    for statement in candidates:
        if statement.resource is not None and not statement.resource.matches(ctx.resource, lookup):
            continue
        deny = statement.effect is StatementEffect.DENY
        matched = PrincipalMatch.EXACT
        if statement.principal is not None:
            matched = match_element(statement.principal, who, deny=deny)
            if matched is PrincipalMatch.NONE:
                continue
        if statement.conditions:
            outcome = Outcome(deny=deny)
            holds = True
            for clause in statement.conditions:
                if not evaluate_clause(clause, lookup, outcome):
                    holds = False
            sink.missing.extend(outcome.missing)
            ref = StatementRef(policy.policy_id, policy_type, statement.index, statement.sid)
            if outcome.error:
                sink.errors.append(ref)
            if not holds:
                continue
        else:
            ref = StatementRef(policy.policy_id, policy_type, statement.index, statement.sid)
        (sink.denies if deny else sink.allows).append(StatementMatch(ref, statement, matched, policy.arn))


def unique(keys: list[str]) -> tuple[str, ...]:
    """Keys in first-seen order, without case-insensitive repeats."""
    seen: set[str] = set()
    out = []
    for key in keys:
        if key.lower() not in seen:
            seen.add(key.lower())
            out.append(key)
    return tuple(out)


def evaluate(policy: Policy, ctx: RequestContext, *, policy_type: PolicyType | None = None) -> Evaluation:
    """The statements of one policy that apply to one request.

    `policy_type` names the role the policy plays (identity-based, permissions boundary, session
    policy, resource-based); by default it follows the policy's kind.
    """
    role = policy_type if policy_type is not None else DEFAULT_TYPES[policy.kind]
    sink = Sink()
    scan(policy, ctx, ctx.action.lower(), role, sink)
    return Evaluation(
        policy=policy,
        policy_type=role,
        allows=tuple(sink.allows),
        denies=tuple(sink.denies),
        missing_keys=unique(sink.missing),
        errors=tuple(sink.errors),
    )
