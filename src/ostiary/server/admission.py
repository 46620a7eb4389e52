"""Answers given on the event loop, before a request reaches a worker: too many in flight, too large a body.

The pipeline classifies a request only in a worker thread; a refusal must not wait for one. `service_of`
is the cheap guess the loop makes from the headers alone, so the refusal has the shape the client's SDK
parses: the SigV4 credential scope names the service (header or presigned query, "Authenticating
Requests (AWS Signature Version 4)",
https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html); an unsigned request
with an ``Action`` is STS; anything else is S3.

| refusal | S3 | IAM, STS |
|---|---|---|
| more than `Admission.limit` requests in flight | 503 SlowDown | 503 ServiceUnavailable |
| Content-Length above the body limit | 400 EntityTooLarge | 413 RequestEntityTooLarge |

Every AWS SDK retries a 503 with backoff ("Error retries and exponential backoff in AWS",
https://docs.aws.amazon.com/general/latest/gr/api-retries.html).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import MutableMapping
from typing import Any, Final
from urllib.parse import unquote_to_bytes

from ostiary import wire
from ostiary.errors import AwsError, EntityTooLarge, RequestEntityTooLarge, ServiceUnavailable, SlowDown
from ostiary.http import HttpResponse
from ostiary.server.errors import error_response

Scope = MutableMapping[str, Any]

# "Credential=AKID/20130524/us-east-1/s3/aws4_request" in the Authorization header or X-Amz-Credential.
_SCOPED_SERVICE: Final = re.compile(rb"Credential=[^/,\s]*/[0-9]{8}/[^/,\s]*/([a-z0-9-]+)/aws4_request")
_QUERY_SERVICES: Final = frozenset({"iam", "sts"})

OVERLOADED: Final[dict[bool, type[AwsError]]] = {True: SlowDown, False: ServiceUnavailable}
TOO_LARGE: Final[dict[bool, type[AwsError]]] = {True: EntityTooLarge, False: RequestEntityTooLarge}


class Admission:
    """Counts the requests in flight on one event loop (no lock: only the loop touches it)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"the in-flight request limit must be at least 1, not {limit}")
        self.limit = limit
        self.in_flight = 0
        self.refused = 0

    def enter(self) -> bool:
        """Admit one more request, or count a refusal and say no."""
        if self.in_flight >= self.limit:
            self.refused += 1
            return False
        self.in_flight += 1
        return True

    def leave(self) -> None:
        self.in_flight -= 1


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def service_of(scope: Scope) -> str:
    """The service a request is for, guessed from its headers and query: ``s3``, ``iam`` or ``sts``."""
    query: bytes = scope.get("query_string", b"")
    found = _SCOPED_SERVICE.search(_header(scope, b"authorization") or b"")
    if found is None and b"X-Amz-Credential=" in query:
        found = _SCOPED_SERVICE.search(b"Credential=" + unquote_to_bytes(query.split(b"X-Amz-Credential=", 1)[1]))
    if found is not None:
        service = found.group(1).decode("ascii")
        return service if service in _QUERY_SERVICES else "s3"
    if query.startswith(b"Action=") or b"&Action=" in query:
        return "sts"
    content_type = (_header(scope, b"content-type") or b"").split(b";", 1)[0].strip().lower()
    if scope["method"] == "POST" and content_type == b"application/x-www-form-urlencoded":
        path = scope.get("raw_path") or b"/"
        if path in (b"/", b""):
            return "sts"
    return "s3"


def declared_length(scope: Scope) -> int | None:
    """The Content-Length the client declared, when it is a plain number."""
    value = _header(scope, b"content-length")
    return None if value is None else wire.parse_int(value.decode("latin-1"), strip=True, max_digits=20)


def refusal(
    kinds: dict[bool, type[AwsError]], scope: Scope, host_id: str, *, close: bool, **extra: str
) -> HttpResponse:
    """The error of `kinds` for the request's service; `close` ends the connection (a body left unread)."""
    service = service_of(scope)
    request_id = str(uuid.UUID(bytes=os.urandom(16), version=4))
    response = error_response(kinds[service == "s3"](**extra), service, scope["method"], request_id, host_id)
    if close:
        response.headers.append(("connection", "close"))
    return response
