"""Inline policies: Put/Get/Delete/List{User,Group,Role}Policy(ies).

- Documents are validated as identity policies; the sum of an entity's
  inline policies, without whitespace, may not exceed 2,048 characters for a
  user, 5,120 for a group, 10,240 for a role (IAM User Guide, "IAM and AWS STS
  quotas", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):
  LimitExceeded ``Maximum policy size of 2048 bytes exceeded for user x``
  (public CLI output, danvk/mapsnap#483).
- Putting a policy under an existing name replaces it.
- An unknown policy name is NoSuchEntity ``The role policy with name x cannot
  be found.`` (recorded, localstack test_iam_roles.snapshot.json).
- Put/Delete{User,Role}Policy supply ``iam:PermissionsBoundary`` (the
  entity's boundary) as the Service Authorization Reference lists.
"""

from __future__ import annotations

from functools import partial

from ostiary.api import Call, Operation, Result
from ostiary.iam import messages
from ostiary.iam import params as p
from ostiary.iam.common import encode_document, paginate
from ostiary.iam.documents import check_inline_policy, inline_size
from ostiary.iam.owners import OWNER_KINDS, OwnerKind
from ostiary.store import policies


def put(owner: OwnerKind, call: Call) -> Result:
    policy_name: str = call.params["PolicyName"]
    document: str = call.params["PolicyDocument"]
    entity = owner.authorize(call, f"iam:Put{owner.noun}Policy", boundary=owner.supplies_boundary)
    size = check_inline_policy(document)
    with call.store.write() as conn:
        entity.refetch(conn)
        others = policies.list_inline_policies(conn, entity.kind, entity.entity_id)
        total = size + sum(inline_size(x.document) for x in others if x.name != policy_name)
        if total > owner.inline_limit:
            raise messages.inline_size_exceeded(owner.inline_limit, owner.noun.lower(), entity.name)
        policies.put_inline_policy(conn, entity.kind, entity.entity_id, policy_name, document, now=call.now)
    return None


def get(owner: OwnerKind, call: Call) -> Result:
    policy_name: str = call.params["PolicyName"]
    entity = owner.authorize(call, f"iam:Get{owner.noun}Policy")
    with call.store.read() as conn:
        found = policies.get_inline_policy(conn, entity.kind, entity.entity_id, policy_name)
    if found is None:
        raise messages.no_such_inline_policy(owner.noun.lower(), policy_name)
    return {owner.name_member: entity.name, "PolicyName": found.name, "PolicyDocument": encode_document(found.document)}


def delete(owner: OwnerKind, call: Call) -> Result:
    policy_name: str = call.params["PolicyName"]
    entity = owner.authorize(call, f"iam:Delete{owner.noun}Policy", boundary=owner.supplies_boundary)
    with call.store.write() as conn:
        entity.refetch(conn)
        if not policies.delete_inline_policy(conn, entity.kind, entity.entity_id, policy_name):
            raise messages.no_such_inline_policy(owner.noun.lower(), policy_name)
    return None


def list_names(owner: OwnerKind, call: Call) -> Result:
    entity = owner.authorize(call, f"iam:List{owner.noun}Policies")
    with call.store.read() as conn:
        names = [x.name for x in policies.list_inline_policies(conn, entity.kind, entity.entity_id)]
    page, more = paginate(call, names, lambda name: name)
    return {"PolicyNames": page, **more}


def _operations(owner: OwnerKind) -> tuple[Operation, ...]:
    name = owner.name_param
    return (
        Operation(f"Put{owner.noun}Policy", (name, p.policy_name(), p.policy_document()), partial(put, owner)),
        Operation(f"Get{owner.noun}Policy", (name, p.policy_name()), partial(get, owner)),
        Operation(f"Delete{owner.noun}Policy", (name, p.policy_name()), partial(delete, owner)),
        Operation(f"List{owner.noun}Policies", (name, *p.PAGINATION), partial(list_names, owner)),
    )


OPERATIONS: tuple[Operation, ...] = tuple(op for owner in OWNER_KINDS for op in _operations(owner))
