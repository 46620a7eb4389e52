"""The policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy,
GetContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy.

Theory of operation. The simulator asks the same engine that authorizes real
requests (`ostiary.policy.authorize`) the question "may this principal do
this action on this resource, with these condition keys?", once per action
and resource, and reports the decision the way IAM does:

- ``EvalDecision`` is ``allowed``, ``explicitDeny`` or ``implicitDeny``;
- ``MatchedStatements`` are the statements that decided (the denying
  statements of an explicit deny, the allowing ones of an allow, none for an
  implicit deny), each with its policy, and the position of the statement in
  that policy's text;
- ``MissingContextValues`` are the condition keys the policies read that the
  request did not supply; the simulator supplies only the ``ContextEntries``
  given, no global keys (IAM User Guide, "Testing IAM policies with the IAM
  policy simulator");
- ``PermissionsBoundaryDecisionDetail`` appears when a boundary is in play,
  ``OrganizationsDecisionDetail`` when service control policies are given.

Policy identifiers and types follow recorded AWS output (public CLI output of
simulate-principal-policy): ``SourcePolicyType`` is ``IAM Policy`` and
``SourcePolicyId`` is the managed policy's name, ``PolicyInputList.N`` for a
policy passed in, and ``role_<role>_<policy>`` for an inline policy (likewise
``user_`` and ``group_``). Resource policies are reported as ``Resource Policy``
with the id ``ResourcePolicy`` (unverified).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ostiary.api import Call, Operation, Result
from ostiary.arn import Arn, ArnError
from ostiary.errors import InvalidInput, MalformedPolicyDocument
from ostiary.iam import messages
from ostiary.iam import params as p
from ostiary.iam.common import account_of, paginate, policy_name_of
from ostiary.model import EntityKind
from ostiary.policy import (
    Decision,
    Effect,
    Policy,
    PolicyKind,
    PolicySet,
    PolicyType,
    PrincipalInfo,
    PrincipalType,
    RequestContext,
    authorize,
    context_keys,
    evaluate,
    parse_policy,
)
from ostiary.protocol.params import Param, string, string_list, struct_list
from ostiary.store import policies, principals
from ostiary.store.policies import managed_policy_document

IDENTITY_TYPE = "IAM Policy"
RESOURCE_TYPE = "Resource Policy"


@dataclass(frozen=True, slots=True)
class Subject:
    """Whose policies are simulated, and as whom the requests are made."""

    principal: PrincipalInfo
    identity: tuple[Policy, ...]
    boundary: Policy | None


def _parse(document: str, kind: PolicyKind, policy_id: str) -> Policy:
    """An input document; a malformed one is the caller's mistake (InvalidInput, as modeled)."""
    try:
        return parse_policy(document, kind, policy_id=policy_id)
    except MalformedPolicyDocument as exc:
        raise InvalidInput(exc.text) from exc


def _stored(document: str, policy_id: str, arn: str | None = None) -> Policy:
    return parse_policy(document, PolicyKind.IDENTITY, policy_id=policy_id, arn=arn)


def _inputs(documents: Sequence[str] | None, prefix: str) -> list[Policy]:
    return [_parse(d, PolicyKind.IDENTITY, f"{prefix}.{i}") for i, d in enumerate(documents or (), start=1)]


@dataclass(frozen=True, slots=True)
class Exclusions:
    """PolicyExclusionList: each entry names one policy (by ARN, or inline by owner and name) or a
    whole type of policy (``inline``, ``aws-managed``, ``user-managed``, ``permission-boundary``)."""

    arns: frozenset[str]
    inline: frozenset[str]
    types: frozenset[str]

    def drops_managed(self, arn: str) -> bool:
        kind = "aws-managed" if arn.startswith("arn:aws:iam::aws:") else "user-managed"
        return arn in self.arns or kind in self.types


def _excluded(call: Call) -> Exclusions:
    arns: set[str] = set()
    inline: set[str] = set()
    types: set[str] = set()
    for item in call.params.get("PolicyExclusionList") or ():
        if item.get("PolicyArn"):
            arns.add(item["PolicyArn"])
        if item.get("PolicyType"):
            types.add(item["PolicyType"])
        name = item.get("InlinePolicyIdentifier.PolicyName")
        owner_kind = item.get("InlinePolicyIdentifier.AttachmentType")
        owner = item.get("InlinePolicyIdentifier.AttachmentName")
        if name and owner_kind and owner:
            inline.add(f"{owner_kind}_{owner}_{name}")
    return Exclusions(frozenset(arns), frozenset(inline), frozenset(types))


