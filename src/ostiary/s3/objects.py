"""Object operations: PutObject, GetObject, HeadObject, DeleteObject.

AWS behaviour followed here (API reference of each operation unless noted):

- Authorization comes before anything reveals whether the key exists. A missing key is 404
  NoSuchKey only for callers who may also ``s3:ListBucket`` the bucket; the others get the 403
  they would get for ListBucket (API_GetObject: "If you have the s3:ListBucket permission on the
  bucket, Amazon S3 returns an HTTP status code 404 Not Found error. If you don't have the
  s3:ListBucket permission, Amazon S3 returns an HTTP status code 403 Access Denied error.").
- PutObject's ETag is the quoted MD5 of the body (s3cmd checks it; Amazon S3 API Reference,
  "Object", ETag, https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html); a checksum
  the client sent is verified, stored and echoed with ``x-amz-checksum-type: FULL_OBJECT``.
- ``x-amz-acl`` is accepted when it grants nothing beyond the owner (ACLs are disabled on new
  buckets, see `names.ACLS_WITHOUT_GRANTS`); other canned ACLs and grant headers are
  AccessControlListNotSupported "The bucket does not allow ACLs".
- Conditional writes (S3 User Guide, "Conditional writes"): ``If-None-Match: *`` fails with 412
  when the key exists, ``If-Match`` when its ETag differs (404 when there is no object); any
  other If-None-Match value, both headers at once, or ``If-Match: *`` are NotImplemented.
- Server-side encryption, object tagging and object lock headers ask for functionality ostiary
  does not have: NotImplemented naming the header.
- DeleteObject is idempotent: 204 whether or not the key existed.
- An unversioned bucket has only the ``null`` version: another ``versionId`` is InvalidArgument
  "Invalid version id specified".
- ``response-*`` query parameters override response headers on GetObject for signed requests
  only: "Request specific response headers cannot be used for anonymous GET requests."
"""

from __future__ import annotations

from typing import BinaryIO, Final

from ostiary import errors
from ostiary.caller import CallerKind
from ostiary.errors import (
    AccessControlListNotSupported,
    InvalidArgument,
    InvalidRequest,
    InvalidStorageClass,
    NoSuchKey,
    PreconditionFailed,
)
from ostiary.http import FileBody, HttpResponse
from ostiary.s3 import metadata
from ostiary.s3.access import Bucket, Keys, authorize, is_allowed, load_bucket, recheck_bucket
from ostiary.s3.conditions import Outcome, Preconditions, etag_matches, parse_range
from ostiary.s3.names import ACLS_WITHOUT_GRANTS, OBJECT_CANNED_ACLS, STORAGE_CLASSES, check_key
from ostiary.s3.request import S3Request
from ostiary.s3.responses import empty, http_date, quoted
from ostiary.s3.uploads import declared_size, store_body
from ostiary.store import objects as rows
from ostiary.store.objects import BlobStore, ObjectRecord

# Headers whose functionality ostiary does not implement (each is NotImplemented when sent).
UNSUPPORTED_PUT_HEADERS: Final = (
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-bucket-key-enabled",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-md5",
    "x-amz-tagging",
    "x-amz-object-lock-mode",
    "x-amz-object-lock-retain-until-date",
    "x-amz-object-lock-legal-hold",
    "x-amz-website-redirect-location",
    "x-amz-write-offset-bytes",
)
UNSUPPORTED_GET_HEADERS: Final = (
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-md5",
)
_GRANT_HEADERS: Final = (
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
)


def _blobs(request: S3Request) -> BlobStore:
    return BlobStore.of(request.call.store.data_dir)


def _check_version(request: S3Request) -> None:
    version = request.param("versionId")
    if version is not None and version != "null":
        raise InvalidArgument("Invalid version id specified", ArgumentName="versionId", ArgumentValue=version)


def _refuse_unsupported(request: S3Request, headers: tuple[str, ...]) -> None:
    for name in headers:
        if request.header(name) is not None:
            raise errors.NotImplemented(Header=name)


# --- PutObject -----------------------------------------------------------------------------


