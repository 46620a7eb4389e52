"""The options `ostiary serve` gives uvicorn, so that clients cannot hold more than their share.

- ``http``: `ostiary.server.protocol.BoundedProtocol`, which bounds the time and size of every request
  head and how long a response waits for a client that does not read (uvicorn's own httptools protocol
  bounds none of these); where httptools is missing (it is built for CPython only), uvicorn's h11
  protocol with h11's limit on the size of an incomplete head.
- ``limit_concurrency``: the connections uvicorn holds at once, idle keep-alive ones included; a request
  beyond them gets uvicorn's own plain 503. The app's in-flight limit (`App`) answers in AWS's words first.
- ``backlog`` and ``timeout_keep_alive``: the listen queue and how long an idle connection stays open.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any, Final

from ostiary.limits import (
    KEEP_ALIVE_SECONDS,
    LISTEN_BACKLOG,
    MAX_CONNECTIONS,
    REQUEST_HEAD_MAX_BYTES,
    REQUEST_HEAD_SECONDS,
    RESPONSE_SEND_IDLE_SECONDS,
)

protocol: ModuleType | None
try:
    from ostiary.server import protocol
except ImportError:  # no httptools (it is built for CPython only)
    protocol = None

if sys.platform != "win32":
    import resource

# File descriptors kept for the database, object files being read or written, and logs.
RESERVED_FILE_DESCRIPTORS: Final = 256


def connection_budget(wanted: int) -> int:
    """`wanted`, or fewer when the process may not open that many files besides those it needs anyway."""
    if sys.platform == "win32":
        return wanted
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - RESERVED_FILE_DESCRIPTORS))


def uvicorn_options(
    *,
    max_connections: int = MAX_CONNECTIONS,
    backlog: int = LISTEN_BACKLOG,
    keep_alive_seconds: int = KEEP_ALIVE_SECONDS,
    head_seconds: float = REQUEST_HEAD_SECONDS,
    head_max_bytes: int = REQUEST_HEAD_MAX_BYTES,
    send_idle_seconds: float = RESPONSE_SEND_IDLE_SECONDS,
) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` that bound what clients can hold open."""
    if min(max_connections, backlog, keep_alive_seconds, head_seconds, head_max_bytes, send_idle_seconds) <= 0:
        raise ValueError("connection limits must be positive")
    options: dict[str, Any] = {
        "limit_concurrency": connection_budget(max_connections),
        "backlog": backlog,
        "timeout_keep_alive": keep_alive_seconds,
    }
    if protocol is None:  # h11 bounds the head's size, not its time
        return {**options, "http": "h11", "h11_max_incomplete_event_size": head_max_bytes}
    return {**options, "http": protocol.bounded_protocol(head_seconds, head_max_bytes, send_idle_seconds)}