def _entity_policies(call: Call, kind: EntityKind, entity_id: str, owner: str) -> list[Policy]:
    """The inline and attached managed policies of one user, group or role, as the simulator names them."""
    excluded = _excluded(call)
    found: list[Policy] = []
    with call.store.read() as conn:
        for inline in policies.list_inline_policies(conn, kind, entity_id):
            policy_id = f"{kind.value}_{owner}_{inline.name}"
            if policy_id not in excluded.inline and "inline" not in excluded.types:
                found.append(_stored(inline.document, policy_id))
        for arn in policies.attached_policy_arns(conn, kind, entity_id):
            source = managed_policy_document(conn, arn)
            if source is not None and not excluded.drops_managed(arn):
                found.append(_stored(source.document, policy_name_of(arn), arn))
    return found


def _boundary(call: Call, arn: str | None) -> Policy | None:
    if arn is None or "permission-boundary" in _excluded(call).types:
        return None
    with call.store.read() as conn:
        source = managed_policy_document(conn, arn)
    document = source.document if source is not None else '{"Version":"2012-10-17","Statement":[]}'
    return _stored(document, policy_name_of(arn), arn)


def _source(call: Call, source_arn: str, action: str) -> Subject:
    """The user (with its groups), group or role that PolicySourceArn names, after authorizing."""
    account = account_of(call)
    try:
        arn = Arn.parse(source_arn)
    except ArnError as exc:
        raise InvalidInput(f"Invalid ARN: {source_arn}") from exc
    kind, name = arn.resource_type, arn.resource_name
    if arn.service != "iam" or kind not in ("user", "group", "role"):
        raise InvalidInput(f"Invalid ARN: {source_arn}")
    call.authorize(action, source_arn)
    with call.store.read() as conn:
        user = principals.get_user(conn, account, name) if kind == "user" and arn.account == account else None
        group = principals.get_group(conn, account, name) if kind == "group" and arn.account == account else None
        role = principals.get_role(conn, account, name) if kind == "role" and arn.account == account else None
        # The entity must be the one the ARN names, path and all: the caller was authorized on that ARN.
        user = user if user is not None and user.arn == source_arn else None
        group = group if group is not None and group.arn == source_arn else None
        role = role if role is not None and role.arn == source_arn else None
        user_groups = principals.user_groups(conn, user.user_id) if user is not None else []
    if user is not None:
        identity = _entity_policies(call, EntityKind.USER, user.user_id, user.name)
        for member_of in user_groups:
            identity += _entity_policies(call, EntityKind.GROUP, member_of.group_id, member_of.name)
        principal = PrincipalInfo(user.arn, account, PrincipalType.USER, user.user_id)
        return Subject(principal, tuple(identity), _boundary(call, user.boundary_arn))
    if group is not None:
        principal = PrincipalInfo(group.arn, account, PrincipalType.USER, group.group_id)
        return Subject(principal, tuple(_entity_policies(call, EntityKind.GROUP, group.group_id, group.name)), None)
    if role is not None:
        session = f"arn:aws:sts::{account}:assumed-role/{role.name}/simulation"
        principal = PrincipalInfo(session, account, PrincipalType.ASSUMED_ROLE, role.role_id, role_arn=role.arn)
        identity = _entity_policies(call, EntityKind.ROLE, role.role_id, role.name)
        return Subject(principal, tuple(identity), _boundary(call, role.boundary_arn))
    raise messages.no_such_entity(kind, name)


def _caller(call: Call, caller_arn: str | None, default: PrincipalInfo) -> PrincipalInfo:
    """CallerArn: the IAM user the simulated requests come from (IAM API reference, CallerArn)."""
    if caller_arn is None:
        return default
    try:
        arn = Arn.parse(caller_arn)
    except ArnError as exc:
        raise InvalidInput(f"Invalid ARN: {caller_arn}") from exc
    if arn.service != "iam" or arn.resource_type != "user":
        raise InvalidInput("CallerArn must be the ARN of an IAM user.")
    account = account_of(call)
    if arn.account != account:
        raise InvalidInput("CallerArn must be the ARN of an IAM user in your account.")
    with call.store.read() as conn:
        user = principals.get_user(conn, account, arn.resource_name)
    unique_id = user.user_id if user is not None and user.arn == caller_arn else account
    return PrincipalInfo(caller_arn, account, PrincipalType.USER, unique_id)


