"""What every IAM handler shares: pagination, result shapes, condition keys, input checks.

Result shapes list their members in the botocore model's order and leave out
what AWS leaves out (recorded responses in localstack's
``tests/aws/services/iam/*.snapshot.json``): list operations return users
and roles without tags, CreateRole returns neither ``MaxSessionDuration`` nor
``RoleLastUsed``, CreatePolicy no ``Description``.

Policy documents in results are URL-encoded JSON exactly as stored, which is
what IAM sends ("Policies returned by this operation are URL-encoded compliant
with RFC 3986", IAM API Reference, "GetRolePolicy",
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html) and
what botocore decodes back into a dict (observed with botocore 1.44).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from ostiary.api import Call
from ostiary.arn import Arn, ArnError
from ostiary.caller import CallerKind
from ostiary.errors import AwsError
from ostiary.iam import messages
from ostiary.model import Group, ManagedPolicy, Role, Tag, User
from ostiary.request_context import tag_request_keys

T = TypeVar("T")
Keys = dict[str, tuple[str, ...]]

DEFAULT_MAX_ITEMS = 100


# --- pagination ------------------------------------------------------------------------------


def _encode_marker(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def _decode_marker(marker: str) -> str:
    try:
        padded = marker + "=" * (-len(marker) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise messages.invalid_marker() from exc


def paginate(call: Call, items: Sequence[T], key: Callable[[T], str] | None = None) -> tuple[list[T], dict[str, Any]]:
    """One page of `items` (sorted by `key`) and the ``IsTruncated``/``Marker`` members.

    The marker is opaque to clients: it names the first item of the next page
    by its sort key (a name, so that entities added or removed between pages
    do not shift the rest), or by its position for small lists without a
    natural key. MaxItems defaults to 100 (IAM API reference, "MaxItems").
    """
    keys = [key(item) if key is not None else f"#{index:08d}" for index, item in enumerate(items)]
    start = 0
    marker = call.params.get("Marker")
    if marker is not None:
        wanted = _decode_marker(marker)
        start = next((i for i, k in enumerate(keys) if k >= wanted), len(keys))
    limit = call.params.get("MaxItems") or DEFAULT_MAX_ITEMS
    end = start + limit
    page = list(items[start:end])
    if end < len(items):
        return page, {"IsTruncated": True, "Marker": _encode_marker(keys[end])}
    return page, {"IsTruncated": False}


def by_name(entity: User | Group | Role | ManagedPolicy) -> str:
    return f"{entity.name.lower()}|{entity.name}"


# --- result shapes ---------------------------------------------------------------------------


def encode_document(document: str) -> str:
    """A policy document as IAM returns it: URL-encoded (RFC 3986, nothing left unescaped but unreserved)."""
    return quote(document, safe="")


def tag_members(tags: Iterable[Tag]) -> list[dict[str, str]]:
    return [{"Key": t.key, "Value": t.value} for t in tags]


def boundary_member(arn: str | None) -> dict[str, str] | None:
    """AttachedPermissionsBoundary. AWS sends ``Policy`` although the model's enum says
    ``PermissionsBoundaryPolicy`` (API reference: "can only have a value of Policy"; aws-cli get-user example)."""
    return None if arn is None else {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


def user_member(user: User, *, tags: Sequence[Tag] | None = None, boundary: bool = True) -> dict[str, Any]:
    member: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.user_id,
        "Arn": user.arn,
        "CreateDate": user.created_at,
    }
    if boundary:
        member["PermissionsBoundary"] = boundary_member(user.boundary_arn)
    if tags:
        member["Tags"] = tag_members(tags)
    return member


def group_member(group: Group) -> dict[str, Any]:
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.group_id,
        "Arn": group.arn,
        "CreateDate": group.created_at,
    }


def role_member(
    role: Role,
    *,
    tags: Sequence[Tag] | None = None,
    boundary: bool = True,
    description: bool = True,
    max_session: bool = True,
    last_used: bool = False,
) -> dict[str, Any]:
    member: dict[str, Any] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": role.arn,
        "CreateDate": role.created_at,
        "AssumeRolePolicyDocument": encode_document(role.trust_policy),
        "Description": role.description if description else None,
    }
    if max_session:
        member["MaxSessionDuration"] = role.max_session_duration
    if boundary:
        member["PermissionsBoundary"] = boundary_member(role.boundary_arn)
    if tags:
        member["Tags"] = tag_members(tags)
    if last_used:
        # An empty <RoleLastUsed/> when the role was never used, as GetRole returns it.
        member["RoleLastUsed"] = {"LastUsedDate": role.last_used_at, "Region": role.last_used_region}
    return member


def policy_member(
    policy: ManagedPolicy, *, description: bool = True, tags: Sequence[Tag] | None = None
) -> dict[str, Any]:
    member: dict[str, Any] = {
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version,
        "AttachmentCount": policy.attachment_count,
        "PermissionsBoundaryUsageCount": policy.boundary_usage_count,
        "IsAttachable": True,
        "Description": policy.description if description else None,
        "CreateDate": policy.created_at,
        "UpdateDate": policy.updated_at,
    }
    if tags is not None:
        member["Tags"] = tag_members(tags)
    return member


# --- who, what, and the condition keys ---------------------------------------------------------


def account_of(call: Call) -> str:
    return call.caller.account


def own_user_name(call: Call) -> str | None:
    """The user an operation without ``UserName`` acts on: the caller's own user, None for the root.

    Other callers (role sessions, federated users) must name the user
    (IAM API Reference, "CreateAccessKey": without a user name "IAM determines the user name implicitly
    based on the AWS access key ID signing the request"; recorded AWS responses in localstack's
    ``tests/aws/services/iam/*.snapshot.json``: ``Must specify userName when calling with non-User
    credentials``).
    """
    caller = call.caller
    if caller.is_root:
        return None
    if caller.kind in (CallerKind.USER, CallerKind.USER_SESSION) and caller.entity_name is not None:
        return caller.entity_name
    raise messages.non_user_credentials()


def display(kind: str, name: str) -> str:
    """How IAM names a resource in AccessDenied messages: ``user alice``, ``role deploy``,
    ``group admins``, ``policy arn:…`` (public CLI output for GetUser,
    CreateAccessKey, GetRole, ListRolePolicies, GetGroup, AddUserToGroup, GetPolicy). Create
    operations (CreateUser, CreateRole, CreateGroup) show the new entity's ARN instead, and
    CreatePolicy ``policy NAME``."""
    return f"{kind} {name}"


def request_tag_keys(tags: Sequence[Tag]) -> Keys:
    """``aws:RequestTag/<k>`` and ``aws:TagKeys`` for a call that carries tags.

    IAM User Guide, "AWS global condition context keys", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html.
    """
    return tag_request_keys((t.key, t.value) for t in tags)


def resource_tag_keys(tags: Iterable[Tag]) -> Keys:
    """``aws:ResourceTag/<k>`` and ``iam:ResourceTag/<k>`` for actions on a tagged user, role or policy.

    The Service Authorization Reference lists both for IAM's user and role resources ("iam:ResourceTag
    ... filters access by the tags attached to the identity"); the engine sees the same values under either.
    """
    keys: Keys = {}
    for tag in tags:
        keys[f"aws:ResourceTag/{tag.key}"] = (tag.value,)
        keys[f"iam:ResourceTag/{tag.key}"] = (tag.value,)
    return keys


def boundary_keys(arn: str | None) -> Keys:
    """``iam:PermissionsBoundary``: the boundary being set, or the entity's current one."""
    return {} if arn is None else {"iam:PermissionsBoundary": (arn,)}


def merge(*parts: Mapping[str, tuple[str, ...]]) -> Keys:
    merged: Keys = {}
    for part in parts:
        merged.update(part)
    return merged


# --- input checks ----------------------------------------------------------------------------


def parse_tags(raw: Sequence[Mapping[str, str]] | None, *, case_insensitive: bool = True) -> list[Tag]:
    """Tags from the decoded ``Tags.member.N`` list; duplicate keys are InvalidInput."""
    tags = [Tag(item.get("Key", ""), item.get("Value", "")) for item in raw or ()]
    seen = {t.key.lower() if case_insensitive else t.key for t in tags}
    if len(seen) != len(tags):
        raise messages.duplicate_tag_keys(case_insensitive=case_insensitive)
    return tags


def parse_arn(text: str) -> Arn:
    """A PolicyArn that must at least be an ARN; ValidationError "ARN x is not valid." otherwise."""
    try:
        return Arn.parse(text)
    except ArnError as exc:
        raise messages.arn_invalid(text) from exc


def is_policy_arn(text: str) -> bool:
    """``arn:PARTITION:iam::ACCOUNT|aws:policy/…``: the only thing a permissions boundary can be."""
    try:
        arn = Arn.parse(text)
    except ArnError:
        return False
    return arn.service == "iam" and arn.region == "" and arn.resource.startswith("policy/") and bool(arn.account)


def policy_name_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


@contextmanager
def creating(call: Call, clash: AwsError) -> Iterator[Connection]:
    """The write of a Create* call. The handler checks for a same-named entity inside it; two
    callers racing past that check meet the unique constraint, and the loser gets `clash`."""
    try:
        with call.store.write() as conn:
            yield conn
    except IntegrityError as exc:
        raise clash from exc
