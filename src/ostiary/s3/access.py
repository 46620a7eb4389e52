"""Buckets as handlers need them (row + compiled bucket policy), and the authorization call.

Bucket rows and their compiled policies are cached per store until its write generation changes
(docs/design.md, "Caches and their invalidation"): a warm GET reads one object row and nothing
else. Policies are compiled once per exact text and principal IDs, so an unrelated write does not
recompile them.

Authorization follows the Service Authorization Reference for Amazon S3: the handler names the
action and the resource ARN (``arn:aws:s3:::bucket`` or ``arn:aws:s3:::bucket/key``), the bucket
owner's account, the operation's condition keys and the bucket policy; S3 quotes the ARN in its
AccessDenied messages. Every S3 action also carries ``s3:authType``, ``s3:signatureversion``,
``s3:signatureAge``, ``s3:x-amz-content-sha256`` (signed requests) and ``s3:ResourceAccount``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from ostiary.arn import s3_arn
from ostiary.caller import CallerKind
from ostiary.errors import AccessDenied, MalformedPolicyDocument, NoSuchBucket, S3InternalError
from ostiary.policy import ANONYMOUS, Policy, PolicyKind, StatementEffect, parse_policy
from ostiary.policy.ast import ResourceElement
from ostiary.policy.decision import Decision
from ostiary.policy.principals import PrincipalMatch, match_element
from ostiary.s3.names import bucket_name_problem
from ostiary.s3.request import S3Request
from ostiary.store.objects import BucketRecord, get_bucket

Keys = dict[str, tuple[str, ...]]

_COMPILED_MAX = 4_096


@dataclass(frozen=True, slots=True)
class Bucket:
    record: BucketRecord
    policy: Policy | None

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def account(self) -> str:
        return self.record.account_id


class _Compiled:
    """Compiled bucket policies by (bucket, text, principal IDs) digest, least recently used out first."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Policy] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, record: BucketRecord, text: str) -> Policy:
        """The compiled form of `text`, the policy of the bucket `record`."""
        ids = json.dumps(dict(record.policy_principal_ids), sort_keys=True)
        digest = hashlib.sha256(f"{record.name}\0{text}\0{ids}".encode()).hexdigest()
        with self._lock:
            found = self._items.get(digest)
            if found is not None:
                self._items.move_to_end(digest)
                return found
        try:
            policy = compile_bucket_policy(record.name, text, record.policy_principal_ids)
        except MalformedPolicyDocument as exc:  # a stored policy the engine no longer reads: fail closed
            raise S3InternalError() from exc
        with self._lock:
            self._items[digest] = policy
            if len(self._items) > _COMPILED_MAX:
                self._items.popitem(last=False)
        return policy


def compile_bucket_policy(bucket: str, text: str, principal_ids: Mapping[str, str]) -> Policy:
    return parse_policy(text, PolicyKind.RESOURCE, policy_id=s3_arn(bucket), principal_ids=principal_ids)


# Compiled bucket policies outlive writes that do not change them: they are keyed by their text.
_COMPILED = _Compiled()


def find_bucket(request: S3Request) -> Bucket | None:
    """The bucket with its compiled policy, read once per write generation (missing buckets too)."""
    store = request.call.store
    name = request.bucket
    if bucket_name_problem(name) is not None:
        return None  # no bucket can have this name: nothing to look up, nothing to remember

    def load() -> Bucket | None:
        with store.read() as conn:
            record = get_bucket(conn, name)
        if record is None:
            return None
        return Bucket(record, _COMPILED.get(record, record.policy) if record.policy else None)

    found: Bucket | None = store.cache("buckets").get(name, load)
    return found


def recheck_bucket(conn: Connection, bucket: Bucket, *, lock: bool = False) -> None:
    """Inside a write: the bucket that was authorized must still be there, with the same owner.

    A request whose body arrives slowly could otherwise act on a bucket of the same name that another
    account created after the first was deleted. `lock` takes the row exclusively (policy changes);
    otherwise it is shared (object writes), which is enough to keep DeleteBucket out until commit.
    """
    current = get_bucket(conn, bucket.name, lock=lock, share=not lock)
    if current is None or current.account_id != bucket.account or current.created_at != bucket.record.created_at:
        raise NoSuchBucket(BucketName=bucket.name)


