"""Set up the entities the fuzzer names (buckets and objects, users with keys and policies, a role and a session
from it, a group, a managed policy), through any transport: in-process or over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from urllib.parse import quote

from tests.fuzz.choosers import RandomChooser
from tests.fuzz.generate import (
    FORM_TYPE,
    IAM_VERSION,
    KEEPER_ROLE,
    KEEPER_USER,
    STS_VERSION,
    Auth,
    Creds,
    FuzzInput,
    Wire,
    World,
)
from tests.fuzz.signing import on_the_wire

Send = Callable[[Wire], tuple[int, bytes]]


def _text(body: bytes, element: str) -> str:
    match = re.search(rf"<{element}>([^<]*)</{element}>".encode(), body)
    return match.group(1).decode() if match else ""


class Setup:
    def __init__(
        self, send: Send, root: Creds, now: Callable[[], dt.datetime], host: str, *, strict: bool = True
    ) -> None:
        self.send, self.root, self.now, self.host, self.strict = send, root, now, host, strict
        self.chooser = RandomChooser(random.Random(0))

    def call(self, service: str, action: str, creds: Creds | None = None, **params: str) -> bytes:
        version = IAM_VERSION if service == "iam" else STS_VERSION
        form = {"Action": action, "Version": version, **params}
        body = "&".join(f"{k}={quote(v, safe='')}" for k, v in form.items()).encode()
        inp = FuzzInput(service, "POST", "/", "", (("content-type", FORM_TYPE),), body)
        status, answer = self.send(
            on_the_wire(inp, Auth.HEADER, creds or self.root, self.now(), self.chooser, self.host)
        )
        if status != 200 and b"EntityAlreadyExists" not in answer:
            raise RuntimeError(f"set-up {action} failed: {status} {answer[:300]!r}")
        return answer

    def s3(self, method: str, path: str, query: str = "", body: bytes = b"") -> None:
        inp = FuzzInput("s3", method, path, query, (), body)
        status, answer = self.send(on_the_wire(inp, Auth.HEADER, self.root, self.now(), self.chooser, self.host))
        if status >= 300 and self.strict:
            raise RuntimeError(f"set-up {method} {path}?{query} failed: {status} {answer[:300]!r}")


def _anonymous_access(bucket: str) -> bytes:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"NumericLessThanEquals": {"s3:max-keys": "100"}},
            }
        ],
    }
    return json.dumps(document).encode()


def replenish(send: Send, world: World, now: Callable[[], dt.datetime], host: str, *, strict: bool = False) -> None:
    """(Re)create the buckets, their objects and the second bucket's anonymous-access policy: fuzzed requests
    delete them, and a long run should keep reaching the handlers that need them."""
    setup = Setup(send, world.creds[0], now, host, strict=strict)
    for bucket in world.buckets:
        setup.s3("PUT", f"/{bucket}")
        for key in world.keys:
            setup.s3("PUT", f"/{bucket}/{quote(key)}", body=b"x" * (70_000 if key == "big" else 10))
    setup.s3("PUT", f"/{world.buckets[1]}", "policy", _anonymous_access(world.buckets[1]))


def build_world(send: Send, account: str, root: Creds, now: Callable[[], dt.datetime], host: str) -> World:
    """Create what `World` names and return it with three sets of credentials: root, a user, a role session."""
    world = World(account, (root,))
    setup = Setup(send, root, now, host)
    replenish(send, world, now, host, strict=True)
    allow = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:*", "iam:Get*", "iam:List*", "sts:*"], "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "s3:DeleteBucket",
                    "Resource": "*",
                    "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
                },
            ],
        }
    )
    for name in (*world.users, KEEPER_USER):
        setup.call("iam", "CreateUser", UserName=name)
    setup.call("iam", "PutUserPolicy", UserName=KEEPER_USER, PolicyName="fuzz", PolicyDocument=allow)
    answer = setup.call("iam", "CreateAccessKey", UserName=KEEPER_USER)
    user = Creds(_text(answer, "AccessKeyId"), _text(answer, "SecretAccessKey"))
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sts:AssumeRole"}],
        }
    )
    for role in (*world.roles, KEEPER_ROLE):
        setup.call("iam", "CreateRole", RoleName=role, AssumeRolePolicyDocument=trust, MaxSessionDuration="43200")
    setup.call("iam", "PutRolePolicy", RoleName=KEEPER_ROLE, PolicyName="fuzz", PolicyDocument=allow)
    for group in world.groups:
        setup.call("iam", "CreateGroup", GroupName=group)
    setup.call("iam", "CreatePolicy", PolicyName=world.policy_names[0], PolicyDocument=allow)
    arn = f"arn:aws:iam::{account}:role/{KEEPER_ROLE}"
    answer = setup.call("sts", "AssumeRole", user, RoleArn=arn, RoleSessionName="fuzz", DurationSeconds="43200")
    session = Creds(_text(answer, "AccessKeyId"), _text(answer, "SecretAccessKey"), _text(answer, "SessionToken"))
    if not (user.key and session.key and session.token):
        raise RuntimeError("set-up did not return credentials")
    return World(account, (root, user, session))
