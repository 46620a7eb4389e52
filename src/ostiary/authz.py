"""The authorizer: the shell around the policy engine.

For one request it gathers the caller's policy set (identity policies of the
user and its groups or of the role, the permissions boundary, the session
policies), the request's condition keys, and the resource-based policies the
handler passes, asks `ostiary.policy.authorize`, and raises AccessDenied with
AWS's message when the answer is no.

Caching (docs/design.md, "Caches and their invalidation"): compiled policies are kept by the exact
text they were compiled from (managed policies by ARN and version, inline ones
by owner, name and update time), and each principal's compiled policy set is
kept until the store's write generation changes. Once warm, deciding a request
touches no database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from ostiary.api import Authorizer, RequestInfo
from ostiary.arn import root_arn
from ostiary.caller import Caller, CallerKind
from ostiary.errors import AccessDenied, InternalFailure
from ostiary.model import EntityKind
from ostiary.policy import Policy, PolicyKind, PolicySet, access_denied_message, authorize, parse_policy
from ostiary.policy.context import RequestContext
from ostiary.policy.decision import Decision, Effect, PolicyType
from ostiary.request_context import operation_keys, principal_keys, request_keys
from ostiary.store import Store
from ostiary.store.cache import GenerationCache
from ostiary.store.policies import PolicySource, identity_sources, managed_policy_document
from ostiary.store.principals import get_role_by_id, get_user_by_id
from ostiary.store.schema import tags as tags_table
from ostiary.tokens import SessionKind

_COMPILED_MAX = 20_000


@dataclass(frozen=True, slots=True)
class PrincipalPolicies:
    """What the store says about one user or role, compiled."""

    exists: bool
    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    tags: tuple[tuple[str, str], ...] = ()


_MISSING = PrincipalPolicies(exists=False)
_ROOT = PrincipalPolicies(exists=True)


def _minted_by_root(caller: Caller) -> bool:
    """A GetFederationToken session the account's root minted: no IAM user stands behind it."""
    session = caller.session
    return session is not None and session.principal_arn == root_arn(caller.account)


class PolicyCache:
    """Compiled policies by cache key (bounded, least recently used out first)."""

    def __init__(self, limit: int = _COMPILED_MAX) -> None:
        self._items: OrderedDict[str, Policy] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit

    def compile(self, cache_key: str, document: str, kind: PolicyKind, policy_id: str, arn: str | None) -> Policy:
        key = f"{kind.value}|{cache_key}"
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        policy = parse_policy(document, kind, policy_id=policy_id, arn=arn)
        with self._lock:
            self._items[key] = policy
            if len(self._items) > self._limit:
                self._items.popitem(last=False)
        return policy

    def source(self, source: PolicySource) -> Policy:
        return self.compile(source.cache_key, source.document, PolicyKind.IDENTITY, source.policy_id, source.arn)


