"""Reading request bodies: small configuration documents, and object uploads written to disk.

The server has already wrapped the body so that reading it verifies it (signed payload hash,
aws-chunked chunk signatures and trailer checksum); a failure surfaces as an `AwsError` from
`read`. Nothing is committed before the body has been read to its end: an upload goes to a
temporary file that is only renamed into place, and only then referenced by a database row,
once every byte has arrived and every digest matched (`ostiary.store.objects`).

Declared sizes (API_PutObject; S3 User Guide, "Uploading objects"): a plain body needs
Content-Length (MissingContentLength 411 otherwise); an aws-chunked body declares its decoded
size in X-Amz-Decoded-Content-Length. A single PUT carries at most 5 GiB (EntityTooLarge with
``ProposedSize`` and ``MaxSizeAllowed``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ostiary import wire
from ostiary.errors import AwsError, EntityTooLarge, IncompleteBody, MissingContentLength
from ostiary.limits import S3_PUT_MAX_BYTES
from ostiary.s3.checksums import BodyDigests, content_md5, requested_checksum
from ostiary.s3.request import S3Request
from ostiary.store.objects import BlobStore

READ_SIZE: Final = 1 << 20


def _is_aws_chunked(request: S3Request) -> bool:
    encoding = (request.header("content-encoding") or "").lower()
    sha = request.header("x-amz-content-sha256") or ""
    return "aws-chunked" in encoding or sha.startswith("STREAMING-")


def declared_size(request: S3Request, limit: int = S3_PUT_MAX_BYTES) -> int:
    """The number of bytes the upload says it carries."""
    if _is_aws_chunked(request):
        size = wire.parse_int(request.header("x-amz-decoded-content-length"), strip=True)
    else:
        size = wire.parse_int(request.header("content-length"), strip=True)
    if size is None:
        # Absent or not a number ("abc", "²", 4,400 digits) alike: S3 answers MissingContentLength for an invalid
        # x-amz-decoded-content-length too (recorded in versity/versitygw#1656).
        raise MissingContentLength()
    if size > limit:
        raise EntityTooLarge(ProposedSize=str(size), MaxSizeAllowed=str(limit))
    return size


def read_small(request: S3Request, limit: int, too_large: Callable[[], AwsError]) -> bytes:
    """A whole configuration body (XML, a policy), integrity headers verified."""
    md5 = content_md5(request)
    digests = BodyDigests(requested_checksum(request))
    data = bytearray()
    while chunk := request.call.http.body.read(READ_SIZE):
        data += chunk
        digests.update(chunk)
        if len(data) > limit:
            raise too_large()
    digests.verify(md5)
    return bytes(data)


@dataclass(frozen=True, slots=True)
class StoredBody:
    blob: str
    size: int
    etag: str  # MD5 hex
    checksum: tuple[str, str] | None  # (algorithm, base64 value)


def store_body(request: S3Request, blobs: BlobStore, size: int) -> StoredBody:
    """Stream the upload into a new durable file and verify it; the file is removed on any failure.

    Integrity headers are read first, so a malformed Content-MD5 or checksum header fails before
    any byte is written.
    """
    md5 = content_md5(request)
    digests = BodyDigests(requested_checksum(request))
    writer = blobs.new_writer(request.call.rng)
    try:
        body = request.call.http.body
        while chunk := body.read(READ_SIZE):
            digests.update(chunk)
            if digests.size > size:
                raise EntityTooLarge(ProposedSize=str(digests.size), MaxSizeAllowed=str(size))
            writer.write(chunk)
        if digests.size < size:
            raise IncompleteBody(NumberBytesExpected=str(size), NumberBytesProvided=str(digests.size))
        checksum = digests.verify(md5)
        name = writer.commit()
    except BaseException:
        writer.abort()
        raise
    return StoredBody(name, digests.size, digests.md5.hex(), checksum)
