"""PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy.

API_PutBucketPolicy (the same rules for Get and Delete):

- "If you are using an identity other than the root user of the Amazon Web Services account that
  owns the bucket, the calling identity must both have the PutBucketPolicy permissions on the
  specified bucket and belong to the bucket owner's account". "If you don't have PutBucketPolicy
  permissions, Amazon S3 returns a 403 Access Denied error. If you have the correct permissions,
  but you're not using an identity that belongs to the bucket owner's account, Amazon S3
  returns a 405 Method Not Allowed error."
- "To ensure that bucket owners don't inadvertently lock themselves out of their own buckets,
  the root principal in a bucket owner's Amazon Web Services account can perform the
  GetBucketPolicy, PutBucketPolicy, and DeleteBucketPolicy API actions, even if their bucket
  policy explicitly denies the root principal's access."

PutBucketPolicy and DeleteBucketPolicy answer 204; GetBucketPolicy returns the policy exactly as
it was stored, or NoSuchBucketPolicy "The bucket policy does not exist".
"""

from __future__ import annotations

from typing import Final

from ostiary.errors import MalformedPolicy, MethodNotAllowed, NoSuchBucketPolicy
from ostiary.http import HttpResponse
from ostiary.s3.access import Bucket, authorize, load_bucket, recheck_bucket
from ostiary.s3.policies import MESSAGES, check_bucket_policy
from ostiary.s3.request import S3Request, Target
from ostiary.s3.responses import empty
from ostiary.s3.uploads import read_small
from ostiary.store.objects import set_bucket_policy

# Bodies larger than this are refused before they are parsed (the 20 KB limit counts no whitespace).
POLICY_BODY_MAX_BYTES: Final = 1 << 20


def _check_access(request: S3Request, bucket: Bucket, action: str) -> None:
    caller = request.call.caller
    if caller.is_root and caller.account == bucket.account:
        return
    authorize(request, action, bucket)
    if caller.account != bucket.account:
        raise MethodNotAllowed(Method=request.method, ResourceType=Target.BUCKET.value)


def put_bucket_policy(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    _check_access(request, bucket, "s3:PutBucketPolicy")
    body = read_small(request, POLICY_BODY_MAX_BYTES, lambda: MalformedPolicy(MESSAGES["size"]))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPolicy(MESSAGES["json"]) from None
    with request.call.store.write() as conn:
        checked = check_bucket_policy(conn, bucket.name, text)
        recheck_bucket(conn, bucket, lock=True)
        set_bucket_policy(conn, bucket.name, checked.text, checked.principal_ids)
    return empty(204)


def get_bucket_policy(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    _check_access(request, bucket, "s3:GetBucketPolicy")
    policy = bucket.record.policy
    if policy is None:
        raise NoSuchBucketPolicy(BucketName=bucket.name)
    return HttpResponse(200, [("Content-Type", "application/json")], policy.encode("utf-8"))


def delete_bucket_policy(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    _check_access(request, bucket, "s3:DeleteBucketPolicy")
    with request.call.store.write() as conn:
        recheck_bucket(conn, bucket, lock=True)
        set_bucket_policy(conn, bucket.name, None, {})
    return empty(204)
