"""Lint: warnings about policies IAM accepts but that probably do not do what their author meant.

A separate pass for CreatePolicy-time advice and the CLI's ``policy check``; never on the
authorization path. Messages follow the project style: lower case, no final period, user input in
backticks. Each check cites the AWS page whose advice it repeats.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

from ostiary.policy.ast import VERSION_2012, Policy, Statement, StatementEffect
from ostiary.policy.conditions import Qualifier
from ostiary.policy.variables import parse_template

# Global keys documented as single-valued (reference_policies_condition-keys).
SINGLE_VALUED_KEYS: Final = frozenset(
    {
        "aws:username",
        "aws:userid",
        "aws:sourceip",
        "aws:securetransport",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:currenttime",
        "aws:epochtime",
        "aws:tokenissuetime",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:requestedregion",
        "aws:sourceidentity",
        "aws:useragent",
        "aws:referer",
    }
)


@dataclass(frozen=True, slots=True)
class Finding:
    path: str  # Statement[i] or Statement[i].Condition.<operator>
    message: str


def _path(statement: Statement) -> str:
    return f"Statement[{statement.index}]"


def _broad_allow(policy: Policy) -> Iterator[Finding]:
    # reference_policies_elements_notaction / _notresource / _notprincipal: "Allow" with a Not…
    # element grants everything except what it lists.
    for s in policy.statements:
        if s.effect is not StatementEffect.ALLOW:
            continue
        if s.action.negated:
            yield Finding(_path(s), "`Allow` with `NotAction` allows every action it does not list")
        if s.resource is not None and s.resource.negated:
            yield Finding(_path(s), "`Allow` with `NotResource` allows every resource it does not list")
        if s.principal is not None and s.principal.negated:
            yield Finding(_path(s), "`Allow` with `NotPrincipal` grants everyone else, anonymous callers included")


def _set_qualifiers(policy: Policy) -> Iterator[Finding]:
    # reference_policies_condition-single-vs-multi-valued-context-keys: "Do not use ForAllValues
    # or ForAnyValue with single-valued context keys"; "Use caution if you use ForAllValues with
    # an Allow effect ... if the context key is missing".
    for s in policy.statements:
        null_checked = {c.key.lower() for c in s.conditions if c.name.operator.name == "Null"}
        for c in s.conditions:
            where = f"{_path(s)}.Condition.{c.operator_text}"
            if c.name.qualifier is not Qualifier.NONE and c.key.lower() in SINGLE_VALUED_KEYS:
                yield Finding(where, f"`{c.key}` is single-valued: a set qualifier can make the condition too broad")
            allow_forall = s.effect is StatementEffect.ALLOW and c.name.qualifier is Qualifier.FOR_ALL_VALUES
            if allow_forall and c.key.lower() not in null_checked:
                yield Finding(where, f"`ForAllValues` holds when `{c.key}` is missing; add a `Null` check")


def _unreadable_values(policy: Policy) -> Iterator[Finding]:
    # reference_policies_elements_condition_operators: values must fit the operator's type. IAM
    # accepts them anyway; such a value never matches.
    for s in policy.statements:
        for c in s.conditions:
            for value, operand, template in zip(c.values, c.operands, c.templates, strict=True):
                if operand is None and template is None and c.name.operator.name != "Null":
                    yield Finding(
                        f"{_path(s)}.Condition.{c.operator_text}",
                        f"`{value}` cannot be read by `{c.name.operator.name}` and never matches",
                    )


def _literal_variables(policy: Policy) -> Iterator[Finding]:
    # reference_policies_variables: variables need Version 2012-10-17 and, in Resource, appear
    # only after the fifth colon; elsewhere `${…}` is plain text.
    for s in policy.statements:
        if s.resource is None:
            continue
        for pattern, template in zip(s.resource.patterns, s.resource.templates, strict=True):
            if template is not None or parse_template(pattern) is None:
                continue
            why = "before Version 2012-10-17" if policy.version != VERSION_2012 else "before the fifth colon"
            yield Finding(f"{_path(s)}.Resource", f"`{pattern}` holds a variable {why}: it is literal text")


def _repeated(policy: Policy) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for s in policy.statements:
        body = s.to_dict()
        body.pop("Sid", None)
        key = json.dumps(body, sort_keys=True)
        if key in seen:
            yield Finding(_path(s), f"repeats Statement[{seen[key]}]")
        seen.setdefault(key, s.index)


CHECKS: Final[tuple[Callable[[Policy], Iterator[Finding]], ...]] = (
    _broad_allow,
    _set_qualifiers,
    _unreadable_values,
    _literal_variables,
    _repeated,
)


def lint_policy(policy: Policy) -> tuple[Finding, ...]:
    """Warnings about a parsed policy, in check order."""
    return tuple(finding for check in CHECKS for finding in check(policy))
