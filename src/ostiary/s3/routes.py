"""The S3 REST routing table: (method, target, subresource) → operation.

A request's target is the service (``/``), a bucket (``/b``, ``/b/``) or an object (``/b/k``);
its subresource is the first query parameter, in the order of `MARKERS`, that names one
(``?policy``, ``?uploads``, ``?list-type=2``…). A PUT with ``x-amz-copy-source`` is a copy.
Other parameters (``prefix``, ``x-id``, presigned-URL parameters…) never route.

Every operation S3 defines has a row. Those without a handler answer NotImplemented (501) naming the
operation and pointing to ``docs/supported-api.md``; a target and subresource that exist with another
method answer MethodNotAllowed (405) with ``Method`` and ``ResourceType``, as S3 does for, say, POST on
an object. Multipart uploads, copies and the configuration subresources are rows waiting for their
handlers.

A subresource the route did not consume never falls through to the base operation (``GET
/bucket?default-storage-class`` must not answer as ListObjects): after routing, each remaining query
parameter is either an ordinary parameter (`ORDINARY_PARAMETERS`: a member some S3 operation reads from
the query string in botocore's S3 model, or one clients add that S3 ignores, such as ``x-id`` and the
presigned-URL parameters), or it is refused with 501 when it is a marker S3 defines for another target
or method, or an unknown bare one (``?name`` or ``?name=``, the form of every subresource marker;
S3 keeps adding them). An unknown parameter with a value is ignored, as S3 ignores it.
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


# Query members S3 operations read (botocore's S3 model: every member with ``location: querystring``).
# They never route (except uploadId, a marker too) and are never refused, whatever the operation.
MODEL_QUERY_PARAMETERS: Final = frozenset(
    {
        "annotation-prefix",
        "annotationName",
        "bucket-region",
        "continuation-token",
        "delimiter",
        "encoding-type",
        "fetch-owner",
        "id",
        "key-marker",
        "marker",
        "max-annotation-results",
        "max-buckets",
        "max-directory-buckets",
        "max-keys",
        "max-parts",
        "max-uploads",
        "part-number-marker",
        "partNumber",
        "prefix",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
        "start-after",
        "upload-id-marker",
        "uploadId",
        "version-id-marker",
        "versionId",
    }
)
# Parameters clients add that no operation reads: botocore's operation hint, and SigV2 query authentication
# (S3 API Reference, "Authenticating Requests: Using Query Parameters"); every X-Amz-* name is ordinary too.
CLIENT_PARAMETERS: Final = frozenset({"x-id", "AWSAccessKeyId", "Signature", "Expires"})
# Markers that carry a value: ``list-type=2`` (ListObjectsV2) and ``select-type=2`` (SelectObjectContent,
# ``?select&select-type=2``), with the route marker each accompanies. ``list-type`` other than 2 lists (v1).
COMPANION_MARKERS: Final = {"list-type": "", "select-type": "select"}
# Subresources S3 serves beyond the botocore model pinned here, so that their 501 names the operation. Amazon S3
# API Reference, GetBucketDefaultStorageClass and PutBucketDefaultStorageClass, "GET /?default-storage-class"
# (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketDefaultStorageClass.html).
NEWER_OPERATIONS: Final = {
    ("GET", Target.BUCKET, "default-storage-class"): "GetBucketDefaultStorageClass",
    ("PUT", Target.BUCKET, "default-storage-class"): "PutBucketDefaultStorageClass",
}
KNOWN_MARKERS: Final = (
    frozenset(m for (_, _, m) in ROUTES if m and m != COPY)
    | frozenset(COMPANION_MARKERS)
    | frozenset(m for (_, _, m) in NEWER_OPERATIONS)
)
_TARGET_NAMES: Final = {Target.SERVICE: "the service", Target.BUCKET: "a bucket", Target.OBJECT: "an object"}


def is_ordinary(name: str) -> bool:
    """Whether a query parameter is one S3 reads as an operation member or ignores (never a subresource)."""
    return name in MODEL_QUERY_PARAMETERS or name in CLIENT_PARAMETERS or name[:6].lower() == "x-amz-"


def _not_implemented(operation: str) -> errors.NotImplemented:
    return errors.NotImplemented(
        f"{operation} is not implemented by ostiary; docs/supported-api.md lists the operations it serves."
    )


def _unserved_subresource(request: S3Request, name: str) -> errors.NotImplemented:
    return errors.NotImplemented(
        f"The subresource ?{name} is not implemented for {request.method} on {_TARGET_NAMES[request.target]} "
        "by ostiary; docs/supported-api.md lists the operations it serves."
    )


def refuse_unserved_subresources(request: S3Request, marker: str) -> None:
    """Raise NotImplemented for a subresource marker the routed operation does not serve (see the module doc)."""
    for name, value in request.params.items():
        if name == marker or is_ordinary(name) or COMPANION_MARKERS.get(name) == marker:
            continue
        if name in KNOWN_MARKERS or value == "":
            row = (request.method, request.target, name)
            other = ROUTES.get(row)
            if other is not None and other.handler is None:
                raise _not_implemented(other.operation)
            if row in NEWER_OPERATIONS:
                raise _not_implemented(NEWER_OPERATIONS[row])
            raise _unserved_subresource(request, name)


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
    refuse_unserved_subresources(request, marker)
    return found


def handle(call: S3Call, *, virtual_hosts: Sequence[str] = DEFAULT_VIRTUAL_HOSTS) -> HttpResponse:
    """Serve one S3 request; raises `AwsError` for the server to render as an S3 ``<Error>``.

    `virtual_hosts`: the endpoint host names under which ``bucket.<host>`` addresses a bucket.
    """
    request = build_request(call, virtual_hosts)
    found = route(request)
    if found.handler is None:
        raise _not_implemented(found.operation)
    return found.handler(request)