class Authorization:
    """Per-process authorization state: the policy caches. `bind` makes a request's `Authorizer`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.policies = PolicyCache()
        self._principals: GenerationCache[tuple[str, str], PrincipalPolicies] = GenerationCache(store)

    def principal_policies(self, kind: EntityKind, entity_id: str) -> PrincipalPolicies:
        """A user's or role's compiled policies and tags, read once per write generation."""

        def load() -> PrincipalPolicies:
            with self.store.read() as conn:
                return self._load(conn, kind, entity_id)

        return self._principals.get((kind.value, entity_id), load)

    def _load(self, conn: Connection, kind: EntityKind, entity_id: str) -> PrincipalPolicies:
        if kind is EntityKind.USER:
            user = get_user_by_id(conn, entity_id)
            if user is None:
                return _MISSING
            name, boundary_arn = user.name, user.boundary_arn
        else:
            role = get_role_by_id(conn, entity_id)
            if role is None:
                return _MISSING
            name, boundary_arn = role.name, role.boundary_arn
        identity = tuple(self._compile(s) for s in identity_sources(conn, kind, entity_id, name))
        boundary = None
        if boundary_arn is not None:
            source = managed_policy_document(conn, boundary_arn)
            # A boundary whose policy is gone allows nothing: an empty policy denies implicitly.
            boundary = self._compile(source) if source is not None else self._empty(boundary_arn)
        rows = conn.execute(
            select(tags_table.c.key, tags_table.c.value)
            .where(tags_table.c.entity_kind == kind.value, tags_table.c.entity_id == entity_id)
            .order_by(tags_table.c.position)
        )
        return PrincipalPolicies(True, identity, boundary, tuple((r.key, r.value) for r in rows))

    def _compile(self, source: PolicySource) -> Policy:
        try:
            return self.policies.source(source)
        except Exception as exc:  # a stored policy the engine cannot read: fail closed, loudly
            raise InternalFailure() from exc

    def _empty(self, arn: str) -> Policy:
        return self.policies.compile(
            f"empty|{arn}", '{"Version":"2012-10-17","Statement":[]}', PolicyKind.IDENTITY, arn, arn
        )

    def session_policies(self, caller: Caller) -> tuple[Policy, ...] | None:
        """The session policies a session carries, None when it carries none."""
        session = caller.session
        if session is None:
            return None
        if not session.session_policy and not session.policy_arns:
            # GetFederationToken without a session policy grants nothing: "If you do not pass a policy to this
            # operation, the resulting federated user session has no permissions" (STS API Reference,
            # "GetFederationToken", https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html).
            return () if session.kind is SessionKind.FEDERATED_USER else None
        compiled: list[Policy] = []
        if session.session_policy:
            digest = hashlib.sha256(session.session_policy.encode("utf-8")).hexdigest()
            compiled.append(
                self.policies.compile(
                    f"session|{digest}", session.session_policy, PolicyKind.IDENTITY, "session-policy", None
                )
            )
        if session.policy_arns:
            with self.store.read() as conn:
                for arn in session.policy_arns:
                    # Managed session policies come from the session's own account or AWS's (STS checked
                    # this when minting; a foreign ARN reads as a policy that allows nothing).
                    owner = arn.split(":")[4] if arn.count(":") >= 5 else ""
                    source = managed_policy_document(conn, arn) if owner in (session.account, "aws") else None
                    compiled.append(self._compile(source) if source is not None else self._empty(arn))
        return tuple(compiled)

    def caller_policy_set(self, caller: Caller) -> tuple[PrincipalPolicies, PolicySet]:
        """The identity side of the caller's policy set (resource policies come per request).

        For callers backed by a user or role, `PrincipalPolicies.exists` says whether that user or role
        still exists: the sessions of a deleted role or user are denied everything (docs/design.md, "The request
        path").
        """
        if caller.kind is CallerKind.ANONYMOUS:
            return _MISSING, PolicySet()
        if caller.is_root or caller.entity_id is None or _minted_by_root(caller):
            return _ROOT, PolicySet(session=self.session_policies(caller))
        kind = EntityKind.ROLE if caller.kind is CallerKind.ROLE_SESSION else EntityKind.USER
        principal = self.principal_policies(kind, caller.entity_id)
        return principal, PolicySet(
            identity=principal.identity, boundary=principal.boundary, session=self.session_policies(caller)
        )

    def bind(self, caller: Caller, info: RequestInfo, now: dt.datetime, service: str) -> Authorizer:
        return BoundAuthorizer(self, caller, info, now, service)


class BoundAuthorizer:
    """`ostiary.api.Authorizer` for one request."""

    def __init__(self, authz: Authorization, caller: Caller, info: RequestInfo, now: dt.datetime, service: str):
        self._authz = authz
        self._caller = caller
        self._info = info
        self._service = service
        self._now = now
        self._principal: tuple[PrincipalPolicies, PolicySet] | None = None

    def _identity_side(self) -> tuple[PrincipalPolicies, PolicySet]:
        if self._principal is None:
            self._principal = self._authz.caller_policy_set(self._caller)
        return self._principal

    def context(
        self, action: str, resource: str, resource_account: str | None, keys: Mapping[str, tuple[str, ...]] | None
    ) -> RequestContext:
        principal, _ = self._identity_side()
        merged = request_keys(self._info, self._now, self._service)
        merged.update(principal_keys(self._caller, principal.tags, self._now))
        merged.update(operation_keys(keys))
        who = self._caller.principal
        if principal.boundary is not None and not who.has_boundary:
            # Sessions of a bounded role or user: "a Deny with NotPrincipal" covers them too.
            who = dataclasses.replace(who, has_boundary=True)
        return RequestContext(
            principal=who,
            action=action,
            resource=resource,
            resource_account=resource_account,
            keys=merged,
        )

    def __call__(
        self,
        action: str,
        resource: str = "*",
        *,
        resource_account: str | None = None,
        keys: Mapping[str, tuple[str, ...]] | None = None,
        resource_display: str | None = None,
        resource_policies: Sequence[Policy] = (),
        resource_required: bool = False,
    ) -> Decision:
        ctx = self.context(action, resource, resource_account, keys)
        principal, identity = self._identity_side()
        if not principal.exists and self._caller.kind is not CallerKind.ANONYMOUS:
            # The user or role behind these credentials was deleted: nothing is allowed, not even what a
            # resource-based policy grants to the old session. A user or role created again under the same name
            # gets a new unique ID, so its sessions are new ones (IAM User Guide, "IAM identifiers",
            # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids).
            decision = Decision(Effect.IMPLICIT_DENY, denied_by=PolicyType.IDENTITY)
            raise AccessDenied(self.message(ctx, decision, resource_display))
        policy_set = PolicySet(
            identity=identity.identity,
            resource=tuple(resource_policies),
            boundary=identity.boundary,
            session=identity.session,
            resource_required=resource_required,
        )
        decision = authorize(ctx, policy_set)
        if not decision.allowed:
            raise AccessDenied(self.message(ctx, decision, resource_display))
        return decision

    def message(self, ctx: RequestContext, decision: Decision, resource_display: str | None) -> str:
        service = ctx.action.split(":", 1)[0].lower()
        # S3 gives the detailed message only to callers of the bucket owner's account or organization (Amazon S3
        # User Guide, "Troubleshoot access denied (403 Forbidden) errors in Amazon S3",
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html); there are no
        # organizations here.
        if service == "s3" and (ctx.is_cross_account or self._caller.kind is CallerKind.ANONYMOUS):
            return "Access Denied"
        # AssumeRole denials come without the reason clause (seen in public AWS CLI output).
        with_reason = ctx.action.lower() != "sts:assumerole"
        return access_denied_message(ctx, decision, resource_display=resource_display, with_reason=with_reason)
