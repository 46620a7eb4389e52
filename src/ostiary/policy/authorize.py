"""Combine identity-based, resource-based, boundary and session policies into one decision.

Theory of operation. Sources: `reference_policies_evaluation-logic_policy-eval-denyallow` (the
enforcement-code walk, including its same-account table of principal types),
`reference_policies_evaluation-logic-cross-account`, `access_policies_boundaries`,
`access_policies_session` and `reference_policies_elements_principal`.

1. ``sts:GetCallerIdentity`` is always allowed ("No permissions are required to perform this
   operation", STS API Reference, "GetCallerIdentity",
   https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
2. Explicit deny: an applicable Deny in any policy (identity-based, resource-based, boundary,
   session) decides. Resource-based Deny statements apply to every caller their principal covers,
   account-level entries included; ``NotPrincipal`` + ``Deny`` always covers a user or role that
   has a boundary (`access_policies_boundaries`).
3. Callers with no identity side — anonymous (S3), web-identity and SAML callers (trust
   policies), service principals — are allowed only by a resource-based grant.
4. Everyone else has an identity side ``I ∧ B ∧ S``: some identity-based statement allows (the
   root user: always, "all requests are implicitly denied with the exception of the AWS account
   root user, which has full access", and so a GetFederationToken session that root minted), the
   boundary (if any) allows, the session policies (if the
   caller carries any; an empty set never allows) allow. How a resource-based grant combines
   with it depends on how its principal names the caller (`principals.PrincipalMatch`):

   | Resource-based Allow names…                                   | Same account                 | Cross-account |
   |---------------------------------------------------------------|------------------------------|---------------|
   | the caller itself: user ARN, role-session ARN, federated-user  | allow: "an implicit deny in  | grant ∧ I ∧ B ∧ S |
   | ARN, ``*`` / ``{"AWS": "*"}``, NotPrincipal                    | an identity-based policy, a  |               |
   |                                                               | permissions boundary, or a   |               |
   |                                                               | session policy does not      |               |
   |                                                               | impact the final decision"   |               |
   | a parent: the role ARN of a role session, the IAM user behind  | B ∧ S: "limited by an        | grant ∧ I ∧ B ∧ S |
   | a federated-user session                                      | implicit deny in a           |               |
   |                                                               | permissions boundary or      |               |
   |                                                               | session policy"              |               |
   | the account (ID, ``:root``, canonical user)                    | I ∧ B ∧ S: "delegates        | grant ∧ I ∧ B ∧ S |
   |                                                               | authority to the account"    |               |
   | nothing                                                       | I ∧ B ∧ S (trust: deny)      | deny          |

   Role trust policies (`PolicySet.resource_required`) "must explicitly allow access for
   principals" even in the same account: without a grant the answer is deny; a grant that names
   the caller suffices, except that the caller's permissions boundary must still allow ("If a
   permissions boundary is set for the user, then it must allow the sts:AssumeRole action",
   id_roles_update-role-trust-policy); one that names the account needs the identity side as well.

The type named in an implicit deny. "If multiple policy types deny an authorization request, AWS includes only
one of those policy types in the error message" (IAM User Guide, "Troubleshoot access denied error messages",
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html); which one is not documented. Ours:

- no resource-based grant where one is needed (cross-account, trust policy, callers with no
  identity side): resource-based policy;
- otherwise the first failing gate of the path that was open: for a parent grant the boundary,
  then the session policy; else identity-based, then boundary, then session policy. So "identity
  allows but the boundary does not" names the boundary, and "nothing allows" names
  identity-based policies.

For an explicit deny the named type is the first of identity-based, resource-based, boundary,
session that holds an applicable Deny, and the ARN of a denying policy of that type (the smallest,
if several have one) is carried for the ": <policy-arn>" suffix. The deciding statements are every
applicable Deny (explicit deny), or the Allow statements of the path that granted access (allow),
or none (implicit deny).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ostiary.policy.ast import Policy
from ostiary.policy.context import PrincipalInfo, PrincipalType, RequestContext
from ostiary.policy.decision import Decision, Effect, PolicyType, StatementRef
from ostiary.policy.evaluate import Sink, StatementMatch, scan, unique
from ostiary.policy.principals import PrincipalMatch

ALWAYS_ALLOWED: Final = frozenset({"sts:getcalleridentity"})
DENY_NAMING_ORDER: Final = (PolicyType.IDENTITY, PolicyType.RESOURCE, PolicyType.BOUNDARY, PolicyType.SESSION)
_NO_IDENTITY_SIDE: Final = frozenset({PrincipalType.ANONYMOUS, PrincipalType.WEB_IDENTITY, PrincipalType.SAML})


@dataclass(frozen=True)
class PolicySet:
    """Everything that applies to one request."""

    identity: tuple[Policy, ...] = ()  # the user's inline + managed + its groups', or the role's
    resource: tuple[Policy, ...] = ()  # the bucket policy, or the role trust policy
    boundary: Policy | None = None
    # None: the caller carries no session policy. (): a session whose session policy set is empty
    # and must allow (GetFederationToken without a policy grants nothing).
    session: tuple[Policy, ...] | None = None
    resource_required: bool = False  # role trust policies: the resource side must always allow


def _scan_all(policies: tuple[Policy, ...], ctx: RequestContext, action: str, kind: PolicyType) -> Sink:
    sink = Sink()
    for policy in policies:
        scan(policy, ctx, action, kind, sink)
    return sink


def _refs(matches: list[StatementMatch]) -> tuple[StatementRef, ...]:
    return tuple(m.ref for m in matches)


def _best(matches: list[StatementMatch]) -> PrincipalMatch:
    best = PrincipalMatch.NONE
    for match in matches:
        if match.principal_match.value > best.value:
            best = match.principal_match
    return best


def _acts_as_root(who: PrincipalInfo) -> bool:
    """The root user, and a federated user whose session root minted: "the AWS account root user ... has full
    access" (reference_policies_evaluation-logic_policy-eval-denyallow), so its identity side always allows and
    a GetFederationToken session of root has exactly its session policy's permissions."""
    if who.type is PrincipalType.ACCOUNT:
        return True
    return who.type is PrincipalType.FEDERATED_USER and who.parent_user_arn == f"arn:aws:iam::{who.account}:root"


