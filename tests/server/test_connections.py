"""The options `ostiary serve` gives uvicorn, and the protocol class that bounds request heads."""

from __future__ import annotations

import resource
from typing import Any

import pytest
import uvicorn

from ostiary.limits import KEEP_ALIVE_SECONDS, LISTEN_BACKLOG, REQUEST_HEAD_MAX_BYTES, REQUEST_HEAD_SECONDS
from ostiary.server.connections import RESERVED_FILE_DESCRIPTORS, connection_budget, uvicorn_options
from ostiary.server.protocol import BoundedProtocol


async def nothing(scope: Any, receive: Any, send: Any) -> None:
    return None


def test_defaults_are_what_uvicorn_loads() -> None:
    options = uvicorn_options()
    config = uvicorn.Config(nothing, log_config=None, **options)
    config.load()
    assert config.http_protocol_class is BoundedProtocol
    assert (config.backlog, config.timeout_keep_alive) == (LISTEN_BACKLOG, KEEP_ALIVE_SECONDS)
    assert config.limit_concurrency == options["limit_concurrency"] > 0
    assert (BoundedProtocol.head_seconds, BoundedProtocol.head_max_bytes) == (
        REQUEST_HEAD_SECONDS,
        REQUEST_HEAD_MAX_BYTES,
    )


def test_other_bounds_make_a_subclass() -> None:
    protocol = uvicorn_options(head_seconds=2, head_max_bytes=1000, send_idle_seconds=3)["http"]
    assert issubclass(protocol, BoundedProtocol) and protocol is not BoundedProtocol
    assert (protocol.head_seconds, protocol.head_max_bytes, protocol.send_idle_seconds) == (2, 1000, 3)
    assert BoundedProtocol.head_seconds == REQUEST_HEAD_SECONDS  # the base is untouched


@pytest.mark.parametrize(
    "bad",
    [{"max_connections": 0}, {"backlog": -1}, {"head_seconds": 0}, {"head_max_bytes": 0}, {"send_idle_seconds": 0}],
)
def test_non_positive_limits_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        uvicorn_options(**bad)


def test_connections_stay_within_the_open_file_limit() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    budget = connection_budget(10**9)
    assert budget >= 1 and (soft == resource.RLIM_INFINITY or budget <= max(1, soft - RESERVED_FILE_DESCRIPTORS))
    assert connection_budget(1) == 1
