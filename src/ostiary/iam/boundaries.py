"""Permissions boundaries: Put/Delete{User,Role}PermissionsBoundary.

A boundary is a managed policy (customer managed in this account, or AWS
managed). Anything that is not a policy ARN is InvalidInput "ARN x is not
valid."; a policy that does not exist is NoSuchEntity "Scope ARN: x does not
exist or is not attachable." (recorded, localstack test_iam_roles.snapshot.json).
``iam:PermissionsBoundary`` carries the boundary being set, or for Delete*
the one being removed (IAM User Guide, "Permissions boundaries", example
policy conditions on these actions).
"""

from __future__ import annotations

from functools import partial

from sqlalchemy import Connection

from ostiary.api import Call, Operation, Result
from ostiary.iam import messages
from ostiary.iam import params as p
from ostiary.iam.common import account_of, boundary_keys, is_policy_arn
from ostiary.iam.entities import check_boundary
from ostiary.iam.owners import ROLE, USER, OwnerKind
from ostiary.model import EntityKind
from ostiary.store import principals


def put(owner: OwnerKind, call: Call) -> Result:
    arn: str = call.params["PermissionsBoundary"]
    entity = owner.authorize(call, f"iam:Put{owner.noun}PermissionsBoundary", keys=boundary_keys(arn))
    if not is_policy_arn(arn):
        raise messages.boundary_arn_invalid(arn)
    with call.store.write() as conn:
        entity.refetch(conn)
        check_boundary(conn, account_of(call), arn)
        _set(owner, conn, entity.entity_id, arn)
    return None


def delete(owner: OwnerKind, call: Call) -> Result:
    entity = owner.authorize(call, f"iam:Delete{owner.noun}PermissionsBoundary", boundary=True)
    with call.store.write() as conn:
        entity.refetch(conn)
        _set(owner, conn, entity.entity_id, None)
    return None


def _set(owner: OwnerKind, conn: Connection, entity_id: str, arn: str | None) -> None:
    if owner.kind is EntityKind.USER:
        principals.set_user_boundary(conn, entity_id, arn)
    else:
        principals.set_role_boundary(conn, entity_id, arn)


OPERATIONS: tuple[Operation, ...] = (
    Operation("PutUserPermissionsBoundary", (p.user_name(), p.arn("PermissionsBoundary")), partial(put, USER)),
    Operation("DeleteUserPermissionsBoundary", (p.user_name(),), partial(delete, USER)),
    Operation("PutRolePermissionsBoundary", (p.role_name(), p.arn("PermissionsBoundary")), partial(put, ROLE)),
    Operation("DeleteRolePermissionsBoundary", (p.role_name(),), partial(delete, ROLE)),
)
