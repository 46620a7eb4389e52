"""The condition keys every request carries: global and principal keys.

This is the ``(request, principal) → context`` table (docs/condition-keys.md) for the keys
that do not depend on the operation (sources below). Operation keys
(``s3:prefix``, ``sts:ExternalId``, ``iam:PolicyARN``, ``aws:RequestTag/…``)
are added by the handler that knows them.

| key | present when | value |
|---|---|---|
| aws:CurrentTime, aws:EpochTime | always | request time, ISO 8601 / epoch seconds |
| aws:SourceIp | always | the client address |
| aws:SecureTransport | always | ``true`` over TLS |
| aws:UserAgent, aws:Referer | the header was sent | header value |
| aws:RequestedRegion | always | the region the request was signed for (``us-east-1`` for IAM) |
| aws:ViaAWSService, aws:PrincipalIsAWSService | signed requests | ``false``: no AWS service acts for anyone here |
| aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid | signed requests | per kind of caller (below) |
| aws:username | IAM users (and their GetSessionToken sessions) | the user name |
| aws:PrincipalTag/<k> | the user's or role's tags, overlaid by session tags | tag value |
| aws:TokenIssueTime | temporary credentials only | session issue time |
| aws:MultiFactorAuthPresent | temporary credentials only | ``true`` / ``false`` |
| aws:MultiFactorAuthAge | sessions minted with MFA | seconds since then |
| aws:SourceIdentity | sessions with a source identity | the value |
| aws:FederatedProvider | web-identity and SAML sessions | the provider ARN |
| <provider>:<claim> | web-identity and SAML sessions | the token's claims (``…:sub``, ``…:aud``) |

Sources: IAM User Guide, "AWS global condition context keys",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html; the values per kind
of caller: IAM User Guide, "IAM policy elements: Variables and tags", principal table,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from ostiary.api import RequestInfo
from ostiary.caller import Caller, CallerKind

Keys = dict[str, tuple[str, ...]]


def iso8601(value: dt.datetime, *, milliseconds: bool = False) -> str:
    utc = value.astimezone(dt.UTC)
    if milliseconds:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def request_keys(info: RequestInfo, now: dt.datetime, service: str) -> Keys:
    keys: Keys = {
        "aws:currenttime": (iso8601(now),),
        "aws:epochtime": (str(int(now.timestamp())),),
        "aws:sourceip": (info.source_ip,),
        "aws:securetransport": ("true" if info.secure_transport else "false",),
        # IAM is a global service: AWS authorizes it as us-east-1 whatever the client signed.
        "aws:requestedregion": ("us-east-1" if service == "iam" or not info.region else info.region,),
    }
    if info.user_agent is not None:
        keys["aws:useragent"] = (info.user_agent,)
    if info.referer is not None:
        keys["aws:referer"] = (info.referer,)
    return keys


def principal_keys(caller: Caller, tags: Iterable[tuple[str, str]], now: dt.datetime) -> Keys:
    """Keys that describe the caller; `tags` are the user's or role's own tags."""
    if caller.kind is CallerKind.ANONYMOUS:
        return {}
    principal = caller.principal
    keys: Keys = {
        "aws:principalarn": (principal.principal_arn,),
        "aws:principalaccount": (caller.account,),
        "aws:principaltype": (principal.type.value,),
        "aws:userid": (caller.user_id,),
        "aws:viaawsservice": ("false",),
        "aws:principalisawsservice": ("false",),
    }
    if caller.user_name is not None:
        keys["aws:username"] = (caller.user_name,)
    merged: dict[str, tuple[str, str]] = {key.lower(): (key, value) for key, value in tags}
    session = caller.session
    if session is not None:
        # Session tags override the role's tags with the same key (case-insensitively).
        merged.update({key.lower(): (key, value) for key, value in session.tags})
        issued = dt.datetime.fromtimestamp(session.issued_at, dt.UTC)
        keys["aws:tokenissuetime"] = (iso8601(issued, milliseconds=True),)
        keys["aws:multifactorauthpresent"] = ("true" if session.mfa_authenticated else "false",)
        if session.mfa_authenticated:
            keys["aws:multifactorauthage"] = (str(max(0, int(now.timestamp() - session.issued_at))),)
        if session.source_identity is not None:
            keys["aws:sourceidentity"] = (session.source_identity,)
        if session.federated_provider is not None:
            keys["aws:federatedprovider"] = (session.federated_provider,)
        for name, value in session.federated_claims:
            keys[name.lower()] = (value,)
    for lowered, (_key, value) in merged.items():
        keys[f"aws:principaltag/{lowered}"] = (value,)
    return keys


def operation_keys(keys: Mapping[str, tuple[str, ...]] | None) -> Keys:
    """A handler's keys, with names lower-cased as the engine indexes them."""
    return {} if not keys else {name.lower(): tuple(values) for name, values in keys.items()}


def tag_request_keys(tags: Iterable[tuple[str, str]]) -> Keys:
    """``aws:RequestTag/<k>`` and ``aws:TagKeys`` for a call that carries tags."""
    pairs = list(tags)
    keys: Keys = {f"aws:RequestTag/{key}": (value,) for key, value in pairs}
    keys["aws:TagKeys"] = tuple(key for key, _ in pairs)
    return keys
