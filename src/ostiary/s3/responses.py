"""Building S3 responses: XML documents, empty replies, the header formats S3 uses."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Sequence
from typing import Final

from ostiary.http import HttpResponse
from ostiary.s3.xml import Node, document

XML_CONTENT_TYPE: Final = "application/xml"


def xml_response(root: str, nodes: Sequence[Node], *, headers: Sequence[tuple[str, str]] = ()) -> HttpResponse:
    body = document(root, nodes)
    return HttpResponse(200, [("Content-Type", XML_CONTENT_TYPE), *headers], body)


def empty(status: int = 200, headers: Sequence[tuple[str, str]] = ()) -> HttpResponse:
    return HttpResponse(status, list(headers), b"")


def http_date(value: dt.datetime) -> str:
    """RFC 1123 / RFC 9110 IMF-fixdate, as S3 writes Last-Modified: ``Wed, 12 Oct 2009 17:50:00 GMT``."""
    return email.utils.format_datetime(value.astimezone(dt.UTC), usegmt=True)


def quoted(etag: str) -> str:
    return f'"{etag}"'
