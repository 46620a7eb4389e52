"""HTTP requests and responses as plain values, between the ASGI shell and the handlers.

The ASGI app (`ostiary.server.app`) builds an `HttpRequest` whose body is a
synchronous stream: handlers run in worker threads and pull the body as they
need it, so a large upload never has to sit in memory. For S3 the stream is
already de-chunked (aws-chunked) and verified against its signed payload hash;
a mismatch surfaces as an `AwsError` raised from `read`, before the handler
could commit anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import parse_qsl

from ostiary import wire
from ostiary.errors import InvalidArgument

_MAX_QUERY_FIELDS = 1_000


class Body(Protocol):
    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all that is left when -1); b"" at the end."""


class BytesBody:
    """A body held in memory."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else min(len(self._data), self._pos + size)
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk


@dataclass(frozen=True)
class HttpRequest:
    method: str
    raw_path: str  # percent-encoded, exactly as received
    query_string: str  # raw, without "?"
    headers: tuple[tuple[str, str], ...]  # names lower-cased, in arrival order
    body: Body = field(default_factory=lambda: BytesBody(b""))
    client_ip: str = "127.0.0.1"
    scheme: str = "http"

    def header(self, name: str) -> str | None:
        """The value of a header (repeated headers joined with commas), or None."""
        wanted = name.lower()
        values = [v for k, v in self.headers if k == wanted]
        return ",".join(values) if values else None

    @cached_property
    def query(self) -> list[tuple[str, str]]:
        """Decoded query parameters in order; a bare ``?uploads`` gives ("uploads", "")."""
        try:
            return parse_qsl(
                wire.replace_raw_bytes(self.query_string), keep_blank_values=True, max_num_fields=_MAX_QUERY_FIELDS
            )
        except ValueError as exc:
            raise InvalidArgument(f"The request has more than {_MAX_QUERY_FIELDS} query parameters.") from exc

    def query_param(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class FileBody:
    """Send `length` bytes of a file from `offset` (object downloads).

    `handle`, when given, is the file already open: a download keeps reading the bytes it started with
    even if a newer PutObject or a DeleteObject removes the file meanwhile. The server closes it.
    """

    path: Path
    offset: int
    length: int
    handle: BinaryIO | None = None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | FileBody | Iterable[bytes] = b""

    def chunks(self) -> Iterator[bytes]:
        if isinstance(self.body, bytes):
            yield self.body
        elif isinstance(self.body, FileBody):
            raise TypeError("file bodies are streamed by the server")
        else:
            yield from self.body