def _context_keys(entries: Iterable[Mapping[str, Any]] | None) -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {}
    for entry in entries or ():
        name = entry.get("ContextKeyName")
        if name:
            keys[name.lower()] = tuple(entry.get("ContextKeyValues") or ())
    return keys


def _owner_account(owner: str | None) -> str | None:
    if owner is None:
        return None
    try:
        return Arn.parse(owner).account
    except ArnError:
        return owner  # a bare account ID


def _statement_member(policy: Policy, index: int, resource: bool) -> dict[str, Any]:
    member: dict[str, Any] = {
        "SourcePolicyId": policy.policy_id,
        "SourcePolicyType": RESOURCE_TYPE if resource else IDENTITY_TYPE,
    }
    span = policy.statements[index].span
    if span is not None:
        member["StartPosition"] = {"Line": span.start.line, "Column": span.start.column}
        member["EndPosition"] = {"Line": span.end.line, "Column": span.end.column}
    return member


def _matched(decision: Decision, by_id: Mapping[str, Policy]) -> list[dict[str, Any]]:
    matched = []
    for ref in decision.deciding:
        if ref.policy_type is PolicyType.BOUNDARY:
            continue  # reported in PermissionsBoundaryDecisionDetail
        policy = by_id.get(ref.policy_id)
        if policy is not None:
            matched.append(_statement_member(policy, ref.index, ref.policy_type is PolicyType.RESOURCE))
    return matched


def _organizations(scps: Sequence[Sequence[Policy]], ctx: RequestContext) -> tuple[bool, list[Any]]:
    """Service control policies, level by level from the root: every level must allow, none deny."""
    for level in scps:
        evaluations = [evaluate(policy, ctx) for policy in level]
        denies = [(e.policy, m.ref.index) for e in evaluations for m in e.denies]
        if denies or not any(e.allowed for e in evaluations):
            return False, denies
    return True, []


def _simulate(call: Call, subject: Subject, *, scps: Sequence[Sequence[Policy]] = ()) -> Result:
    account = account_of(call)
    identity = list(subject.identity) + _inputs(call.params.get("PolicyInputList"), "PolicyInputList")
    boundaries = _inputs(call.params.get("PermissionsBoundaryPolicyInputList"), "PermissionsBoundaryPolicyInputList")
    boundary = boundaries[0] if boundaries else subject.boundary
    resource_text: str | None = call.params.get("ResourcePolicy")
    resource_policies = (_parse(resource_text, PolicyKind.RESOURCE, "ResourcePolicy"),) if resource_text else ()
    principal = _caller(call, call.params.get("CallerArn"), subject.principal)
    resource_account = _owner_account(call.params.get("ResourceOwner"))
    if resource_account == account:
        resource_account = None
    keys = _context_keys(call.params.get("ContextEntries"))
    by_id = {x.policy_id: x for x in (*identity, *resource_policies)}
    policy_set = PolicySet(identity=tuple(identity), resource=resource_policies, boundary=boundary)
    resources: list[str] = call.params.get("ResourceArns") or []
    results = []
    for action in call.params["ActionNames"]:
        for resource in resources or ["*"]:
            ctx = RequestContext(principal, action, resource, resource_account, keys)
            decision = authorize(ctx, policy_set)
            effect = decision.effect
            matched = _matched(decision, by_id)
            allowed_by_orgs, scp_denies = _organizations(scps, ctx)
            if effect is Effect.ALLOW and not allowed_by_orgs:
                effect = Effect.EXPLICIT_DENY if scp_denies else Effect.IMPLICIT_DENY
                matched = [_statement_member(policy, index, False) for policy, index in scp_denies]
            result: dict[str, Any] = {
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": effect.value,
                "MatchedStatements": matched,
                "MissingContextValues": list(decision.missing_keys),
            }
            if scps:
                result["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": allowed_by_orgs}
            if boundary is not None:
                allowed_by_boundary = bool(evaluate(boundary, ctx, policy_type=PolicyType.BOUNDARY).allows)
                result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": allowed_by_boundary}
            if resources:
                specific = {
                    "EvalResourceName": resource,
                    "EvalResourceDecision": result["EvalDecision"],
                    "MatchedStatements": result["MatchedStatements"],
                    "MissingContextValues": result["MissingContextValues"],
                    "PermissionsBoundaryDecisionDetail": result.get("PermissionsBoundaryDecisionDetail"),
                }
                result["ResourceSpecificResults"] = [specific]
            results.append(result)
    page, more = paginate(call, results)
    return {"EvaluationResults": page, **more}


