"""Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation, GetBucketVersioning.

AWS behaviour followed here (API reference pages of each operation, S3 User Guide):

- Buckets share one namespace across all accounts of the server. Creating a name another account
  owns is BucketAlreadyExists. Re-creating your own bucket is BucketAlreadyOwnedByYou "in all
  Amazon Web Services Regions except in the North Virginia Region. For legacy compatibility, if
  you re-create an existing bucket that you already own in the North Virginia Region, Amazon S3
  returns 200 OK" (ErrorResponses, BucketAlreadyOwnedByYou): so a us-east-1 bucket re-created
  for us-east-1 answers 200.
- No CreateBucketConfiguration means us-east-1; naming ``us-east-1`` explicitly, or a region S3
  does not know, is InvalidLocationConstraint. One ostiary endpoint serves every region, so the
  region the client signed for is not compared with the constraint (AWS's regional endpoints
  answer IllegalLocationConstraintException; botocore 1.44 re-signs and retries on region errors
  even with a custom endpoint (observed), so none is given).
- The Location header is ``/bucket`` for us-east-1 and the bucket's URL elsewhere.
- New buckets have ObjectOwnership BucketOwnerEnforced (ACLs disabled, the default since April
  2023): canned ACLs that grant more than the owner are InvalidBucketAclWithObjectOwnership.
- HeadBucket answers ``x-amz-bucket-region``; its errors have no body (the server drops it).
- DeleteBucket refuses a bucket with objects: BucketNotEmpty (409); success is 204.
- GetBucketLocation returns an empty LocationConstraint for us-east-1.
- ListBuckets lists the caller's account's buckets in name order, with the owner's canonical ID.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from sqlalchemy.exc import IntegrityError

from ostiary import errors, wire
from ostiary.errors import (
    AccessDenied,
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    InvalidArgument,
    InvalidBucketAclWithObjectOwnership,
    InvalidLocationConstraint,
    MalformedXML,
    NoSuchBucket,
)
from ostiary.http import HttpResponse
from ostiary.ids import canonical_user_id
from ostiary.model import Account
from ostiary.s3 import xml
from ostiary.s3.access import Keys, authorize, load_bucket, signature_keys
from ostiary.s3.names import (
    ACLS_WITHOUT_GRANTS,
    BUCKET_CANNED_ACLS,
    DEFAULT_REGION,
    LOCATION_CONSTRAINTS,
    OBJECT_OWNERSHIPS,
    bucket_region,
    check_bucket_name,
)
from ostiary.s3.request import S3Request
from ostiary.s3.responses import empty, xml_response
from ostiary.s3.uploads import read_small
from ostiary.store.objects import BucketRecord, bucket_is_empty, delete_bucket, get_bucket, insert_bucket, list_buckets
from ostiary.store.principals import get_account

CONFIGURATION_MAX_BYTES: Final = 64 * 1024
MAX_BUCKETS_LIMIT: Final = 10_000
_GRANT_HEADERS: Final = (
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write",
    "x-amz-grant-write-acp",
)


def _location_constraint(request: S3Request) -> str:
    body = read_small(request, CONFIGURATION_MAX_BYTES, MalformedXML)
    if not body.strip():
        return DEFAULT_REGION
    root = xml.parse(body, "CreateBucketConfiguration")
    constraint: str | None = None
    for name, child in xml.children(root):
        if name == "LocationConstraint":
            constraint = (child.text or "").strip()
        elif name in ("Location", "Bucket", "Tags"):
            # Directory buckets and tags at creation are not implemented.
            raise errors.NotImplemented(Header=f"CreateBucketConfiguration/{name}")
        else:
            raise MalformedXML()
    if not constraint:
        raise MalformedXML()
    if constraint not in LOCATION_CONSTRAINTS:
        raise InvalidLocationConstraint(LocationConstraint=constraint)
    return bucket_region(constraint)


def _check_creation_headers(request: S3Request) -> None:
    acl = request.header("x-amz-acl")
    if acl is not None:
        if acl not in BUCKET_CANNED_ACLS:
            raise InvalidArgument(ArgumentName="x-amz-acl", ArgumentValue=acl)
        if acl not in ACLS_WITHOUT_GRANTS:
            raise InvalidBucketAclWithObjectOwnership()
    if any(request.header(name) is not None for name in _GRANT_HEADERS):
        raise InvalidBucketAclWithObjectOwnership()
    ownership = request.header("x-amz-object-ownership")
    if ownership is not None:
        if ownership not in OBJECT_OWNERSHIPS:
            raise InvalidArgument(
                f"Invalid x-amz-object-ownership header: {ownership}", ArgumentName="x-amz-object-ownership"
            )
        if ownership != "BucketOwnerEnforced":
            raise errors.NotImplemented(Header="x-amz-object-ownership")
    if (request.header("x-amz-bucket-object-lock-enabled") or "").lower() == "true":
        raise errors.NotImplemented(Header="x-amz-bucket-object-lock-enabled")


def _location(request: S3Request, region: str) -> str:
    if region == DEFAULT_REGION:
        return f"/{request.bucket}"
    http = request.call.http
    host = http.header("host") or "localhost"
    return f"{http.scheme}://{host}/{request.bucket}/"


def create_bucket(request: S3Request) -> HttpResponse:
    name = request.bucket
    check_bucket_name(name)
    _check_creation_headers(request)
    caller = request.call.caller
    if not caller.account:
        # An anonymous caller can own nothing: refused before its CreateBucketConfiguration is read. A signed
        # caller is authorized after it, because s3:LocationConstraint comes from the body.
        raise AccessDenied()
    region = _location_constraint(request)
    keys: Keys = {"s3:LocationConstraint": (region,)}
    acl = request.header("x-amz-acl")
    if acl is not None:
        keys["s3:x-amz-acl"] = (acl,)
    authorize(request, "s3:CreateBucket", None, keys=keys, resource_account=caller.account)
    location = [("Location", _location(request, region))]
    try:
        with request.call.store.write() as conn:
            existing = get_bucket(conn, name)
            if existing is None:
                insert_bucket(conn, BucketRecord(name, caller.account, region, request.call.now.replace(microsecond=0)))
                return empty(200, location)
    except IntegrityError:  # created concurrently
        with request.call.store.read() as conn:
            existing = get_bucket(conn, name)
        if existing is None:
            raise
    if existing.account_id != caller.account:
        raise BucketAlreadyExists(BucketName=name)
    if existing.region == DEFAULT_REGION and region == DEFAULT_REGION:
        return empty(200, location)
    raise BucketAlreadyOwnedByYou(BucketName=name)


def head_bucket(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    authorize(request, "s3:ListBucket", bucket)
    return empty(200, [("x-amz-bucket-region", bucket.record.region), ("x-amz-access-point-alias", "false")])


def delete_bucket_handler(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    authorize(request, "s3:DeleteBucket", bucket)
    with request.call.store.write() as conn:
        current = get_bucket(conn, bucket.name, lock=True)
        if current is None:
            raise NoSuchBucket(BucketName=bucket.name)
        if not bucket_is_empty(conn, bucket.name):
            raise BucketNotEmpty(BucketName=bucket.name)
        delete_bucket(conn, bucket.name)
    return empty(204)


def get_bucket_location(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    authorize(request, "s3:GetBucketLocation", bucket)
    region = bucket.record.region
    body = xml.text_document("LocationConstraint", "" if region == DEFAULT_REGION else region)
    return HttpResponse(200, [("Content-Type", "application/xml")], body)


def get_bucket_versioning(request: S3Request) -> HttpResponse:
    """Versioning is never enabled on ostiary buckets: an empty configuration (API_GetBucketVersioning)."""
    bucket = load_bucket(request)
    authorize(request, "s3:GetBucketVersioning", bucket)
    return xml_response("VersioningConfiguration", [])


def owner_nodes(request: S3Request, account: str) -> list[xml.Node]:
    """API_Owner: the canonical user ID, and a display name (the account alias, else its ID)."""
    store = request.call.store

    def load() -> Account | None:
        with store.read() as conn:
            return get_account(conn, account)

    found: Account | None = store.cache("accounts").get(account, load)
    display = found.alias if found is not None and found.alias else account
    return [("ID", canonical_user_id(account)), ("DisplayName", display)]


def _token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode("utf-8")).decode("ascii")


def _untoken(token: str) -> str:
    try:
        name = base64.b64decode(token.encode("ascii"), altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        name = "\x00"
    if "\x00" in name:  # no bucket name holds U+0000; PostgreSQL text cannot be asked for one
        raise InvalidArgument("The continuation token provided is incorrect", ArgumentName="continuation-token")
    return name


def _max_buckets(request: S3Request) -> int | None:
    raw = request.param("max-buckets")
    if raw is None:
        return None
    return wire.parse_int(
        raw,
        minimum=1,
        maximum=MAX_BUCKETS_LIMIT,
        error=lambda: InvalidArgument(
            f"Argument max-buckets must be an integer between 1 and {MAX_BUCKETS_LIMIT}",
            ArgumentName="max-buckets",
            ArgumentValue=raw,
        ),
    )


def list_buckets_handler(request: S3Request) -> HttpResponse:
    call = request.call
    call.authorize("s3:ListAllMyBuckets", "*", keys=signature_keys(request))
    account = call.caller.account
    prefix = request.param("prefix") or ""
    token = request.param("continuation-token")
    limit = _max_buckets(request)
    after = _untoken(token) if token else ""
    region = request.param("bucket-region")

    def load() -> list[BucketRecord]:
        if "\x00" in prefix + (region or ""):
            return []  # no bucket name or region holds U+0000; PostgreSQL text cannot be asked for one
        with call.store.read() as conn:
            return list_buckets(conn, account, prefix=prefix, after=after, region=region)

    found: list[BucketRecord] = call.store.cache("bucket-lists").get((account, prefix, after, region), load)
    next_token = None
    if limit is not None and len(found) > limit:
        found = found[:limit]
        next_token = _token(found[-1].name)
    buckets: list[xml.Node] = [
        (
            "Bucket",
            [("Name", b.name), ("CreationDate", b.created_at), ("BucketRegion", b.region)],
        )
        for b in found
    ]
    nodes: list[xml.Node] = [("Owner", owner_nodes(request, account)), ("Buckets", buckets)]
    nodes.append(("ContinuationToken", next_token))
    if request.param("prefix") is not None:
        nodes.append(("Prefix", prefix))
    return xml_response("ListAllMyBucketsResult", nodes)
