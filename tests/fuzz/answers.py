"""Reading and judging the pipeline's answers the way a live server would send them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ostiary.http import FileBody, HttpResponse


def drain(response: HttpResponse) -> bytes:
    """The whole body, as the server would send it: a streamed body is iterated, a file read and closed."""
    body = response.body
    if isinstance(body, bytes):
        return body
    if isinstance(body, FileBody):
        handle = body.handle if body.handle is not None else body.path.open("rb")
        with handle:
            handle.seek(body.offset)
            return handle.read(body.length)
    return b"".join(body)


def check_answer(status: int, body: bytes, method: str) -> None:
    """A success, or a well-formed AWS error; a 5xx only as 501 NotImplemented."""
    code = re.search(rb"<Code>([^<]*)</Code>", body)
    if status >= 500:
        assert status == 501 and (method == "HEAD" or (code is not None and code.group(1) == b"NotImplemented")), body
    if status >= 400 and method != "HEAD" and body:
        ET.fromstring(body)  # an error document always parses
        assert code is not None, body
