"""AssumeRole (STS API Reference, "AssumeRole", https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html;
IAM User Guide, "Cross-account policy evaluation logic",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).

The trust policy is a resource-based policy that must always allow; in the
same account a trust policy naming the caller suffices, one naming the account
also needs the caller's identity policy, and across accounts both sides must
allow. Passing tags also needs ``sts:TagSession``, a source identity
``sts:SetSourceIdentity``, both decided by the same trust policy.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Final

from ostiary import limits
from ostiary.api import Call, Operation
from ostiary.arn import ACCOUNT_ID, Arn, ArnError
from ostiary.errors import AccessDenied, ValidationError
from ostiary.model import EntityKind, Role, Tag
from ostiary.policy import Policy, PolicyKind, parse_policy
from ostiary.protocol import params as p
from ostiary.request_context import tag_request_keys
from ostiary.store.principals import get_role
from ostiary.store.tags import list_tags
from ostiary.sts.credentials import (
    ARN_PATTERN,
    POLICY_ARNS,
    POLICY_PATTERN,
    SERIAL_NUMBER,
    TAG_KEY,
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

SESSION_NAME_PATTERN: Final = r"[\w+=,.@-]*"
MFA_FAILED: Final = "MultiFactorAuthentication failed with invalid MFA one time pass code. "

PARAMS: Final = (
    p.string("RoleArn", required=True, min=20, max=2048, pattern=ARN_PATTERN),
    p.string("RoleSessionName", required=True, min=2, max=64, pattern=SESSION_NAME_PATTERN),
    POLICY_ARNS,
    p.string("Policy", min=1, pattern=POLICY_PATTERN),
    p.integer("DurationSeconds", min=900, max=43200),
    TAGS,
    p.string_list("TransitiveTagKeys", TAG_KEY, max=50),
    p.string("ExternalId", min=2, max=1224, pattern=r"[\w+=,.@:\/-]*"),
    SERIAL_NUMBER,
    TOKEN_CODE,
    p.string("SourceIdentity", min=2, max=256, pattern=r"[\w+=,.@-]*"),
    p.struct_list(
        "ProvidedContexts",
        p.string("ProviderArn", min=20, max=2048, pattern=ARN_PATTERN),
        p.string("ContextAssertion", min=4, max=3072),
        min=1,
        max=5,
    ),
    p.integer("MinimumSessionTokenSize", min=0, max=4096),
)


@lru_cache(maxsize=4096)
def trust_policy(document: str, principal_ids_json: str) -> Policy:
    """The compiled trust policy; keyed by its text and the principal IDs resolved when it was saved."""
    return parse_policy(
        document, PolicyKind.TRUST, policy_id="trust-policy", principal_ids=json.loads(principal_ids_json)
    )


def parse_role_arn(text: str) -> tuple[str, str, str]:
    """(account, path, name) of a role ARN; ValidationError "<arn> is invalid" as STS answers."""
    try:
        arn = Arn.parse(text)
    except ArnError as exc:
        raise ValidationError(f"{text} is invalid") from exc
    if arn.service != "iam" or not ACCOUNT_ID.fullmatch(arn.account) or not arn.resource.startswith("role/"):
        raise ValidationError(f"{text} is invalid")
    name = arn.resource_name
    path = arn.resource[len("role") : len(arn.resource) - len(name)]
    if not name:
        raise ValidationError(f"{text} is invalid")
    return arn.account, path, name


def _find_role(call: Call, account: str, path: str, name: str) -> tuple[Role | None, tuple[Tag, ...]]:
    """The role the ARN names, with its tags (the ``aws:ResourceTag`` / ``iam:ResourceTag`` of AssumeRole)."""

    def load() -> tuple[Role | None, tuple[Tag, ...]]:
        with call.store.read() as conn:
            found = get_role(conn, account, name)
            tags = tuple(list_tags(conn, EntityKind.ROLE, found.role_id)) if found is not None else ()
        return found, tags

    role, tags = call.store.cache("roles").get((account, name.lower()), load)
    # "Role names are case sensitive when you assume a role" (IAM User Guide, troubleshoot_roles).
    if role is None or role.name != name or role.path != path:
        return None, ()
    return role, tags


def assume_role(call: Call) -> dict[str, Any]:
    params = call.params
    caller = call.caller
    if caller.is_root:
        raise AccessDenied("Roles may not be assumed by root accounts.")
    account, path, name = parse_role_arn(params["RoleArn"])
    session_name: str = params["RoleSessionName"]
    policies = session_policies(params, account)
    tags = session_tags(params)
    transitive = tuple(params.get("TransitiveTagKeys", ()))
    source_identity: str | None = params.get("SourceIdentity")
    if source_identity is not None and source_identity.lower().startswith("aws:"):
        raise ValidationError("SourceIdentity cannot begin with the prefix 'aws:'")
    requested = {key.lower() for key, _ in tags}
    for key in transitive:
        if key.lower() not in requested:
            raise ValidationError(f"Transitive tag key {key} is not one of the session tags passed in the request.")

    # Role chaining: the calling session's transitive tags and source identity go on (IAM User Guide,
    # "Roles terms and concepts", https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html;
    # "Pass session tags in AWS STS", Chaining roles with session tags,
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-chaining;
    # "Monitor and control actions taken with assumed roles",
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html).
    parent = caller.session
    inherited: tuple[tuple[str, str], ...] = ()
    if parent is not None:
        keep = {k.lower() for k in parent.transitive_tag_keys}
        inherited = tuple((k, v) for k, v in parent.tags if k.lower() in keep)
        clash = sorted(k for k, _ in inherited if k.lower() in requested)
        if clash:
            raise ValidationError(
                "Cannot overwrite transitive tags inherited from the calling session: " + ", ".join(clash)
            )
        if parent.source_identity is not None:
            if source_identity is not None and source_identity != parent.source_identity:
                raise ValidationError("The source identity of a role chain cannot be changed.")
            source_identity = parent.source_identity

    role, role_tags = _find_role(call, account, path, name)
    resource = role.arn if role is not None else params["RoleArn"]
    trust = (trust_policy(role.trust_policy, json.dumps(role.trust_principal_ids, sort_keys=True)),) if role else ()
    keys: dict[str, tuple[str, ...]] = {"sts:RoleSessionName": (session_name,)}
    if "DurationSeconds" in params:
        keys["sts:DurationSeconds"] = (str(params["DurationSeconds"]),)
    if "ExternalId" in params:
        keys["sts:ExternalId"] = (params["ExternalId"],)
    if source_identity is not None:
        keys["sts:SourceIdentity"] = (source_identity,)
    if transitive:
        keys["sts:TransitiveTagKeys"] = transitive
    if tags:
        keys.update(tag_request_keys(tags))
    # The role is the resource: its tags are aws:ResourceTag/<k> and iam:ResourceTag/<k> (Service
    # Authorization Reference, AWS STS: AssumeRole supports both).
    for tag in role_tags:
        keys[f"aws:ResourceTag/{tag.key}"] = (tag.value,)
        keys[f"iam:ResourceTag/{tag.key}"] = (tag.value,)

    def check(action: str) -> None:
        call.authorize(
            action, resource, resource_account=account, keys=keys, resource_policies=trust, resource_required=True
        )

    check("sts:AssumeRole")
    if tags or transitive:
        check("sts:TagSession")
    if "SourceIdentity" in params:
        check("sts:SetSourceIdentity")
    if role is None:  # no trust policy, so `check` refused already; never mint for a missing role
        raise AccessDenied(f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {resource}")
    if "SerialNumber" in params or "TokenCode" in params:
        # ostiary keeps no MFA devices, so no one-time code can be valid.
        raise AccessDenied(MFA_FAILED)

    duration: int = params.get("DurationSeconds", limits.ROLE_SESSION_DEFAULT_SECONDS)
    chained = caller.is_temporary
    if chained and duration > limits.ROLE_CHAINING_MAX_SECONDS:
        raise ValidationError(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
        )
    if duration > role.max_session_duration:
        raise ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")

    packed = packed_policy_size(policies, tags)
    issued = issue_time(call.now)
    claims = SessionClaims(
        access_key_id=new_session_key_id(call, role.account_id),
        account=role.account_id,
        kind=SessionKind.ROLE,
        principal_id=role.role_id,
        principal_arn=role.arn,
        principal_name=role.name,
        issued_at=issued,
        expires_at=expiry(issued, duration),
        session_name=session_name,
        session_policy=policies.inline,
        policy_arns=policies.arns,
        tags=inherited + tags,
        transitive_tag_keys=tuple(k for k, _ in inherited) + transitive,
        source_identity=source_identity,
        chained=chained,
        source_access_key_id=caller.access_key_id,
    )
    minted = mint(call, claims)
    call.store.usage.role_used(role.role_id, call.now, call.request.region or "us-east-1")
    result: dict[str, Any] = {
        "Credentials": minted.credentials(),
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role.role_id}:{session_name}",
            "Arn": f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{session_name}",
        },
        "PackedPolicySize": packed,
        "SourceIdentity": source_identity,
    }
    return result


OPERATIONS: Final = (Operation("AssumeRole", PARAMS, assume_role),)
