"""Tagging users, roles and customer managed policies: Tag*/Untag*/List*Tags.

- Tag keys of users and roles are case-insensitive; a request naming the same
  key twice is InvalidInput, and tagging an existing key replaces its value.
  Policy tag keys are case-sensitive (recorded AWS responses, see
  `ostiary.store.tags`).
- At most 50 tags per entity (IAM User Guide, "IAM and AWS STS quotas",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): going over is
  LimitExceeded ``Cannot exceed quota for TagsPerUser: 50``.
- Condition keys (Service Authorization Reference): Tag* supply
  ``aws:RequestTag/<k>`` and ``aws:TagKeys``, Untag* ``aws:TagKeys``, and all
  of them the target's ``aws:ResourceTag/<k>``.
- List*Tags: users and roles in the order the tags were added; policies
  shortest key first, then by key (recorded: ``a, b, z, abc`` and ``A, a`` —
  test_iam_policies.snapshot.json ``test_policy_tag_order``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from ostiary import limits
from ostiary.api import Call, Operation, Result
from ostiary.iam import messages
from ostiary.iam import params as p
from ostiary.iam.common import Keys, paginate, parse_tags, request_tag_keys, tag_members
from ostiary.iam.entities import (
    authorize_policy,
    authorize_role,
    authorize_user,
    is_aws_managed,
    refetch_role,
    refetch_user,
)
from ostiary.model import EntityKind, ManagedPolicy, Tag
from ostiary.store.policies import get_managed_policy
from ostiary.store.tags import merged_tag_count, put_tags, remove_tags

_QUOTA_NAMES = {EntityKind.USER: "TagsPerUser", EntityKind.ROLE: "TagsPerRole", EntityKind.POLICY: "TagsPerPolicy"}


def _untag_keys(keys: Sequence[str]) -> Keys:
    return {"aws:TagKeys": tuple(keys)}


def _apply(
    call: Call, kind: EntityKind, entity_id: str, still_there: Callable[[Connection], object], tags: list[Tag]
) -> None:
    with call.store.write() as conn:
        still_there(conn)
        if merged_tag_count(conn, kind, entity_id, tags) > limits.TAGS_PER_ENTITY:
            raise messages.quota(_QUOTA_NAMES[kind], limits.TAGS_PER_ENTITY)
        put_tags(conn, kind, entity_id, tags)


def tag_user(call: Call) -> Result:
    tags = parse_tags(call.params["Tags"])
    user, _ = authorize_user(call, "iam:TagUser", call.params["UserName"], keys=request_tag_keys(tags))
    _apply(call, EntityKind.USER, user.user_id, lambda conn: refetch_user(conn, user), tags)
    return None


def untag_user(call: Call) -> Result:
    keys: list[str] = call.params["TagKeys"]
    user, _ = authorize_user(call, "iam:UntagUser", call.params["UserName"], keys=_untag_keys(keys))
    with call.store.write() as conn:
        refetch_user(conn, user)
        remove_tags(conn, EntityKind.USER, user.user_id, keys)
    return None


def list_user_tags(call: Call) -> Result:
    _, tags = authorize_user(call, "iam:ListUserTags", call.params["UserName"])
    page, more = paginate(call, tags)
    return {"Tags": tag_members(page), **more}


def tag_role(call: Call) -> Result:
    tags = parse_tags(call.params["Tags"])
    role, _ = authorize_role(call, "iam:TagRole", call.params["RoleName"], keys=request_tag_keys(tags))
    _apply(call, EntityKind.ROLE, role.role_id, lambda conn: refetch_role(conn, role), tags)
    return None


def untag_role(call: Call) -> Result:
    keys: list[str] = call.params["TagKeys"]
    role, _ = authorize_role(call, "iam:UntagRole", call.params["RoleName"], keys=_untag_keys(keys))
    with call.store.write() as conn:
        refetch_role(conn, role)
        remove_tags(conn, EntityKind.ROLE, role.role_id, keys)
    return None


def list_role_tags(call: Call) -> Result:
    _, tags = authorize_role(call, "iam:ListRoleTags", call.params["RoleName"])
    page, more = paginate(call, tags)
    return {"Tags": tag_members(page), **more}


def sorted_policy_tags(tags: Sequence[Tag]) -> list[Tag]:
    return sorted(tags, key=lambda t: (len(t.key), t.key))


def _customer_policy(call: Call, action: str, keys: Keys) -> ManagedPolicy:
    arn: str = call.params["PolicyArn"]
    policy, _ = authorize_policy(call, action, arn, keys=keys)
    if policy is None:
        raise messages.policy_not_found(arn)
    if is_aws_managed(policy):
        raise messages.aws_managed_denied(call.caller.arn, action, arn)
    return policy


def _policy_still_there(conn: Connection, policy: ManagedPolicy) -> None:
    if get_managed_policy(conn, policy.account_id, policy.arn) is None:
        raise messages.policy_not_found(policy.arn)


def tag_policy(call: Call) -> Result:
    tags = parse_tags(call.params["Tags"], case_insensitive=False)
    policy = _customer_policy(call, "iam:TagPolicy", request_tag_keys(tags))
    _apply(call, EntityKind.POLICY, policy.policy_id, lambda conn: _policy_still_there(conn, policy), tags)
    return None


def untag_policy(call: Call) -> Result:
    keys: list[str] = call.params["TagKeys"]
    policy = _customer_policy(call, "iam:UntagPolicy", _untag_keys(keys))
    with call.store.write() as conn:
        _policy_still_there(conn, policy)
        remove_tags(conn, EntityKind.POLICY, policy.policy_id, keys)
    return None


def list_policy_tags(call: Call) -> Result:
    arn: str = call.params["PolicyArn"]
    policy, tags = authorize_policy(call, "iam:ListPolicyTags", arn)
    if policy is None:
        raise messages.policy_not_found(arn)
    page, more = paginate(call, sorted_policy_tags(tags))
    return {"Tags": tag_members(page), **more}


OPERATIONS: tuple[Operation, ...] = (
    Operation("TagUser", (p.existing_user_name(), p.tags(required=True)), tag_user),
    Operation("UntagUser", (p.existing_user_name(), p.TAG_KEYS), untag_user),
    Operation("ListUserTags", (p.existing_user_name(), *p.PAGINATION), list_user_tags),
    Operation("TagRole", (p.role_name(), p.tags(required=True)), tag_role),
    Operation("UntagRole", (p.role_name(), p.TAG_KEYS), untag_role),
    Operation("ListRoleTags", (p.role_name(), *p.PAGINATION), list_role_tags),
    Operation("TagPolicy", (p.policy_arn(), p.tags(required=True)), tag_policy),
    Operation("UntagPolicy", (p.policy_arn(), p.TAG_KEYS), untag_policy),
    Operation("ListPolicyTags", (p.policy_arn(), *p.PAGINATION), list_policy_tags),
)
