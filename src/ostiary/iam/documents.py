"""Checking policy documents before IAM stores them, with the same parser that evaluates them.

- Identity policies (managed, inline, boundaries) are parsed as
  `PolicyKind.IDENTITY`, trust policies as `PolicyKind.TRUST`; the parser
  raises MalformedPolicyDocument with AWS's message.
- Sizes do not count whitespace; `policy_size` measures them (IAM User Guide,
  "IAM and AWS STS quotas", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
- Trust policy principals that name a user or role of an account hosted here
  are resolved to the entity's unique ID when the policy is saved: a principal
  naming an entity that does not exist is refused with ``Invalid principal in
  policy``; the IDs are stored so that a re-created entity with the same name is
  not trusted until the policy is saved again (IAM User Guide, "AWS JSON policy
  elements: Principal", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from ostiary import limits
from ostiary.arn import Arn, ArnError
from ostiary.iam import messages
from ostiary.policy import PolicyKind, parse_policy, policy_size
from ostiary.store.principals import get_account, get_role, get_user


def check_managed_policy(document: str) -> None:
    """A customer managed policy version: valid (Version 2012-10-17 required), at most 6,144 characters."""
    parse_policy(document, PolicyKind.IDENTITY, managed=True)
    if policy_size(document) > limits.MANAGED_POLICY_MAX_CHARS:
        raise messages.quota("PolicySize", limits.MANAGED_POLICY_MAX_CHARS)


def check_inline_policy(document: str) -> int:
    """An inline policy: valid; returns its size for the per-entity aggregate quota."""
    parse_policy(document, PolicyKind.IDENTITY)
    return policy_size(document)


def inline_size(document: str) -> int:
    """The size an inline policy counts toward its entity's aggregate quota."""
    return policy_size(document)


def check_trust_policy(conn: Connection, document: str) -> dict[str, str]:
    """A role trust policy: valid, within ``ACLSizePerRole``, naming only entities that exist.

    Returns the principal ARN → unique ID map to store with the role.
    """
    parse_policy(document, PolicyKind.TRUST)
    if policy_size(document) > limits.TRUST_POLICY_MAX_CHARS:
        raise messages.quota("ACLSizePerRole", limits.TRUST_POLICY_MAX_CHARS)
    resolved: dict[str, str] = {}
    for value in _aws_principals(json.loads(document)):
        unique_id = _resolve(conn, value)
        if unique_id is not None:
            resolved[value] = unique_id
    return resolved


def _aws_principals(document: Any) -> Iterator[str]:
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        for element in ("Principal", "NotPrincipal"):
            principal = statement.get(element)
            if not isinstance(principal, dict):
                continue
            values = principal.get("AWS", [])
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, str):
                    yield value


def _resolve(conn: Connection, value: str) -> str | None:
    """The unique ID of the user or role an ``AWS`` principal ARN names, when its account is hosted here."""
    try:
        arn = Arn.parse(value)
    except ArnError:
        return None  # "*", account IDs and other forms name no single entity
    kind = arn.resource_type
    if arn.service != "iam" or kind not in ("user", "role") or get_account(conn, arn.account) is None:
        return None
    name = arn.resource_name
    path = arn.resource[len(kind) : len(arn.resource) - len(name)]
    if kind == "user":
        user = get_user(conn, arn.account, name)
        if user is not None and user.path == path:
            return user.user_id
    else:
        role = get_role(conn, arn.account, name)
        if role is not None and role.path == path:
            return role.role_id
    raise messages.invalid_principal("AWS", value)
