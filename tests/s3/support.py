"""botocore as the oracle for response shapes: parse our responses the way boto3 does."""

from __future__ import annotations

import functools
from typing import Any

import botocore.parsers
import botocore.session
from urllib3 import HTTPHeaderDict

from ostiary.http import HttpResponse
from tests.s3.conftest import body_bytes


@functools.cache
def s3_model() -> Any:
    return botocore.session.get_session().get_service_model("s3")


def parse(operation: str, response: HttpResponse) -> dict[str, Any]:
    """What boto3 would return for `response` to `operation` (before botocore's after-call handlers)."""
    model = s3_model().operation_model(operation)
    headers = HTTPHeaderDict()
    for name, value in response.headers:
        headers.add(name, value)
    body = b"" if operation in ("GetObject",) else body_bytes(response)
    parser = botocore.parsers.create_parser("rest-xml")
    parsed: dict[str, Any] = parser.parse(
        {"status_code": response.status, "headers": headers, "body": body}, model.output_shape
    )
    parsed.pop("ResponseMetadata", None)
    return parsed