def simulate_principal_policy(call: Call) -> Result:
    return _simulate(call, _source(call, call.params["PolicySourceArn"], "iam:SimulatePrincipalPolicy"))


def simulate_custom_policy(call: Call) -> Result:
    call.authorize("iam:SimulateCustomPolicy")
    account = account_of(call)
    nobody = PrincipalInfo(f"arn:aws:iam::{account}:root", account, PrincipalType.USER, account)
    scps = [
        _inputs(level.get("ServiceControlPolicyInputList"), f"OrderedOrganizationPolicyInputList.{n}")
        for n, level in enumerate(call.params.get("OrderedOrganizationPolicyInputList") or (), start=1)
    ]
    return _simulate(call, Subject(nobody, (), None), scps=scps)


def _key_names(documents: Iterable[Policy]) -> list[str]:
    seen: set[str] = set()
    names: list[str] = []
    for policy in documents:
        for key in context_keys(policy):
            if key.lower() not in seen:
                seen.add(key.lower())
                names.append(key)
    return names


def get_context_keys_for_principal_policy(call: Call) -> Result:
    source_arn: str = call.params["PolicySourceArn"]
    subject = _source(call, source_arn, "iam:GetContextKeysForPrincipalPolicy")
    found = [*subject.identity, *_inputs(call.params.get("PolicyInputList"), "PolicyInputList")]
    return {"ContextKeyNames": _key_names(found)}


def get_context_keys_for_custom_policy(call: Call) -> Result:
    call.authorize("iam:GetContextKeysForCustomPolicy")
    return {"ContextKeyNames": _key_names(_inputs(call.params["PolicyInputList"], "PolicyInputList"))}


def _documents(name: str, *, required: bool = False) -> Param:
    return string_list(name, p.policy_document("member", required=False), required=required)


_EXCLUSIONS = struct_list(
    "PolicyExclusionList",
    string("PolicyType", enum=("inline", "aws-managed", "user-managed", "permission-boundary", "scp", "rcp")),
    p.arn("PolicyArn", required=False),
    # InlinePolicyIdentifier is a structure inside the list member; the Query form flattens it to
    # PolicyExclusionList.member.N.InlinePolicyIdentifier.PolicyName, which these names read.
    p.policy_name("InlinePolicyIdentifier.PolicyName", required=False),
    string("InlinePolicyIdentifier.AttachmentType", enum=("user", "group", "role")),
    string("InlinePolicyIdentifier.AttachmentName", min=1, max=128, pattern=p.NAME_PATTERN),
    max=256,
)
_KEY_TYPES = ("string", "numeric", "boolean", "ip", "binary", "date")
_CONTEXT_ENTRIES = struct_list(
    "ContextEntries",
    string("ContextKeyName", min=5, max=256),
    string_list("ContextKeyValues", string("member")),
    # ContextKeyTypeEnum: string, stringList, numeric, numericList, … in the model's order.
    string("ContextKeyType", enum=tuple(f"{t}{s}" for t in _KEY_TYPES for s in ("", "List"))),
)
_COMMON = (
    string_list("ActionNames", string("member", min=3, max=128), required=True),
    string_list("ResourceArns", string("member", min=1, max=2048)),
    p.policy_document("ResourcePolicy", required=False),
    string("ResourceOwner", min=1, max=2048),
    string("CallerArn", min=1, max=2048),
    _CONTEXT_ENTRIES,
    string("ResourceHandlingOption", min=1, max=64),
    p.MAX_ITEMS,
    p.MARKER,
)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "SimulatePrincipalPolicy",
        (
            p.arn("PolicySourceArn"),
            _documents("PolicyInputList"),
            _documents("PermissionsBoundaryPolicyInputList"),
            _EXCLUSIONS,
            *_COMMON,
        ),
        simulate_principal_policy,
    ),
    Operation(
        "SimulateCustomPolicy",
        (
            _documents("PolicyInputList", required=True),
            _documents("PermissionsBoundaryPolicyInputList"),
            struct_list("OrderedOrganizationPolicyInputList", _documents("ServiceControlPolicyInputList"), max=7),
            *_COMMON,
        ),
        simulate_custom_policy,
    ),
    Operation(
        "GetContextKeysForPrincipalPolicy",
        (p.arn("PolicySourceArn"), _documents("PolicyInputList")),
        get_context_keys_for_principal_policy,
    ),
    Operation(
        "GetContextKeysForCustomPolicy",
        (_documents("PolicyInputList", required=True),),
        get_context_keys_for_custom_policy,
    ),
)
