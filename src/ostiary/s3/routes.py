"""The S3 REST routing table: (method, target, subresource) → operation.

A request's target is the service (``/``), a bucket (``/b``, ``/b/``) or an object (``/b/k``);
its subresource is the first query parameter, in the order of `MARKERS`, that names one
(``?policy``, ``?uploads``, ``?list-type=2``…). A PUT with ``x-amz-copy-source`` is a copy.
Other parameters (``prefix``, ``x-id``, presigned-URL parameters…) never route.

Every operation S3 defines has a row. Those without a handler answer NotImplemented (501) with
S3's message; a target and subresource that exist with another method answer MethodNotAllowed
(405) with ``Method`` and ``ResourceType``, as S3 does for, say, POST on an object. Multipart
uploads, copies and the configuration subresources are rows waiting for their handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from ostiary import errors
from ostiary.api import S3Call
from ostiary.errors import MethodNotAllowed
from ostiary.http import HttpResponse
from ostiary.s3 import bucket_policy, buckets, deletes, listing, objects
from ostiary.s3.request import DEFAULT_VIRTUAL_HOSTS, S3Request, Target, build_request

Handler = Callable[[S3Request], HttpResponse]
COPY: Final = "x-amz-copy-source"  # pseudo-subresource: a PUT that copies


@dataclass(frozen=True, slots=True)
class Route:
    operation: str
    handler: Handler | None = None  # None: not implemented yet


SERVICE, BUCKET, OBJECT = Target.SERVICE, Target.BUCKET, Target.OBJECT

ROUTES: Final[dict[tuple[str, Target, str], Route]] = {
    ("GET", SERVICE, ""): Route("ListBuckets", buckets.list_buckets_handler),
    ("PUT", BUCKET, ""): Route("CreateBucket", buckets.create_bucket),
    ("HEAD", BUCKET, ""): Route("HeadBucket", buckets.head_bucket),
    ("DELETE", BUCKET, ""): Route("DeleteBucket", buckets.delete_bucket_handler),
    ("GET", BUCKET, ""): Route("ListObjects", listing.list_objects),
    ("GET", BUCKET, "list-type"): Route("ListObjectsV2", listing.list_objects_v2),
    ("GET", BUCKET, "location"): Route("GetBucketLocation", buckets.get_bucket_location),
    ("GET", BUCKET, "versioning"): Route("GetBucketVersioning", buckets.get_bucket_versioning),
    ("PUT", BUCKET, "policy"): Route("PutBucketPolicy", bucket_policy.put_bucket_policy),
    ("GET", BUCKET, "policy"): Route("GetBucketPolicy", bucket_policy.get_bucket_policy),
    ("DELETE", BUCKET, "policy"): Route("DeleteBucketPolicy", bucket_policy.delete_bucket_policy),
    ("POST", BUCKET, "delete"): Route("DeleteObjects", deletes.delete_objects),
    ("PUT", OBJECT, ""): Route("PutObject", objects.put_object),
    ("GET", OBJECT, ""): Route("GetObject", objects.get_object),
    ("HEAD", OBJECT, ""): Route("HeadObject", objects.head_object),
    ("DELETE", OBJECT, ""): Route("DeleteObject", objects.delete_object),
}

# Operations S3 defines that have no handler yet: "<target> <subresource> <METHOD>:<Operation> …".
_NOT_IMPLEMENTED: Final = """
BUCKET - POST:PostObject
BUCKET uploads GET:ListMultipartUploads
BUCKET versions GET:ListObjectVersions
BUCKET versioning PUT:PutBucketVersioning
BUCKET policyStatus GET:GetBucketPolicyStatus
BUCKET acl GET:GetBucketAcl PUT:PutBucketAcl
BUCKET cors GET:GetBucketCors PUT:PutBucketCors DELETE:DeleteBucketCors
BUCKET lifecycle GET:GetBucketLifecycleConfiguration PUT:PutBucketLifecycleConfiguration DELETE:DeleteBucketLifecycle
BUCKET tagging GET:GetBucketTagging PUT:PutBucketTagging DELETE:DeleteBucketTagging
BUCKET website GET:GetBucketWebsite PUT:PutBucketWebsite DELETE:DeleteBucketWebsite
BUCKET encryption GET:GetBucketEncryption PUT:PutBucketEncryption DELETE:DeleteBucketEncryption
BUCKET logging GET:GetBucketLogging PUT:PutBucketLogging
BUCKET notification GET:GetBucketNotificationConfiguration PUT:PutBucketNotificationConfiguration
BUCKET replication GET:GetBucketReplication PUT:PutBucketReplication DELETE:DeleteBucketReplication
BUCKET requestPayment GET:GetBucketRequestPayment PUT:PutBucketRequestPayment
BUCKET accelerate GET:GetBucketAccelerateConfiguration PUT:PutBucketAccelerateConfiguration
BUCKET object-lock GET:GetObjectLockConfiguration PUT:PutObjectLockConfiguration
BUCKET ownershipControls GET:GetBucketOwnershipControls PUT:PutBucketOwnershipControls
BUCKET ownershipControls DELETE:DeleteBucketOwnershipControls
BUCKET publicAccessBlock GET:GetPublicAccessBlock PUT:PutPublicAccessBlock DELETE:DeletePublicAccessBlock
BUCKET analytics GET:GetBucketAnalyticsConfiguration PUT:PutBucketAnalyticsConfiguration
BUCKET analytics DELETE:DeleteBucketAnalyticsConfiguration
BUCKET metrics GET:GetBucketMetricsConfiguration PUT:PutBucketMetricsConfiguration
BUCKET metrics DELETE:DeleteBucketMetricsConfiguration
BUCKET inventory GET:GetBucketInventoryConfiguration PUT:PutBucketInventoryConfiguration
BUCKET inventory DELETE:DeleteBucketInventoryConfiguration
BUCKET intelligent-tiering GET:GetBucketIntelligentTieringConfiguration PUT:PutBucketIntelligentTieringConfiguration
BUCKET intelligent-tiering DELETE:DeleteBucketIntelligentTieringConfiguration
BUCKET metadataTable GET:GetBucketMetadataTableConfiguration POST:CreateBucketMetadataTableConfiguration
BUCKET metadataTable DELETE:DeleteBucketMetadataTableConfiguration
BUCKET metadataConfiguration GET:GetBucketMetadataConfiguration POST:CreateBucketMetadataConfiguration
BUCKET metadataConfiguration DELETE:DeleteBucketMetadataConfiguration
BUCKET session GET:CreateSession
OBJECT uploads POST:CreateMultipartUpload
OBJECT uploadId PUT:UploadPart POST:CompleteMultipartUpload DELETE:AbortMultipartUpload GET:ListParts
OBJECT x-amz-copy-source PUT:CopyObject
OBJECT acl GET:GetObjectAcl PUT:PutObjectAcl
OBJECT tagging GET:GetObjectTagging PUT:PutObjectTagging DELETE:DeleteObjectTagging
OBJECT retention GET:GetObjectRetention PUT:PutObjectRetention
OBJECT legal-hold GET:GetObjectLegalHold PUT:PutObjectLegalHold
OBJECT torrent GET:GetObjectTorrent
OBJECT attributes GET:GetObjectAttributes
OBJECT restore POST:RestoreObject
OBJECT select POST:SelectObjectContent
OBJECT renameObject PUT:RenameObject
OBJECT annotation GET:GetObjectAnnotation PUT:PutObjectAnnotation DELETE:DeleteObjectAnnotation
OBJECT encryption PUT:UpdateObjectEncryption
BUCKET abac GET:GetBucketAbac PUT:PutBucketAbac
BUCKET metadataAnnotationTable PUT:UpdateBucketMetadataAnnotationTableConfiguration
BUCKET metadataInventoryTable PUT:UpdateBucketMetadataInventoryTableConfiguration
BUCKET metadataJournalTable PUT:UpdateBucketMetadataJournalTableConfiguration
"""


def _not_implemented_rows() -> dict[tuple[str, Target, str], Route]:
    rows: dict[tuple[str, Target, str], Route] = {}
    for line in _NOT_IMPLEMENTED.strip().splitlines():
        target, marker, *operations = line.split()
        for operation in operations:
            method, name = operation.split(":")
            rows[(method, Target[target], "" if marker == "-" else marker)] = Route(name)
    return rows


for _key, _route in _not_implemented_rows().items():
    ROUTES.setdefault(_key, _route)

# Subresource parameters per target, in the order they are looked for (uploadId before partNumber:
# an UploadPart carries both).
MARKERS: Final = {
    Target.SERVICE: (),
    Target.BUCKET: tuple(dict.fromkeys(m for (_, t, m) in ROUTES if t is Target.BUCKET and m)),
    Target.OBJECT: tuple(dict.fromkeys(m for (_, t, m) in ROUTES if t is Target.OBJECT and m and m != COPY)),
}


def subresource(request: S3Request) -> str:
    for marker in MARKERS[request.target]:
        if marker in request.params:
            if marker == "list-type" and request.params[marker] != "2":
                continue
            return marker
    if request.target is Target.OBJECT and request.method == "PUT" and request.header(COPY) is not None:
        return COPY
    return ""


def route(request: S3Request) -> Route:
    marker = subresource(request)
    found = ROUTES.get((request.method, request.target, marker))
    if found is None:
        raise MethodNotAllowed(Method=request.method, ResourceType=request.target.value)
    return found


def handle(call: S3Call, *, virtual_hosts: Sequence[str] = DEFAULT_VIRTUAL_HOSTS) -> HttpResponse:
    """Serve one S3 request; raises `AwsError` for the server to render as an S3 ``<Error>``.

    `virtual_hosts`: the endpoint host names under which ``bucket.<host>`` addresses a bucket.
    """
    request = build_request(call, virtual_hosts)
    found = route(request)
    if found.handler is None:
        raise errors.NotImplemented()
    return found.handler(request)
