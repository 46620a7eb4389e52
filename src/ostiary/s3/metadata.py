"""Object metadata: what PutObject stores from its headers and GetObject/HeadObject send back.

S3 User Guide, "Working with object metadata":

- System metadata a client may set and S3 returns: Content-Type (default
  ``binary/octet-stream``), Cache-Control, Content-Disposition, Content-Encoding,
  Content-Language, Expires.
- User-defined metadata: ``x-amz-meta-*`` headers, names stored lower-case, values as sent.
  "The user-defined metadata is limited to 2 KB in size. The size of user-defined metadata is
  measured by taking the sum of the number of bytes in the UTF-8 encoding of each key and
  value." Larger: MetadataTooLarge.
- ``aws-chunked`` is a transfer coding of the request, not of the object: S3 drops it from
  Content-Encoding (and stores no Content-Encoding when nothing else is left).

The stored document (the ``objects.metadata`` column) is::

    {"headers": {"Cache-Control": "…", …}, "meta": {"name": "value", …},
     "checksum": {"algorithm": "CRC32", "value": "…"}, "storage_class": "STANDARD"}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ostiary.errors import MetadataTooLarge
from ostiary.s3.request import S3Request

DEFAULT_CONTENT_TYPE: Final = "binary/octet-stream"
USER_METADATA_MAX_BYTES: Final = 2 * 1024
META_PREFIX: Final = "x-amz-meta-"
# Request header -> the name S3 returns it under.
STORED_HEADERS: Final = {
    "cache-control": "Cache-Control",
    "content-disposition": "Content-Disposition",
    "content-encoding": "Content-Encoding",
    "content-language": "Content-Language",
    "expires": "Expires",
}
# GetObject's response-* query parameters override these headers (API_GetObject).
RESPONSE_OVERRIDES: Final = {
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
    "response-content-language": "Content-Language",
    "response-content-type": "Content-Type",
    "response-expires": "Expires",
}


def _raw(value: str) -> bytes:
    """The bytes a header value arrived as (the server decodes them as UTF-8 with surrogateescape)."""
    return value.encode("utf-8", "surrogateescape")


def is_text(value: str) -> bool:
    """Whether a header value was valid UTF-8 (it can then be stored as text as it is)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _content_encoding(value: str) -> str | None:
    codings = [c.strip() for c in value.split(",") if c.strip() and c.strip().lower() != "aws-chunked"]
    return ",".join(codings) or None


def user_metadata(request: S3Request) -> dict[str, str]:
    meta: dict[str, str] = {}
    for name, value in request.call.http.headers:
        if name.startswith(META_PREFIX) and len(name) > len(META_PREFIX):
            key = name[len(META_PREFIX) :]
            meta[key] = f"{meta[key]},{value}" if key in meta else value
    size = sum(len(_raw(k)) + len(_raw(v)) for k, v in meta.items())
    if size > USER_METADATA_MAX_BYTES:
        raise MetadataTooLarge(Size=str(size), MaxSizeAllowed=str(USER_METADATA_MAX_BYTES))
    return meta


def stored_headers(request: S3Request) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, returned in STORED_HEADERS.items():
        value = request.header(name)
        if value is None:
            continue
        if name == "content-encoding":
            value = _content_encoding(value)
            if value is None:
                continue
        headers[returned] = value
    return headers


def document(request: S3Request, checksum: tuple[str, str] | None, storage_class: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"headers": stored_headers(request), "meta": user_metadata(request)}
    if checksum is not None:
        doc["checksum"] = {"algorithm": checksum[0], "value": checksum[1]}
    if storage_class is not None and storage_class != "STANDARD":
        doc["storage_class"] = storage_class
    return doc


def checksum_of(metadata: Mapping[str, Any]) -> tuple[str, str] | None:
    found = metadata.get("checksum")
    if not isinstance(found, Mapping):
        return None
    return str(found["algorithm"]), str(found["value"])


def storage_class_of(metadata: Mapping[str, Any]) -> str:
    return str(metadata.get("storage_class", "STANDARD"))


def response_headers(content_type: str | None, metadata: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Content-Type, the stored system headers, x-amz-meta-* and a non-default storage class."""
    stored = dict(metadata.get("headers", {}))
    # A Content-Type that was not UTF-8 is kept in the document (JSON escapes it), not in the column.
    out = [("Content-Type", str(stored.pop("Content-Type", None) or content_type or DEFAULT_CONTENT_TYPE))]
    out.extend((name, str(value)) for name, value in stored.items())
    out.extend((META_PREFIX + name, str(value)) for name, value in dict(metadata.get("meta", {})).items())
    storage_class = storage_class_of(metadata)
    if storage_class != "STANDARD":
        out.append(("x-amz-storage-class", storage_class))
    return out