def authorize(ctx: RequestContext, policies: PolicySet) -> Decision:
    """Decide one request by AWS's evaluation logic (see the module docstring)."""
    action = ctx.action.lower()
    if action in ALWAYS_ALLOWED:
        return Decision(Effect.ALLOW)
    identity = _scan_all(policies.identity, ctx, action, PolicyType.IDENTITY)
    resource = _scan_all(policies.resource, ctx, action, PolicyType.RESOURCE)
    boundary = None
    if policies.boundary is not None:
        boundary = _scan_all((policies.boundary,), ctx, action, PolicyType.BOUNDARY)
    session = None
    if policies.session is not None:
        session = _scan_all(policies.session, ctx, action, PolicyType.SESSION)
    sinks = [(PolicyType.IDENTITY, identity), (PolicyType.RESOURCE, resource)]
    if boundary is not None:
        sinks.append((PolicyType.BOUNDARY, boundary))
    if session is not None:
        sinks.append((PolicyType.SESSION, session))
    missing = unique([key for _, sink in sinks for key in sink.missing])
    errors = tuple(ref for _, sink in sinks for ref in sink.errors)

    denies = [m for _, sink in sinks for m in sink.denies]  # DENY_NAMING_ORDER is the order of `sinks`
    if denies:
        named = denies[0].ref.policy_type
        # The smallest ARN among the named type's denying policies: the same whatever the order in
        # which the policies were attached.
        arns = sorted(m.policy_arn for m in denies if m.ref.policy_type is named and m.policy_arn)
        return Decision(Effect.EXPLICIT_DENY, _refs(denies), named, arns[0] if arns else None, errors, missing)

    def decide(effect: Effect, deciding: list[StatementMatch], denied_by: PolicyType | None = None) -> Decision:
        return Decision(effect, _refs(deciding), denied_by, None, errors, missing)

    grant = _best(resource.allows)
    grants = [m for m in resource.allows if m.principal_match is grant]
    who = ctx.principal
    if who.type in _NO_IDENTITY_SIDE or who.service is not None:
        if grant is not PrincipalMatch.NONE:
            return decide(Effect.ALLOW, grants)
        return decide(Effect.IMPLICIT_DENY, [], PolicyType.RESOURCE)

    identity_ok = _acts_as_root(who) or bool(identity.allows)
    boundary_ok = boundary is None or bool(boundary.allows)
    session_ok = session is None or bool(session.allows)
    caps = (boundary.allows if boundary else []) + (session.allows if session else [])
    if not identity_ok:
        first_failing: PolicyType | None = PolicyType.IDENTITY
    elif not boundary_ok:
        first_failing = PolicyType.BOUNDARY
    elif not session_ok:
        first_failing = PolicyType.SESSION
    else:
        first_failing = None

    if ctx.is_cross_account:
        if grant is PrincipalMatch.NONE:
            return decide(Effect.IMPLICIT_DENY, [], PolicyType.RESOURCE)
        if first_failing is None:
            return decide(Effect.ALLOW, grants + identity.allows + caps)
        return decide(Effect.IMPLICIT_DENY, [], first_failing)

    if grant is PrincipalMatch.EXACT:
        # "If a user is listed as the principal in a role's trust policy but cannot assume the role, check
        # the user's permissions boundary. If a permissions boundary is set for the user, then it must allow
        # the sts:AssumeRole action." (IAM User Guide, id_roles_update-role-trust-policy, Notes)
        if policies.resource_required and not boundary_ok:
            return decide(Effect.IMPLICIT_DENY, [], PolicyType.BOUNDARY)
        return decide(Effect.ALLOW, grants)
    if grant is PrincipalMatch.PARENT:
        if boundary_ok and session_ok:
            return decide(Effect.ALLOW, grants + caps)
        return decide(Effect.IMPLICIT_DENY, [], PolicyType.BOUNDARY if not boundary_ok else PolicyType.SESSION)
    if grant is PrincipalMatch.NONE and policies.resource_required:
        return decide(Effect.IMPLICIT_DENY, [], PolicyType.RESOURCE)
    if first_failing is None:
        return decide(Effect.ALLOW, grants + identity.allows + caps)
    return decide(Effect.IMPLICIT_DENY, [], first_failing)
