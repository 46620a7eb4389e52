"""GetSessionToken and GetFederationToken: sessions for long-term credentials.

- GetSessionToken needs no permission; an IAM user gets 900–129,600 s (43,200
  by default), the root user at most 3,600 s, longer requests being cut to one
  hour (STS API Reference, GetSessionToken, DurationSeconds).
- GetFederationToken needs ``sts:GetFederationToken``; the federated user's
  permissions are the user's identity policies ∩ the session policies, and no
  session policy means no permissions (STS API Reference, "GetFederationToken",
  https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html).
- Neither may be called with session credentials: "Cannot call GetSessionToken
  with session credentials" (AccessDenied, seen in public SDK output).
"""

from __future__ import annotations

from typing import Any, Final

from ostiary import limits
from ostiary.api import Call, Operation
from ostiary.arn import federated_user_arn
from ostiary.errors import AccessDenied
from ostiary.protocol import params as p
from ostiary.request_context import tag_request_keys
from ostiary.sts.assume_role import MFA_FAILED
from ostiary.sts.credentials import (
    POLICY_ARNS,
    POLICY_PATTERN,
    SERIAL_NUMBER,
    TAGS,
    TOKEN_CODE,
    expiry,
    issue_time,
    mint,
    new_session_key_id,
    packed_policy_size,
    session_policies,
    session_tags,
)
from ostiary.tokens import SessionClaims, SessionKind

SESSION_TOKEN_PARAMS: Final = (
    p.integer("DurationSeconds", min=900, max=129600),
    SERIAL_NUMBER,
    TOKEN_CODE,
    p.integer("MinimumSessionTokenSize", min=0, max=4096),
)

FEDERATION_TOKEN_PARAMS: Final = (
    p.string("Name", required=True, min=2, max=32, pattern=r"[\w+=,.@-]*"),
    p.string("Policy", min=1, max=2048, pattern=POLICY_PATTERN),
    POLICY_ARNS,
    p.integer("DurationSeconds", min=900, max=129600),
    TAGS,
    p.integer("MinimumSessionTokenSize", min=0, max=4096),
)


def _duration(call: Call) -> int:
    if call.caller.is_root:
        # "If the duration is longer than one hour, the session for AWS account owners defaults to one hour."
        requested = int(call.params.get("DurationSeconds", limits.ROOT_SESSION_MAX_SECONDS))
        return min(requested, limits.ROOT_SESSION_MAX_SECONDS)
    return int(call.params.get("DurationSeconds", limits.USER_SESSION_DEFAULT_SECONDS))


def _refuse_session_credentials(call: Call, operation: str) -> None:
    if call.caller.is_temporary:
        raise AccessDenied(f"Cannot call {operation} with session credentials")


def get_session_token(call: Call) -> dict[str, Any]:
    _refuse_session_credentials(call, "GetSessionToken")
    if "SerialNumber" in call.params or "TokenCode" in call.params:
        raise AccessDenied(MFA_FAILED)
    caller = call.caller
    issued = issue_time(call.now)
    kind = SessionKind.ROOT if caller.is_root else SessionKind.USER
    claims = SessionClaims(
        access_key_id=new_session_key_id(call, caller.account),
        account=caller.account,
        kind=kind,
        principal_id=caller.entity_id or caller.account,
        principal_arn=caller.arn,
        principal_name=caller.entity_name or "",
        issued_at=issued,
        expires_at=expiry(issued, _duration(call)),
        source_access_key_id=caller.access_key_id,
    )
    return {"Credentials": mint(call, claims).credentials()}


def get_federation_token(call: Call) -> dict[str, Any]:
    _refuse_session_credentials(call, "GetFederationToken")
    caller = call.caller
    name: str = call.params["Name"]
    policies = session_policies(call.params, caller.account)
    tags = session_tags(call.params)
    arn = federated_user_arn(caller.account, name)
    call.authorize("sts:GetFederationToken", arn, keys=tag_request_keys(tags) if tags else None)
    if tags:
        call.authorize("sts:TagSession", arn, keys=tag_request_keys(tags))
    packed = packed_policy_size(policies, tags)
    issued = issue_time(call.now)
    claims = SessionClaims(
        access_key_id=new_session_key_id(call, caller.account),
        account=caller.account,
        kind=SessionKind.FEDERATED_USER,
        principal_id=caller.entity_id or caller.account,
        principal_arn=caller.arn,
        principal_name=caller.entity_name or "",
        issued_at=issued,
        expires_at=expiry(issued, _duration(call)),
        session_name=name,
        session_policy=policies.inline,
        policy_arns=policies.arns,
        tags=tags,
        source_access_key_id=caller.access_key_id,
    )
    return {
        "Credentials": mint(call, claims).credentials(),
        "FederatedUser": {"FederatedUserId": f"{caller.account}:{name}", "Arn": arn},
        "PackedPolicySize": packed,
    }


OPERATIONS: Final = (
    Operation("GetSessionToken", SESSION_TOKEN_PARAMS, get_session_token),
    Operation("GetFederationToken", FEDERATION_TOKEN_PARAMS, get_federation_token),
)