def _put_keys(request: S3Request) -> Keys:
    keys: Keys = {}
    acl = request.header("x-amz-acl")
    if acl is not None:
        if acl not in OBJECT_CANNED_ACLS:
            raise InvalidArgument(ArgumentName="x-amz-acl", ArgumentValue=acl)
        if acl not in ACLS_WITHOUT_GRANTS:
            raise AccessControlListNotSupported()
        keys["s3:x-amz-acl"] = (acl,)
    if any(request.header(name) is not None for name in _GRANT_HEADERS):
        raise AccessControlListNotSupported()
    storage_class = request.header("x-amz-storage-class")
    if storage_class is not None:
        if storage_class not in STORAGE_CLASSES:
            raise InvalidStorageClass(StorageClassRequested=storage_class)
        keys["s3:x-amz-storage-class"] = (storage_class,)
    return keys


def _write_conditions(request: S3Request) -> tuple[str | None, str | None]:
    if_match, if_none_match = request.header("if-match"), request.header("if-none-match")
    if if_match is not None and if_none_match is not None:
        raise errors.NotImplemented(
            Header="If-Match,If-None-Match",
            additionalMessage="Multiple conditional request headers present in the request",
        )
    if (if_none_match is not None and if_none_match.strip() != "*") or (
        if_match is not None and if_match.strip() == "*"
    ):
        name = "If-None-Match" if if_none_match is not None else "If-Match"
        raise errors.NotImplemented(
            Header=name, additionalMessage=f"We don't accept the provided value of {name} header for this API"
        )
    return if_match, if_none_match


def _check_write_conditions(
    request: S3Request, previous: ObjectRecord | None, if_match: str | None, if_none_match: str | None
) -> None:
    if if_none_match is not None and previous is not None:
        raise PreconditionFailed(Condition="If-None-Match")
    if if_match is not None:
        if previous is None:
            raise NoSuchKey(Key=request.key)
        if not etag_matches(if_match, previous.etag):
            raise PreconditionFailed(Condition="If-Match")


