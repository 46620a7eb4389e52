"""Principal values: which forms IAM accepts, and how each covers each kind of caller."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ostiary.policy import PrincipalInfo, PrincipalMatch, PrincipalType
from ostiary.policy.principals import PrincipalElement, classify, match_element

from .helpers import ACCOUNT, ALICE, FEDERATED, OTHER, ROOT, SERVICE, SESSION, STRANGER, WEB

ANON = PrincipalInfo(arn="anonymous", account="", type=PrincipalType.ANONYMOUS, unique_id="anonymous")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ops/deploy"

E, P, A, N = PrincipalMatch.EXACT, PrincipalMatch.PARENT, PrincipalMatch.ACCOUNT, PrincipalMatch.NONE

# (type, value, caller, expected match)
MATCHES = [
    ("*", "*", ALICE, E),
    ("*", "*", ANON, E),
    ("*", "*", WEB, E),
    ("AWS", "*", ANON, E),
    ("AWS", "*", STRANGER, E),
    ("AWS", "*", WEB, N),  # {"AWS": "*"} covers AWS identities, not web-identity callers
    ("AWS", ACCOUNT, ALICE, A),
    ("AWS", f"arn:aws:iam::{ACCOUNT}:root", SESSION, A),
    ("AWS", f"arn:aws:iam::{ACCOUNT}:root", ROOT, A),
    ("AWS", ACCOUNT, STRANGER, N),
    ("AWS", ACCOUNT, ANON, N),
    ("AWS", f"arn:aws:iam::{ACCOUNT}:user/alice", ALICE, E),
    ("AWS", f"arn:aws:iam::{ACCOUNT}:user/Alice", ALICE, N),  # user names in ARNs are case-sensitive
    ("AWS", f"arn:aws:iam::{ACCOUNT}:user/alice", FEDERATED, P),  # the user who federated
    ("AWS", ROLE, SESSION, P),  # a role ARN covers its sessions, capped
    ("AWS", f"arn:aws:iam::{ACCOUNT}:role/deploy", SESSION, N),  # the role ARN has a path
    ("AWS", f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/s1", SESSION, E),
    ("AWS", f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/s2", SESSION, N),
    ("AWS", f"arn:aws:sts::{ACCOUNT}:federated-user/bob", FEDERATED, E),
    ("AWS", "AIDAALICEXXXXXXXXXXXX", ALICE, E),  # a saved unique ID shown for a deleted entity
    ("AWS", "AROADEPLOYXXXXXXXXXXX", SESSION, P),
    ("Federated", "accounts.google.com", WEB, E),
    ("Federated", "graph.facebook.com", WEB, N),
    ("Service", "ec2.amazonaws.com", SERVICE, E),
    ("Service", "ec2.amazonaws.com", ALICE, N),
]


@pytest.mark.parametrize(("type_", "value", "caller", "expected"), MATCHES)
def test_match(type_: str, value: str, caller: PrincipalInfo, expected: PrincipalMatch) -> None:
    principal = classify(type_ if type_ != "*" else "AWS", value, {})
    assert principal is not None
    if type_ == "*":
        principal = type(principal)("*", "*", principal.kind)
    assert match_element(PrincipalElement((principal,), False), caller, deny=False) is expected


def test_saved_unique_ids_pin_the_entity() -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
    kept = classify("AWS", arn, {arn: "AIDAALICEXXXXXXXXXXXX"})
    recreated = classify("AWS", arn, {arn: "AIDAOLDALICEXXXXXXXXX"})
    assert kept is not None and recreated is not None
    assert match_element(PrincipalElement((kept,), False), ALICE, deny=False) is E
    assert match_element(PrincipalElement((recreated,), False), ALICE, deny=False) is N
    role = classify("AWS", ROLE, {ROLE: "AROAOLDROLEXXXXXXXXXX"})
    assert role is not None
    assert match_element(PrincipalElement((role,), False), SESSION, deny=False) is N


def not_principal(*values: str) -> PrincipalElement:
    classified = [classify("AWS", v, {}) for v in values]
    assert all(classified)
    return PrincipalElement(tuple(v for v in classified if v is not None), True)


@pytest.mark.parametrize(
    ("values", "caller", "deny_applies", "allow_applies"),
    [
        # reference_policies_elements_notprincipal, "IAM user in the same or a different account"
        ((STRANGER.arn, f"arn:aws:iam::{OTHER}:root"), STRANGER, False, False),
        ((STRANGER.arn, f"arn:aws:iam::{OTHER}:root"), ALICE, True, True),
        # without the account, the account link is not spared ("might ... deny access to the account")
        ((STRANGER.arn,), STRANGER, True, False),
        # "IAM role in the same or different account": session, role and account
        ((SESSION.arn, ROLE, f"arn:aws:iam::{ACCOUNT}:root"), SESSION, False, False),
        ((f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/other", ROLE, ACCOUNT), SESSION, True, False),
        ((ROLE, ACCOUNT), SESSION, True, False),
        ((ACCOUNT,), ROOT, False, False),
        ((ACCOUNT,), ANON, True, True),
        (("*",), ANON, False, False),
    ],
)
def test_not_principal(values: tuple[str, ...], caller: PrincipalInfo, deny_applies: bool, allow_applies: bool) -> None:
    element = not_principal(*values)
    assert (match_element(element, caller, deny=True) is E) is deny_applies
    assert (match_element(element, caller, deny=False) is E) is allow_applies


def test_not_principal_deny_always_hits_principals_with_a_boundary() -> None:
    # "The NotPrincipal element with a Deny effect will always deny any IAM principal that has a
    # permissions boundary policy attached" (access_policies_boundaries)
    element = not_principal(STRANGER.arn, f"arn:aws:iam::{OTHER}:root")
    bounded = replace(STRANGER, has_boundary=True)
    assert match_element(element, bounded, deny=True) is E
    assert match_element(element, bounded, deny=False) is N


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("AWS", "arn:aws:iam::111122223333:user/*"),  # no wildcards inside principal ARNs
        ("AWS", "arn:aws:iam::*:root"),
        ("AWS", "arn:aws:iam::111122223333:group/devs"),  # groups are not principals
        ("AWS", "arn:aws:iam::111122223333:policy/p"),
        ("AWS", "arn:aws:sts::111122223333:user/alice"),  # wrong service for the resource type
        ("AWS", "arn:aws:iam::111122223333:assumed-role/r/s"),
        ("AWS", "11112222333"),  # eleven digits
        ("AWS", "alice"),
        ("Service", "*"),  # "The service principal in an IAM policy can't be "Service": "*""
        ("Service", "ec2"),
        ("Federated", "example.com"),
        ("Federated", "arn:aws:iam::111122223333:user/x"),
        ("CanonicalUser", "abc"),
        ("User", "alice"),
    ],
)
def test_rejected_values(type_: str, value: str) -> None:
    assert classify(type_, value, {}) is None
