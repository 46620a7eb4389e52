"""Once warm, deciding a request touches no database and writes invalidate at once.

See docs/design.md, "Caches and their invalidation".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from ostiary.api import RequestInfo
from ostiary.caller import user_caller
from ostiary.errors import AccessDenied
from ostiary.store.principals import get_user
from tests.support import ROOT_ACCOUNT, InProcess, find


@pytest.fixture
def ostiary(tmp_path: Path) -> Iterator[InProcess]:
    running = InProcess(tmp_path / "state")
    yield running
    running.close()


def iam(ostiary: InProcess, action: str, **params: str) -> Any:
    status, root = ostiary.query("iam", {"Action": action, "Version": "2010-05-08", **params})
    assert status == 200, find(root, "Error/Message")
    return root


def policy(*actions: str) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}
    )


def test_ten_attached_policies_decide_without_queries(ostiary: InProcess) -> None:
    iam(ostiary, "CreateUser", UserName="busy")
    for index in range(10):
        created = iam(ostiary, "CreatePolicy", PolicyName=f"p{index}", PolicyDocument=policy(f"s3:Get{index}*"))
        arn = str(find(created, "CreatePolicyResult/Policy/Arn"))
        iam(ostiary, "AttachUserPolicy", UserName="busy", PolicyArn=arn)
    with ostiary.store.read() as conn:
        user = get_user(conn, ROOT_ACCOUNT, "busy")
    assert user is not None
    caller = user_caller(ROOT_ACCOUNT, user.user_id, user.name, user.arn, None, has_boundary=False)
    authz = ostiary.pipeline.authz

    def decide(action: str) -> bool:
        authorize = authz.bind(caller, RequestInfo(), ostiary.now, "s3")
        try:
            authorize(action, "arn:aws:s3:::bucket/key", resource_account=ROOT_ACCOUNT)
        except AccessDenied:
            return False
        return True

    assert decide("s3:Get9Object")  # warms the caches
    statements: list[str] = []
    listener = lambda *args: statements.append(str(args[2]))  # noqa: E731
    event.listen(ostiary.store.engine, "before_cursor_execute", listener)
    try:
        for _ in range(100):
            assert decide("s3:Get3Object")
            assert not decide("s3:PutObject")
    finally:
        event.remove(ostiary.store.engine, "before_cursor_execute", listener)
    assert statements == []

    # A write is seen at once: detaching the policy that allowed s3:Get9* denies it on the next request.
    iam(ostiary, "DetachUserPolicy", UserName="busy", PolicyArn=f"arn:aws:iam::{ROOT_ACCOUNT}:policy/p9")
    assert not decide("s3:Get9Object")
