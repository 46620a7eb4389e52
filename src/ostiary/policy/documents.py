"""Questions about a policy document itself: its size against IAM quotas, the keys it reads."""

from __future__ import annotations

from ostiary.policy.ast import Policy


def policy_size(document: str) -> int:
    """The characters that count toward IAM's policy size quotas.

    `reference_iam-quotas`: "IAM doesn't count white space when calculating the size of a policy
    against these quotas." Whitespace between JSON tokens is not counted; characters inside JSON
    strings, spaces included, are (AWS does not say which whitespace it means; unverified). The
    text is counted as written, escapes included.
    """
    size = 0
    in_string = escaped = False
    for ch in document:
        if in_string:
            size += 1
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch in " \t\r\n":
            continue
        else:
            size += 1
            in_string = ch == '"'
    return size


def context_keys(policy: Policy) -> tuple[str, ...]:
    """The condition keys and policy variables a policy reads, in first-seen order.

    What `iam:GetContextKeysForCustomPolicy` / `GetContextKeysForPrincipalPolicy` return:
    condition keys (case-insensitively de-duplicated, as first written) and the keys named by
    policy variables in `Resource`/`NotResource` and condition values.
    """
    seen: set[str] = set()
    keys: list[str] = []

    def add(key: str) -> None:
        if key.lower() not in seen:
            seen.add(key.lower())
            keys.append(key)

    for statement in policy.statements:
        if statement.resource is not None:
            for template in statement.resource.templates:
                for key in template.keys if template is not None else ():
                    add(key)
        for clause in statement.conditions:
            add(clause.key)
            for key in clause.variable_keys:
                add(key)
    return tuple(keys)
