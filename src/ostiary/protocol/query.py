"""The AWS Query protocol (IAM, STS): form decoding and XML results.

Requests are ``POST /`` with a form body of ``Action``, ``Version`` and the
parameters; some clients put everything in the query string (observed with minio-py 7.2
and presigned GetCallerIdentity), so both are read, the body winning.

Responses are what botocore's QueryParser and the JS SDK read (Smithy, "AWS query protocol",
https://smithy.io/2.0/aws/protocols/aws-query-protocol.html):

    <{Op}Response xmlns="…"><{Op}Result>…</{Op}Result>
      <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></{Op}Response>

Lists use ``<member>``; booleans are ``true``/``false``; timestamps are
``YYYY-MM-DDTHH:MM:SSZ``. Operations without output still send the envelope.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from ostiary import wire
from ostiary.errors import InvalidParameterValue

IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"

# XML 1.0 cannot carry these characters even as references; they never appear in
# values we produce from validated input, but make sure a response always parses.
# Raw bytes that are not UTF-8 arrive as lone surrogates (surrogateescape): replaced too.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_MAX_FIELDS = 10_000


class XmlMap(dict[str, Any]):
    """A map member, encoded as ``<entry><key>…</key><value>…</value></entry>``."""


def parse_form(body: bytes, query_string: str) -> dict[str, str]:
    """Query-string parameters overlaid by the form body; the first value of a repeated name wins."""
    form: dict[str, str] = {}
    # Raw bytes of the query string that are not UTF-8 become U+FFFD, as percent-encoded ones do.
    for source in (body.decode("utf-8", "strict") if _is_text(body) else None, wire.replace_raw_bytes(query_string)):
        if not source:
            continue
        # max_num_fields bounds the work a hostile body can cause.
        try:
            pairs = parse_qsl(source, keep_blank_values=True, max_num_fields=_MAX_FIELDS)
        except ValueError as exc:
            raise InvalidParameterValue(f"The request has more than {_MAX_FIELDS} parameters.") from exc
        for name, value in pairs:
            form.setdefault(name, value)
    return form


def _is_text(body: bytes) -> bool:
    if not body:
        return False
    try:
        body.decode("utf-8", "strict")
    except UnicodeDecodeError as exc:
        raise InvalidParameterValue("The request body is not valid UTF-8.") from exc
    return True


def timestamp(value: dt.datetime) -> str:
    """``2026-11-28T00:12:08Z``: the form every client parses (observed with botocore 1.44, the JS SDK v3 and
    minio-py 7.2)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value))


def encode_value(value: Any, out: list[str]) -> None:
    """Append the XML for one member value (without its own element name)."""
    if isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(text(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, dt.datetime):
        out.append(timestamp(value))
    elif isinstance(value, XmlMap):
        for key, item in value.items():
            out.append("<entry><key>")
            out.append(text(key))
            out.append("</key><value>")
            encode_value(item, out)
            out.append("</value></entry>")
    elif isinstance(value, Mapping):
        encode_members(value, out)
    elif isinstance(value, Sequence):
        for item in value:
            out.append("<member>")
            encode_value(item, out)
            out.append("</member>")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} in a Query response")


def encode_members(members: Mapping[str, Any], out: list[str]) -> None:
    for name, value in members.items():
        if value is None:
            continue
        out.append(f"<{name}>")
        encode_value(value, out)
        out.append(f"</{name}>")


def encode_result(operation: str, namespace: str, result: Mapping[str, Any] | None, request_id: str) -> bytes:
    """The success document; `result` None means the operation has no output shape."""
    out = [f'<{operation}Response xmlns="{namespace}">']
    if result is not None:
        out.append(f"<{operation}Result>")
        encode_members(result, out)
        out.append(f"</{operation}Result>")
    out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{operation}Response>")
    return "".join(out).encode("utf-8")


def encode_error(namespace: str, code: str, message: str, sender_fault: bool, request_id: str) -> bytes:
    """``<ErrorResponse>`` as IAM and STS send it (Smithy, "AWS query protocol",
    https://smithy.io/2.0/aws/protocols/aws-query-protocol.html)."""
    fault = "Sender" if sender_fault else "Receiver"
    return (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{fault}</Type><Code>{text(code)}</Code>'
        f"<Message>{text(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
