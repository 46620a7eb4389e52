"""The one place where an `AwsError` becomes an HTTP response.

IAM and STS get a Query ``<ErrorResponse>`` (Smithy, "AWS query protocol",
https://smithy.io/2.0/aws/protocols/aws-query-protocol.html) and the
``x-amzn-RequestId`` header; S3 gets an ``<Error>`` document with its extra
elements, ``RequestId`` and ``HostId``, and the ``x-amz-request-id`` /
``x-amz-id-2`` headers that botocore reads (Amazon S3 API Reference, "Error
responses", https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
HEAD responses carry no body. Anything that is not an `AwsError` is a server
fault: it is logged with its traceback and answered as InternalFailure /
InternalError, never with internal details.
"""

from __future__ import annotations

import logging

from ostiary.errors import AwsError, InternalFailure, S3InternalError
from ostiary.http import HttpResponse
from ostiary.protocol.query import IAM_NAMESPACE, STS_NAMESPACE, encode_error, text

log = logging.getLogger("ostiary.server")

NAMESPACES = {"iam": IAM_NAMESPACE, "sts": STS_NAMESPACE}


def as_aws_error(exc: BaseException, service: str) -> AwsError:
    if isinstance(exc, AwsError):
        return exc
    log.error("internal error while serving %s", service, exc_info=exc)
    return S3InternalError() if service == "s3" else InternalFailure()


def query_error_response(error: AwsError, service: str, request_id: str) -> HttpResponse:
    body = encode_error(NAMESPACES.get(service, STS_NAMESPACE), error.code, error.text, error.sender_fault, request_id)
    return HttpResponse(
        error.status,
        [("content-type", "text/xml"), ("x-amzn-requestid", request_id)],
        body,
    )


def s3_error_response(error: AwsError, method: str, request_id: str, host_id: str) -> HttpResponse:
    headers = [("x-amz-request-id", request_id), ("x-amz-id-2", host_id)]
    if method == "HEAD":
        return HttpResponse(error.status, headers, b"")
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{text(error.code)}</Code>']
    parts.append(f"<Message>{text(error.text)}</Message>")
    for name, value in error.extra.items():
        parts.append(f"<{name}>{text(value)}</{name}>")
    parts.append(f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>")
    headers.append(("content-type", "application/xml"))
    return HttpResponse(error.status, headers, "".join(parts).encode("utf-8"))


def error_response(exc: BaseException, service: str, method: str, request_id: str, host_id: str) -> HttpResponse:
    error = as_aws_error(exc, service)
    if service == "s3":
        return s3_error_response(error, method, request_id, host_id)
    return query_error_response(error, service, request_id)