def load_bucket(request: S3Request) -> Bucket:
    """The addressed bucket; NoSuchBucket when there is none (bucket names are public in S3's shared namespace)."""
    bucket = find_bucket(request)
    if bucket is None:
        raise NoSuchBucket(BucketName=request.bucket)
    expected = request.header("x-amz-expected-bucket-owner")
    if expected is not None and expected != bucket.account:
        # API reference, common request headers: "If the account ID that you provide does not match
        # the actual owner of the bucket, the request fails with the HTTP status code 403 Forbidden".
        raise AccessDenied()
    return bucket


def signature_keys(request: S3Request) -> Keys:
    """The condition keys every S3 action supports that describe how the request was signed."""
    info = request.call.request
    keys: Keys = {}
    if info.auth_type is not None:
        keys["s3:authType"] = (info.auth_type,)
    if info.signature_version is not None:
        keys["s3:signatureversion"] = (info.signature_version,)
    if info.signature_age_ms is not None:
        keys["s3:signatureAge"] = (str(info.signature_age_ms),)
    if info.content_sha256 is not None:
        keys["s3:x-amz-content-sha256"] = (info.content_sha256,)
    return keys


def authorize(
    request: S3Request,
    action: str,
    bucket: Bucket | None,
    *,
    key: str | None = None,
    keys: Keys | None = None,
    resource_account: str | None = None,
) -> Decision:
    """Ask the authorizer about `action` on the bucket (or its object `key`); raises AccessDenied."""
    name = bucket.name if bucket is not None else request.bucket
    resource = s3_arn(name, key)
    account = bucket.account if bucket is not None else resource_account
    merged = signature_keys(request)
    if account is not None:
        merged["s3:ResourceAccount"] = (account,)
    if keys:
        merged.update(keys)
    policies = (bucket.policy,) if bucket is not None and bucket.policy is not None else ()
    return request.call.authorize(
        action,
        resource,
        resource_account=account,
        keys=merged,
        resource_display=f'"{resource}"',
        resource_policies=policies,
    )


def is_allowed(
    request: S3Request, action: str, bucket: Bucket, *, key: str | None = None, keys: Keys | None = None
) -> AccessDenied | None:
    """None when the caller may perform `action`, else the AccessDenied it would get."""
    try:
        authorize(request, action, bucket, key=key, keys=keys)
    except AccessDenied as denied:
        return denied
    return None


def _literal_start(pattern: str) -> str:
    """The text every string a glob pattern matches starts with (up to its first wildcard)."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    return pattern[:cut]


def _may_match_under(resource: ResourceElement, prefix: str) -> bool:
    """Whether the element might match some ARN that starts with `prefix` (True when unsure)."""
    if resource.negated:
        return True
    for entry in resource.entries:
        start = _literal_start(entry.glob.pattern) if entry.glob is not None else _literal_start(entry.prefix)
        if start.startswith(prefix) or prefix.startswith(start):
            return True
    return False


def refuse_anonymous_without_grant(request: S3Request, action: str, bucket: Bucket) -> None:
    """Before reading a body that names the objects: AccessDenied when an anonymous caller can be
    allowed `action` on no object of the bucket, whatever the body would say.

    An anonymous request can be allowed only by the bucket's own policy: identity-based policies
    belong to IAM principals ("How Amazon S3 authorizes a request",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html), and
    ostiary's buckets have ACLs disabled ("Controlling ownership of objects and disabling ACLs",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html). Both are
    known before the body is: when no Allow statement of the bucket policy could grant `action` to an
    anonymous caller on an object of this bucket (taking every condition to hold), every object the
    body could name would be denied, so the body is neither read nor parsed. Authenticated callers
    get S3's per-object answers.
    """
    if request.call.caller.kind is not CallerKind.ANONYMOUS:
        return
    policy = bucket.policy
    if policy is not None:
        objects = f"{s3_arn(bucket.name)}/"
        for statement in policy.for_action(action.lower()):
            if statement.effect is not StatementEffect.ALLOW or statement.principal is None:
                continue
            if match_element(statement.principal, ANONYMOUS, deny=False) is PrincipalMatch.NONE:
                continue
            if statement.resource is None or _may_match_under(statement.resource, objects):
                return
    raise AccessDenied()
