"""Managed policy attachments: Attach/Detach/ListAttached{User,Group,Role}Policies, ListEntitiesForPolicy.

- A PolicyArn that is not an ARN is ValidationError "ARN x is not valid."; one
  that names no policy this account can attach (unknown, or another account's)
  is NoSuchEntity "Policy x does not exist or is not attachable."; detaching a
  policy that is not attached is NoSuchEntity "Policy x was not found."
  (recorded, localstack test_iam_roles/test_iam_users snapshots).
- Attaching twice is a no-op; at most 10 managed policies per entity:
  LimitExceeded ``Cannot exceed quota for PoliciesPerRole: 10``.
- Condition keys: ``iam:PolicyARN`` on all six actions; for users and roles
  also their ``iam:PermissionsBoundary`` and ``aws:ResourceTag/<k>`` (Service
  Authorization Reference for IAM).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ostiary.api import Call, Operation, Result
from ostiary.arn import Arn
from ostiary.iam import messages
from ostiary.iam import params as p
from ostiary.iam.common import account_of, paginate, parse_arn, policy_name_of
from ostiary.iam.entities import authorize_policy
from ostiary.iam.owners import OWNER_KINDS, OwnerKind
from ostiary.model import EntityKind
from ostiary.store import policies, principals


def _policy_keys(arn: str) -> dict[str, tuple[str, ...]]:
    return {"iam:PolicyARN": (arn,)}


def attach(owner: OwnerKind, call: Call) -> Result:
    arn: str = call.params["PolicyArn"]
    parse_arn(arn)
    action = f"iam:Attach{owner.noun}Policy"
    entity = owner.authorize(call, action, keys=_policy_keys(arn), boundary=owner.supplies_boundary)
    account = account_of(call)
    with call.store.write() as conn:
        entity.refetch(conn)
        if policies.get_managed_policy(conn, account, arn) is None:
            raise messages.policy_not_attachable(arn)
        attached = policies.attached_policy_arns(conn, entity.kind, entity.entity_id)
        if arn not in attached and len(attached) >= owner.attach_limit:
            raise messages.quota(owner.quota_name, owner.attach_limit)
        policies.attach_policy(conn, entity.kind, entity.entity_id, arn, account_id=account, now=call.now)
    return None


def detach(owner: OwnerKind, call: Call) -> Result:
    arn: str = call.params["PolicyArn"]
    parse_arn(arn)
    action = f"iam:Detach{owner.noun}Policy"
    entity = owner.authorize(call, action, keys=_policy_keys(arn), boundary=owner.supplies_boundary)
    with call.store.write() as conn:
        entity.refetch(conn)
        if not policies.detach_policy(conn, entity.kind, entity.entity_id, arn):
            raise messages.policy_not_found(arn)
    return None


def _policy_path(arn: str) -> str:
    resource = Arn.parse(arn).resource  # policy/PATH/NAME
    return resource[len("policy") : len(resource) - len(policy_name_of(arn))]


def list_attached(owner: OwnerKind, call: Call) -> Result:
    prefix: str = call.params.get("PathPrefix", "/")
    entity = owner.authorize(call, f"iam:ListAttached{owner.noun}Policies")
    with call.store.read() as conn:
        arns = policies.attached_policy_arns(conn, entity.kind, entity.entity_id)
    arns = [a for a in arns if _policy_path(a).startswith(prefix)]
    page, more = paginate(call, arns)
    return {"AttachedPolicies": [{"PolicyName": policy_name_of(a), "PolicyArn": a} for a in page], **more}


# ListEntitiesForPolicy returns groups, users and roles, in that member order.
_ENTITY_ORDER = {EntityKind.GROUP: 0, EntityKind.USER: 1, EntityKind.ROLE: 2}
_FILTERS = {"User": EntityKind.USER, "Role": EntityKind.ROLE, "Group": EntityKind.GROUP}


def list_entities_for_policy(call: Call) -> Result:
    account = account_of(call)
    arn: str = call.params["PolicyArn"]
    parse_arn(arn)
    entity_filter: str | None = call.params.get("EntityFilter")
    prefix: str = call.params.get("PathPrefix", "/")
    usage: str | None = call.params.get("PolicyUsageFilter")
    policy, _ = authorize_policy(call, "iam:ListEntitiesForPolicy", arn)
    if policy is None:
        raise messages.policy_not_attachable(arn)
    found: dict[tuple[EntityKind, str], tuple[str, str]] = {}  # (kind, id) -> (name, path)
    with call.store.read() as conn:
        pairs: list[tuple[EntityKind, str]] = []
        if usage in (None, "PermissionsPolicy"):
            pairs += policies.policy_attachments(conn, account, arn)
        if usage in (None, "PermissionsBoundary"):
            pairs += policies.boundary_users_and_roles(conn, account, arn)
        for kind, entity_id in pairs:
            entity: Any = {
                EntityKind.USER: principals.get_user_by_id,
                EntityKind.GROUP: principals.get_group_by_id,
                EntityKind.ROLE: principals.get_role_by_id,
            }[kind](conn, entity_id)
            if entity is not None:
                found[(kind, entity_id)] = (entity.name, entity.path)
    wanted = _FILTERS.get(entity_filter) if entity_filter is not None else None
    rows = [
        (kind, entity_id, name)
        for (kind, entity_id), (name, path) in found.items()
        if (entity_filter is None or kind is wanted) and path.startswith(prefix)
    ]
    rows.sort(key=lambda r: (_ENTITY_ORDER[r[0]], r[2].lower()))
    page, more = paginate(call, rows, lambda r: f"{_ENTITY_ORDER[r[0]]}|{r[2].lower()}")
    return {
        "PolicyGroups": [{"GroupName": n, "GroupId": i} for k, i, n in page if k is EntityKind.GROUP],
        "PolicyUsers": [{"UserName": n, "UserId": i} for k, i, n in page if k is EntityKind.USER],
        "PolicyRoles": [{"RoleName": n, "RoleId": i} for k, i, n in page if k is EntityKind.ROLE],
        **more,
    }


def _operations(owner: OwnerKind) -> tuple[Operation, ...]:
    name = owner.attach_name_param
    return (
        Operation(f"Attach{owner.noun}Policy", (name, p.policy_arn()), partial(attach, owner)),
        Operation(f"Detach{owner.noun}Policy", (name, p.policy_arn()), partial(detach, owner)),
        Operation(
            f"ListAttached{owner.noun}Policies",
            (name, p.POLICY_PATH_PREFIX, *p.PAGINATION),
            partial(list_attached, owner),
        ),
    )


OPERATIONS: tuple[Operation, ...] = (
    *(op for owner in OWNER_KINDS for op in _operations(owner)),
    Operation(
        "ListEntitiesForPolicy",
        (p.policy_arn(), p.ENTITY_FILTER, p.path("PathPrefix"), p.POLICY_USAGE_FILTER, *p.PAGINATION),
        list_entities_for_policy,
    ),
)
