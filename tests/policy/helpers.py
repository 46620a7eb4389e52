"""Builders shared by the policy tests: principals, request contexts, policies from dicts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ostiary.policy import (
    Policy,
    PolicyKind,
    PrincipalInfo,
    PrincipalType,
    RequestContext,
    parse_policy,
)

ACCOUNT = "111122223333"
OTHER = "444455556666"
V12 = "2012-10-17"

ALICE = PrincipalInfo(
    arn=f"arn:aws:iam::{ACCOUNT}:user/alice",
    account=ACCOUNT,
    type=PrincipalType.USER,
    unique_id="AIDAALICEXXXXXXXXXXXX",
)
SESSION = PrincipalInfo(
    arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/s1",
    account=ACCOUNT,
    type=PrincipalType.ASSUMED_ROLE,
    unique_id="AROADEPLOYXXXXXXXXXXX:s1",
    role_arn=f"arn:aws:iam::{ACCOUNT}:role/ops/deploy",
)
FEDERATED = PrincipalInfo(
    arn=f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
    account=ACCOUNT,
    type=PrincipalType.FEDERATED_USER,
    unique_id=f"{ACCOUNT}:bob",
    parent_user_arn=f"arn:aws:iam::{ACCOUNT}:user/alice",
    parent_user_id="AIDAALICEXXXXXXXXXXXX",
)
ROOT = PrincipalInfo(arn=f"arn:aws:iam::{ACCOUNT}:root", account=ACCOUNT, type=PrincipalType.ACCOUNT, unique_id=ACCOUNT)
STRANGER = PrincipalInfo(
    arn=f"arn:aws:iam::{OTHER}:user/carol", account=OTHER, type=PrincipalType.USER, unique_id="AIDACAROLXXXXXXXXXXXX"
)
WEB = PrincipalInfo(
    arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/web/app",
    account="",
    type=PrincipalType.WEB_IDENTITY,
    unique_id="web",
    federated_provider="accounts.google.com",
)
SERVICE = PrincipalInfo(
    arn="ec2.amazonaws.com", account="", type=PrincipalType.USER, unique_id="svc", service="ec2.amazonaws.com"
)


def doc(*statements: Mapping[str, Any], version: str | None = V12, **top: Any) -> str:
    body: dict[str, Any] = {}
    if version is not None:
        body["Version"] = version
    body.update(top)
    body["Statement"] = list(statements)
    return json.dumps(body)


def stmt(effect: str = "Allow", action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect}
    if action is not None:
        out["Action"] = action
    if resource is not None:
        out["Resource"] = resource
    out.update(extra)
    return out


def identity(*statements: Mapping[str, Any], policy_id: str = "id", arn: str | None = None) -> Policy:
    return parse_policy(doc(*statements), PolicyKind.IDENTITY, policy_id=policy_id, arn=arn)


def resource_policy(*statements: Mapping[str, Any], policy_id: str = "bucket", **kw: Any) -> Policy:
    return parse_policy(doc(*statements), PolicyKind.RESOURCE, policy_id=policy_id, **kw)


def trust(*statements: Mapping[str, Any], policy_id: str = "trust", **kw: Any) -> Policy:
    return parse_policy(doc(*statements), PolicyKind.TRUST, policy_id=policy_id, **kw)


def request(
    principal: PrincipalInfo = ALICE,
    action: str = "s3:GetObject",
    resource: str = "arn:aws:s3:::bucket/key",
    resource_account: str | None = ACCOUNT,
    keys: Mapping[str, str | tuple[str, ...] | list[str]] | None = None,
) -> RequestContext:
    """A request; condition keys by their real names (a string is one value)."""
    values = {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in (keys or {}).items()}
    return RequestContext(principal, action, resource, resource_account, values)
