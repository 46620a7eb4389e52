"""DeleteObjects: up to 1,000 keys in one request (``aws s3 rm --recursive``, ``aws s3 rb --force``).

API_DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html): the body
is ``<Delete><Object><Key>…</Key>[<VersionId>…</VersionId>]</Object>…[<Quiet>true</Quiet>]</Delete>``
and must carry Content-MD5 or an additional checksum; more than 1,000 objects is MalformedXML. "For
each key, Amazon S3 performs a delete operation and returns the result of that delete, success or
failure, in the response": each key is authorized as ``s3:DeleteObject`` on its own and reported on
its own, ``<Deleted><Key>`` (left out in quiet mode) or ``<Error><Key><Code><Message>`` (AccessDenied
"Access Denied"; a version other than ``null`` on an unversioned bucket is NoSuchVersion "The
specified version does not exist."). Deleting a key that does not exist succeeds, as DeleteObject does.

What is checked before the body is read: the caller's signature (the server, before any handler),
that the bucket exists and has the expected owner, that an integrity header is present, and, for an
anonymous caller, that the bucket policy could allow it to delete anything at all
(`refuse_anonymous_without_grant`). Only then is the body read, its digest verified, and the XML
parsed (`ostiary.s3.xml.parse`, which refuses DTDs and entities and bounds the document).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ostiary.errors import AccessDenied, InvalidRequest, MalformedXML
from ostiary.http import HttpResponse
from ostiary.s3 import xml
from ostiary.s3.access import Bucket, authorize, load_bucket, recheck_bucket, refuse_anonymous_without_grant
from ostiary.s3.request import S3Request
from ostiary.s3.responses import xml_response
from ostiary.s3.uploads import read_small
from ostiary.store import objects as rows
from ostiary.store.objects import BlobStore

DELETE_MAX_KEYS: Final = 1_000
BODY_MAX_BYTES: Final = xml.LIMITS["Delete"].max_bytes


@dataclass(frozen=True, slots=True)
class _Target:
    key: str
    version: str | None


def _parse(body: bytes) -> tuple[list[_Target], bool]:
    root = xml.parse(body, "Delete")
    targets: list[_Target] = []
    quiet = False
    for name, child in xml.children(root):
        if name == "Quiet":
            quiet = (child.text or "").strip().lower() == "true"
        elif name == "Object":
            fields = {n: (c.text or "") for n, c in xml.children(child)}
            if "Key" not in fields or set(fields) - {"Key", "VersionId", "ETag", "LastModifiedTime", "Size"}:
                raise MalformedXML()
            targets.append(_Target(fields["Key"], fields.get("VersionId")))
        else:
            raise MalformedXML()
    if not targets or len(targets) > DELETE_MAX_KEYS:
        raise MalformedXML()
    return targets, quiet


def _error(target: _Target, code: str, message: str) -> xml.Node:
    return ("Error", [("Key", target.key), ("VersionId", target.version), ("Code", code), ("Message", message)])


def _delete_allowed(request: S3Request, bucket: Bucket, allowed: list[tuple[int, _Target]], removed: list[str]) -> None:
    with request.call.store.write() as conn:
        recheck_bucket(conn, bucket)
        for _, target in allowed:
            blob = rows.delete_object(conn, bucket.name, target.key)
            if blob is not None:
                removed.append(blob)


def delete_objects(request: S3Request) -> HttpResponse:
    bucket = load_bucket(request)
    refuse_anonymous_without_grant(request, "s3:DeleteObject", bucket)
    if not any(name == "content-md5" or name.startswith("x-amz-checksum-") for name, _ in request.call.http.headers):
        raise InvalidRequest("Missing required header for this request: Content-MD5")
    targets, quiet = _parse(read_small(request, BODY_MAX_BYTES, MalformedXML))
    outcome: list[xml.Node | None] = []
    allowed: list[tuple[int, _Target]] = []
    for target in targets:
        if target.version is not None and target.version != "null":
            outcome.append(_error(target, "NoSuchVersion", "The specified version does not exist."))
            continue
        try:
            authorize(request, "s3:DeleteObject", bucket, key=target.key)
        except AccessDenied as denied:
            outcome.append(_error(target, denied.code, "Access Denied"))
            continue
        allowed.append((len(outcome), target))
        outcome.append(None)
    removed: list[str] = []
    if allowed:  # a request whose every key was denied writes nothing
        _delete_allowed(request, bucket, allowed, removed)
    blobs = BlobStore.of(request.call.store.data_dir)
    for blob in removed:
        blobs.remove(blob)
    for index, target in allowed:
        if not quiet:
            outcome[index] = ("Deleted", [("Key", target.key), ("VersionId", target.version)])
    return xml_response("DeleteResult", [node for node in outcome if node is not None])
