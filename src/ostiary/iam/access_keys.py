"""Long-term access keys: Create/List/Update/DeleteAccessKey, GetAccessKeyLastUsed.

- Without ``UserName`` the caller's own user is meant; for the root that is
  the account's root keys, which is how ``aws iam create-access-key`` with
  root credentials makes a root key (IAM API Reference, "CreateAccessKey": "If
  you do not specify a user name, IAM determines the user name implicitly based
  on the AWS access key ID signing the request",
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html). Role sessions
  must name a user (recorded: "Must specify userName when calling with
  non-User credentials").
- Key IDs encode the account (`ostiary.ids.access_key_id`); the 40-character
  secret is stored only sealed by the store's secret box and returned only by
  CreateAccessKey.
- At most two keys per user or root: LimitExceeded
  ``Cannot exceed quota for AccessKeysPerUser: 2`` (recorded).
- Deactivating or deleting a key is a write, which moves the store
  generation the server's key cache keys on, so the key stops working at once
  (docs/design.md, "Caches and their invalidation").
- GetAccessKeyLastUsed answers ``N/A`` for the service and region of a key never
  used, and AccessDenied for a key that does not exist (recorded).
"""

from __future__ import annotations

from ostiary import ids, limits
from ostiary.api import Call, Operation, Result
from ostiary.arn import root_arn
from ostiary.errors import InvalidInput
from ostiary.iam import messages
from ostiary.iam import params as p
from ostiary.iam.common import account_of, own_user_name, paginate, resource_tag_keys
from ostiary.iam.entities import authorize_user, refetch_user
from ostiary.model import AccessKey, EntityKind, KeyStatus, User
from ostiary.store import principals
from ostiary.store.tags import list_tags


def _owner(call: Call, action: str) -> tuple[User | None, str]:
    """The user the call is about (None for the root) and the name to report, once authorized."""
    name = call.params.get("UserName") or own_user_name(call)
    if name is None:
        account = account_of(call)
        call.authorize(action, root_arn(account))
        return None, account
    user, _ = authorize_user(call, action, name)
    return user, user.name


def _metadata(key: AccessKey, user_name: str) -> dict[str, object]:
    return {
        "UserName": user_name,
        "AccessKeyId": key.access_key_id,
        "Status": key.status.value,
        "CreateDate": key.created_at,
    }


def create_access_key(call: Call) -> Result:
    account = account_of(call)
    user, user_name = _owner(call, "iam:CreateAccessKey")
    user_id = user.user_id if user is not None else None
    with call.store.write() as conn:
        if user is not None:
            refetch_user(conn, user)
        if principals.count_access_keys(conn, user_id, account) >= limits.ACCESS_KEYS_PER_USER:
            raise messages.quota("AccessKeysPerUser", limits.ACCESS_KEYS_PER_USER)
        key = principals.insert_access_key(
            conn,
            call.store.box,
            call.rng,
            key_id=ids.access_key_id(ids.LONG_TERM_KEY, account, call.rng),
            account_id=account,
            user_id=user_id,
            secret=ids.secret_access_key(call.rng),
            now=call.now,
        )
    return {
        "AccessKey": {
            "UserName": user_name,
            "AccessKeyId": key.access_key_id,
            "Status": key.status.value,
            "SecretAccessKey": key.secret,
            "CreateDate": key.created_at,
        }
    }


def list_access_keys(call: Call) -> Result:
    account = account_of(call)
    user, user_name = _owner(call, "iam:ListAccessKeys")
    with call.store.read() as conn:
        keys = principals.list_access_keys(conn, user.user_id if user is not None else None, account)
    page, more = paginate(call, keys)
    return {"AccessKeyMetadata": [_metadata(k, user_name) for k in page], **more}


def _owned_key(call: Call, user: User | None) -> AccessKey:
    key_id: str = call.params["AccessKeyId"]
    with call.store.read() as conn:
        key = principals.get_access_key(conn, key_id)
    owner = user.user_id if user is not None else None
    if key is None or key.account_id != account_of(call) or key.user_id != owner:
        raise messages.access_key_not_found(key_id)
    return key


def update_access_key(call: Call) -> Result:
    status: str = call.params["Status"]
    user, _ = _owner(call, "iam:UpdateAccessKey")
    key = _owned_key(call, user)
    if status not in (KeyStatus.ACTIVE.value, KeyStatus.INACTIVE.value):
        raise InvalidInput(f"Invalid status {status}: an access key can be made Active or Inactive.")
    with call.store.write() as conn:
        if principals.get_access_key(conn, key.access_key_id) is None:
            raise messages.access_key_not_found(key.access_key_id)
        principals.set_access_key_status(conn, key.access_key_id, KeyStatus(status))
    return None


def delete_access_key(call: Call) -> Result:
    user, _ = _owner(call, "iam:DeleteAccessKey")
    key = _owned_key(call, user)
    with call.store.write() as conn:
        principals.delete_access_key(conn, key.access_key_id)
    return None


def get_access_key_last_used(call: Call) -> Result:
    account = account_of(call)
    key_id: str = call.params["AccessKeyId"]
    call.store.usage.flush()  # uses are batched in memory; a reader asks for them now
    with call.store.read() as conn:
        key = principals.get_access_key(conn, key_id)
        user = principals.get_user_by_id(conn, key.user_id) if key is not None and key.user_id else None
        tags = list_tags(conn, EntityKind.USER, user.user_id) if user is not None else []
    if key is None or key.account_id != account:
        raise messages.access_key_last_used_denied(call.caller.arn, key_id)
    resource = user.arn if user is not None else root_arn(account)
    call.authorize(
        "iam:GetAccessKeyLastUsed", resource, keys=resource_tag_keys(tags), resource_display=f"access key {key_id}"
    )
    last_used: dict[str, object] = {
        "LastUsedDate": key.last_used_at,
        "ServiceName": key.last_used_service or "N/A",
        "Region": key.last_used_region or "N/A",
    }
    return {"UserName": user.name if user is not None else account, "AccessKeyLastUsed": last_used}


OPERATIONS: tuple[Operation, ...] = (
    Operation("CreateAccessKey", (p.existing_user_name(required=False),), create_access_key),
    Operation("ListAccessKeys", (p.existing_user_name(required=False), *p.PAGINATION), list_access_keys),
    Operation(
        "UpdateAccessKey",
        (p.existing_user_name(required=False), p.access_key_id(), p.ACCESS_KEY_STATUS),
        update_access_key,
    ),
    Operation("DeleteAccessKey", (p.existing_user_name(required=False), p.access_key_id()), delete_access_key),
    Operation("GetAccessKeyLastUsed", (p.access_key_id(),), get_access_key_last_used),
)
