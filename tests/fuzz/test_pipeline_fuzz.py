"""Property: no request gets a server error, and no client error logs a traceback.

Hypothesis builds requests for every IAM, STS and S3 operation (odd parameters, policy documents, S3 XML bodies,
headers), plus garbage requests, and sends each one through the real pipeline four ways: unsigned, signed with a
valid key (SigV4 header, aws-chunked bodies for some uploads), presigned, and signed then damaged. The keys are the
account root's, a user's and a role session's. Every answer must be a success or a well-formed AWS error; the only
5xx allowed is S3's 501 NotImplemented for functionality ostiary does not have.

OSTIARY_FUZZ_EXAMPLES raises the number of examples for a longer hunt (the suite runs a short one).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ostiary.http import BytesBody, HttpRequest
from tests.fuzz.answers import check_answer, drain
from tests.fuzz.backends import BACKENDS, in_process
from tests.fuzz.choosers import DrawChooser
from tests.fuzz.generate import Auth, Creds, Wire, World, fuzz_input
from tests.fuzz.signing import on_the_wire, received
from tests.fuzz.world import build_world
from tests.support import ROOT_ACCOUNT, ROOT_KEY, ROOT_SECRET, InProcess

EXAMPLES = int(os.environ.get("OSTIARY_FUZZ_EXAMPLES", "500"))
HOST = "127.0.0.1:4599"


class TracebackRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info is not None or record.levelno >= logging.ERROR:
            self.records.append(record)


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcess, World, TracebackRecorder]]:
    with in_process(request.param, Path(tmp_path_factory.mktemp("fuzz")) / "state") as running:
        yield from _world(running)


def _world(running: InProcess) -> Iterator[tuple[InProcess, World, TracebackRecorder]]:
    def send(wire: Wire) -> tuple[int, bytes]:
        response = running.pipeline.handle(as_request(wire))
        return response.status, drain(response)

    world = build_world(send, ROOT_ACCOUNT, Creds(ROOT_KEY, ROOT_SECRET), lambda: running.now, HOST)
    recorder = TracebackRecorder()
    logging.getLogger("ostiary").addHandler(recorder)
    try:
        yield running, world, recorder
    finally:
        logging.getLogger("ostiary").removeHandler(recorder)


def as_request(wire: Wire) -> HttpRequest:
    headers = tuple((received(name).lower(), received(value)) for name, value in wire.headers)
    return HttpRequest(wire.method, received(wire.path), received(wire.query), headers, BytesBody(wire.body))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_input_gets_a_server_error_or_logs_a_traceback(
    fuzzed: tuple[InProcess, World, TracebackRecorder], data: st.DataObject
) -> None:
    running, world, recorder = fuzzed
    chooser = DrawChooser(data.draw)
    inp = fuzz_input(chooser, world)
    for auth in Auth:
        creds = chooser.choice(world.creds)
        wire = on_the_wire(inp, auth, creds, running.now, chooser, HOST)
        recorder.records.clear()
        response = running.pipeline.handle(as_request(wire))
        body = drain(response)
        check_answer(response.status, body, wire.method)
        assert not recorder.records, [(r.getMessage(), r.exc_info) for r in recorder.records]
