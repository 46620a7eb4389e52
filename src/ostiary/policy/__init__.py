"""The IAM policy language: parse → evaluate → authorize, with decisions that carry reasons.

A pure package: it imports only the standard library and `ostiary.errors` / `ostiary.arn` /
`ostiary.limits`, does no I/O and reads no clock (the request time arrives as the condition keys
``aws:CurrentTime`` and ``aws:EpochTime``).

    parse_policy(text, kind)  → Policy          (validation: MalformedPolicyDocument with AWS's text)
    evaluate(policy, ctx)     → Evaluation      (one policy: the statements that apply)
    authorize(ctx, PolicySet) → Decision        (AWS's evaluation logic across policy types)
    access_denied_message(ctx, decision) → str  (the exact AccessDenied text)

Beside the pipeline: `check_policy` (every write-time problem with its JSON path), `lint_policy`
(warnings about accepted policies), `policy_size` (quota counting), `context_keys`.
"""

from ostiary.policy.ast import VERSION_2008, VERSION_2012, Policy, PolicyKind, Statement, StatementEffect
from ostiary.policy.authorize import PolicySet, authorize
from ostiary.policy.context import ANONYMOUS, PrincipalInfo, PrincipalType, RequestContext
from ostiary.policy.decision import Decision, Effect, PolicyType, StatementRef
from ostiary.policy.documents import context_keys, policy_size
from ostiary.policy.evaluate import Evaluation, StatementMatch, evaluate
from ostiary.policy.lint import Finding, lint_policy
from ostiary.policy.messages import access_denied_message
from ostiary.policy.parse import check_policy, parse_policy
from ostiary.policy.positions import Position, Span
from ostiary.policy.principals import PrincipalMatch
from ostiary.policy.validation import Problem

__all__ = [
    "ANONYMOUS",
    "VERSION_2008",
    "VERSION_2012",
    "Decision",  # the outcome of `authorize`
    "Effect",  # ALLOW / EXPLICIT_DENY / IMPLICIT_DENY
    "Evaluation",  # the outcome of `evaluate`
    "Finding",  # one lint warning
    "Policy",  # a compiled, immutable, cacheable policy
    "PolicyKind",  # IDENTITY / RESOURCE / TRUST: what a document is for
    "PolicySet",  # the policies that apply to one request
    "PolicyType",  # a policy's role in a decision; the phrase AccessDenied messages use
    "Position",
    "PrincipalInfo",
    "PrincipalMatch",
    "PrincipalType",
    "Problem",  # one write-time problem, with its JSON path
    "RequestContext",
    "Span",
    "Statement",
    "StatementEffect",
    "StatementMatch",
    "StatementRef",
    "access_denied_message",
    "authorize",
    "check_policy",
    "context_keys",
    "evaluate",
    "lint_policy",  # advice about accepted policies; never on the authorization path
    "parse_policy",
    "policy_size",
]
