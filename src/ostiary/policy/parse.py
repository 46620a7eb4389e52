"""JSON text → `Policy`: decode, check (`validation`), then compile.

Stages: `json` decoding (keeping numbers exact and noting repeated keys), the write-time checks
that IAM performs (all problems collected with JSON paths; the first, in IAM's order, is raised
as MalformedPolicyDocument with AWS's text), then compilation of every element into matchers.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ostiary import wire
from ostiary.errors import MalformedPolicyDocument
from ostiary.policy.ast import (
    VERSION_2008,
    VERSION_2012,
    ActionElement,
    Policy,
    PolicyKind,
    ResourceElement,
    ResourceEntry,
    Statement,
    StatementEffect,
)
from ostiary.policy.conditions import Clause, compile_clause, parse_operator_name
from ostiary.policy.glob import compile_glob
from ostiary.policy.positions import Span, statement_spans
from ostiary.policy.principals import Kind, PrincipalElement, PrincipalValue, classify
from ostiary.policy.validation import (
    INVALID_JSON_MESSAGES,
    Phase,
    Problem,
    as_list,
    check_document,
    first_problem,
    scalar_text,
    statements_of,
)
from ostiary.policy.variables import parse_template, resource_part_start


class _Decoded:
    def __init__(self) -> None:
        self.duplicates: list[str] = []

    def pairs(self, items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                self.duplicates.append(key)
            out[key] = value
        return out


def decode(document: str) -> tuple[Any, list[str]]:
    """Decode JSON keeping decimals exact; returns the value and the repeated object keys.

    Raises `ValueError` when the text is not JSON."""
    state = _Decoded()
    value = wire.decode_json(document, object_pairs_hook=state.pairs, parse_float=Decimal)
    return value, state.duplicates


def check_policy(document: str, kind: PolicyKind, *, managed: bool = False) -> tuple[Problem, ...]:
    """Every write-time problem of a document, in IAM's reporting order (empty when valid)."""
    try:
        doc, duplicates = decode(document)
    except ValueError:
        return (Problem(Phase.JSON, "", INVALID_JSON_MESSAGES[kind]),)
    problems = check_document(doc, kind, duplicates, managed=managed)
    ranked = sorted(enumerate(problems), key=lambda item: (item[1].phase, item[0]))
    return tuple(problem for _, problem in ranked)


def parse_policy(
    document: str,
    kind: PolicyKind,
    *,
    policy_id: str = "",
    arn: str | None = None,
    principal_ids: Mapping[str, str] | None = None,
    managed: bool = False,
) -> Policy:
    """Parse, check and compile a policy document.

    Raises `MalformedPolicyDocument` with IAM's message for the first problem. `principal_ids`
    maps principal ARNs named in a resource or trust policy to the unique ID the user or role had
    when the policy was saved: such an ARN then matches only that entity (IAM User Guide, "AWS JSON
    policy elements: Principal", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
    `managed=True` applies the rules of CreatePolicy / CreatePolicyVersion (Version 2012-10-17
    required); stored managed policies parse without it.
    """
    try:
        doc, duplicates = decode(document)
    except ValueError:
        raise MalformedPolicyDocument(INVALID_JSON_MESSAGES[kind]) from None
    problem = first_problem(check_document(doc, kind, duplicates, managed=managed))
    if problem is not None:
        raise MalformedPolicyDocument(problem.message)
    version_given = "Version" in doc
    version = doc["Version"] if version_given else VERSION_2008
    variables = version == VERSION_2012
    spans = statement_spans(document)
    statements = tuple(
        _statement(i, raw, spans[i] if i < len(spans) else None, variables, principal_ids or {})
        for i, (_, raw) in enumerate(statements_of(doc))
    )
    return Policy(
        text=document,
        kind=kind,
        policy_id=policy_id,
        arn=arn,
        version=version,
        statements=statements,
        id=doc.get("Id"),
        version_given=version_given,
    )


def _statement(
    index: int, raw: Mapping[str, Any], span: Span | None, variables: bool, principal_ids: Mapping[str, str]
) -> Statement:
    action_key = "Action" if "Action" in raw else "NotAction"
    patterns = tuple(as_list(raw[action_key]))
    action = ActionElement(patterns, action_key == "NotAction", tuple(compile_glob(p.lower()) for p in patterns))
    resource = None
    if "Resource" in raw or "NotResource" in raw:
        resource_key = "Resource" if "Resource" in raw else "NotResource"
        resource = _resource(tuple(as_list(raw[resource_key])), resource_key == "NotResource", variables)
    principal = None
    if "Principal" in raw or "NotPrincipal" in raw:
        principal_key = "Principal" if "Principal" in raw else "NotPrincipal"
        principal = _principal(raw[principal_key], principal_key == "NotPrincipal", principal_ids)
    return Statement(
        index=index,
        sid=raw.get("Sid"),
        effect=StatementEffect(raw["Effect"]),
        action=action,
        resource=resource,
        principal=principal,
        conditions=_conditions(raw.get("Condition", {}), variables),
        span=span,
    )


def _resource(patterns: tuple[str, ...], negated: bool, variables: bool) -> ResourceElement:
    entries = []
    for pattern in patterns:
        template = parse_template(pattern, start=resource_part_start(pattern)) if variables else None
        if template is None:
            entries.append(ResourceEntry(compile_glob(pattern, arn=True)))
        else:
            entries.append(ResourceEntry(None, template, template.literal_prefix))
    return ResourceElement(patterns, negated, tuple(entries))


def _principal(raw: Any, negated: bool, principal_ids: Mapping[str, str]) -> PrincipalElement:
    if raw == "*":
        return PrincipalElement((PrincipalValue("*", "*", Kind.ANYONE),), negated)
    values: list[PrincipalValue] = []
    for type_, items in raw.items():
        for item in as_list(items):
            value = classify(type_, item, principal_ids)
            if value is None:  # validation rejects it first; never compile a principal that matches nothing
                raise MalformedPolicyDocument(f'Invalid principal in policy: "{type_}":"{item}"')
            values.append(value)
    return PrincipalElement(tuple(values), negated)


def _conditions(block: Mapping[str, Any], variables: bool) -> tuple[Clause, ...]:
    clauses: list[Clause] = []
    for operator_text, pairs in block.items():
        name = parse_operator_name(operator_text)
        if name is None:
            continue  # an unknown operator with an empty block; validation refused any other
        for key, raw_values in pairs.items():
            values = tuple(scalar_text(v) for v in as_list(raw_values))
            clauses.append(compile_clause(operator_text, name, key, values, variables=variables))
    return tuple(clauses)