def put_object(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    check_key(request.key)
    _check_version(request)
    _refuse_unsupported(request, UNSUPPORTED_PUT_HEADERS)
    keys = _put_keys(request)
    if_match, if_none_match = _write_conditions(request)
    size = declared_size(request)
    doc_without_checksum = metadata.document(request, None, request.header("x-amz-storage-class"))
    content_type = request.header("content-type") or metadata.DEFAULT_CONTENT_TYPE
    authorize(request, "s3:PutObject", bucket, key=request.key, keys=keys)

    blobs = _blobs(request)
    stored = store_body(request, blobs, size)
    doc = dict(doc_without_checksum)
    if not metadata.is_text(content_type):
        doc["headers"] = {**doc["headers"], "Content-Type": content_type}
    if stored.checksum is not None:
        doc["checksum"] = {"algorithm": stored.checksum[0], "value": stored.checksum[1]}
    record = ObjectRecord(
        bucket=bucket.name,
        key=request.key,
        size=stored.size,
        etag=stored.etag,
        content_type=content_type if metadata.is_text(content_type) else None,
        last_modified=request.call.now.replace(microsecond=0),
        blob=stored.blob,
        metadata=doc,
    )
    committing = False
    try:
        with request.call.store.write() as conn:
            recheck_bucket(conn, bucket)
            previous = rows.get_object(conn, bucket.name, request.key, lock=True)
            _check_write_conditions(request, previous, if_match, if_none_match)
            while previous is None and not rows.insert_object(conn, record):
                # Another upload created the key meanwhile (PostgreSQL): it is now the one we replace.
                previous = rows.get_object(conn, bucket.name, request.key, lock=True)
                _check_write_conditions(request, previous, if_match, if_none_match)
            if previous is not None:
                rows.update_object(conn, record)
            committing = True
    except BaseException:
        # Remove the new file only if the row surely did not commit. A failure in or after COMMIT
        # leaves that unknown, and a row must never name a missing file (an unreferenced one is harmless).
        if not committing:
            blobs.remove(stored.blob)
        raise
    if previous is not None and previous.blob != stored.blob:
        blobs.remove(previous.blob)
    headers = [("ETag", quoted(stored.etag))]
    if stored.checksum is not None:
        headers += [(f"x-amz-checksum-{stored.checksum[0].lower()}", stored.checksum[1])]
        headers += [("x-amz-checksum-type", "FULL_OBJECT")]
    return empty(200, headers)


# --- GetObject / HeadObject ------------------------------------------------------------------


def _read_object(request: S3Request, bucket: Bucket) -> ObjectRecord:
    """The object after s3:GetObject was authorized; a missing key is 404 only for callers who may list."""
    with request.call.store.read() as conn:
        record = rows.get_object(conn, bucket.name, request.key)
    if record is None:
        denied = is_allowed(request, "s3:ListBucket", bucket)
        if denied is not None:
            raise denied
        raise NoSuchKey(Key=request.key)
    return record


def _open_object(request: S3Request, bucket: Bucket, with_body: bool) -> tuple[ObjectRecord, BinaryIO | None]:
    """The object's row and, for GET, its file opened now: a replace or delete that commits between the
    row read and the open removes the file, so read the row again (the newer object, or NoSuchKey)."""
    for _ in range(3):
        record = _read_object(request, bucket)
        if not with_body:
            return record, None
        try:
            return record, _blobs(request).path(record.blob).open("rb")
        except FileNotFoundError:
            continue
    raise NoSuchKey(Key=request.key)


def _preconditions(request: S3Request) -> Preconditions:
    return Preconditions(
        if_match=request.header("if-match"),
        if_none_match=request.header("if-none-match"),
        if_modified_since=request.header("if-modified-since"),
        if_unmodified_since=request.header("if-unmodified-since"),
    )


def _overrides(request: S3Request) -> list[tuple[str, str]]:
    found = [
        (header, value)
        for param, header in metadata.RESPONSE_OVERRIDES.items()
        if (value := request.param(param)) is not None
    ]
    if found and request.call.caller.kind is CallerKind.ANONYMOUS:
        raise InvalidRequest("Request specific response headers cannot be used for anonymous GET requests.")
    for header, value in found:
        # A response header cannot carry line breaks or other control characters.
        if any((ord(char) < 0x20 and char != "\t") or ord(char) == 0x7F for char in value):
            raise InvalidArgument(
                "Header value cannot be represented using ISO-8859-1.",
                ArgumentName=header,
                ArgumentValue=value.encode("unicode_escape").decode("ascii"),
            )
    return found


def _object_response(request: S3Request, *, with_body: bool) -> HttpResponse:
    bucket = load_bucket(request)
    check_key(request.key)
    _check_version(request)
    _refuse_unsupported(request, UNSUPPORTED_GET_HEADERS)
    if request.param("partNumber") is not None:
        raise errors.NotImplemented(Header="partNumber")
    overrides = _overrides(request) if with_body else []
    authorize(request, "s3:GetObject", bucket, key=request.key)
    record, handle = _open_object(request, bucket, with_body)

    validators = [("ETag", quoted(record.etag)), ("Last-Modified", http_date(record.last_modified))]
    try:
        if (
            _preconditions(request).evaluate(record.etag, record.last_modified, request.call.now)
            is Outcome.NOT_MODIFIED
        ):
            if handle is not None:
                handle.close()
            return empty(304, validators)
        byte_range = parse_range(request.header("range"), record.size)
    except BaseException:
        if handle is not None:
            handle.close()
        raise

    headers = [("Accept-Ranges", "bytes"), *validators]
    headers += metadata.response_headers(record.content_type, record.metadata)
    checksum = metadata.checksum_of(record.metadata)
    full = byte_range is None or byte_range.length == record.size
    if checksum is not None and full and (request.header("x-amz-checksum-mode") or "").upper() == "ENABLED":
        headers += [(f"x-amz-checksum-{checksum[0].lower()}", checksum[1]), ("x-amz-checksum-type", "FULL_OBJECT")]
    if overrides:
        names = {name.lower() for name, _ in overrides}
        headers = [(n, v) for n, v in headers if n.lower() not in names] + overrides
    status, offset, length = 200, 0, record.size
    if byte_range is not None:
        status, offset, length = 206, byte_range.first, byte_range.length
        headers.append(("Content-Range", byte_range.content_range))
    if not with_body or handle is None:
        return empty(status, [*headers, ("Content-Length", str(length))])
    return HttpResponse(status, headers, FileBody(_blobs(request).path(record.blob), offset, length, handle))


def get_object(request: S3Request) -> HttpResponse:
    return _object_response(request, with_body=True)


def head_object(request: S3Request) -> HttpResponse:
    return _object_response(request, with_body=False)


# --- DeleteObject ------------------------------------------------------------------------------


def delete_object(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    check_key(request.key)
    _check_version(request)
    authorize(request, "s3:DeleteObject", bucket, key=request.key)
    with request.call.store.write() as conn:
        removed = rows.delete_object(conn, bucket.name, request.key)
    if removed is not None:
        _blobs(request).remove(removed)
    return empty(204)
