"""IAM handlers called directly, the way clients reach them.

`Harness.call` takes boto3-style parameters, serializes them with botocore's
own Query serializer (the exact form the AWS CLI and boto3 send), decodes
them with the operation's `params`, runs the handler with a real store
(SQLite in a temporary directory, migrated), a recording authorizer, a fixed
clock and a seeded rng, encodes the result as the server does, and parses it
back with botocore's parser and its policy-document decoding. So a test sees
what a boto3 user sees, and AWS errors come out as the `AwsError` raised.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.session
from botocore.handlers import json_decode_policies
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from ostiary.api import Call
from ostiary.caller import Caller, CallerKind, root_caller, user_caller
from ostiary.errors import AccessDenied
from ostiary.iam import OPERATIONS
from ostiary.policy.context import PrincipalInfo, PrincipalType
from ostiary.policy.decision import Decision, Effect
from ostiary.protocol.params import decode_params
from ostiary.protocol.query import IAM_NAMESPACE, encode_result
from ostiary.secretbox import SecretBox
from ostiary.store import Store, create_database_engine, sqlite_url
from ostiary.store.migrate import upgrade
from ostiary.store.principals import insert_account

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
START = dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=dt.UTC)

_MODEL = botocore.session.get_session().get_service_model("iam")
_SERIALIZER = create_serializer("query")
_PARSER = create_parser("query")


@dataclass(frozen=True)
class Asked:
    """One question the handler put to the authorizer."""

    action: str
    resource: str
    keys: Mapping[str, tuple[str, ...]]
    display: str | None
    resource_account: str | None


@dataclass
class RecordingAuthorizer:
    """Allows everything except the actions in `deny`, and remembers every question."""

    asked: list[Asked] = field(default_factory=list)
    deny: set[str] = field(default_factory=set)

    def __call__(
        self,
        action: str,
        resource: str = "*",
        *,
        resource_account: str | None = None,
        keys: Mapping[str, tuple[str, ...]] | None = None,
        resource_display: str | None = None,
        resource_policies: Sequence[Any] = (),
        resource_required: bool = False,
    ) -> Decision:
        self.asked.append(Asked(action, resource, dict(keys or {}), resource_display, resource_account))
        if action in self.deny:
            raise AccessDenied(f"denied {action} on {resource_display or resource}")
        return Decision(Effect.ALLOW)

    def last(self, action: str) -> Asked:
        return [a for a in self.asked if a.action == action][-1]


def role_session_caller(account: str, role_id: str, role_name: str) -> Caller:
    arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/s1"
    principal = PrincipalInfo(
        arn=arn,
        account=account,
        type=PrincipalType.ASSUMED_ROLE,
        unique_id=role_id,
        role_arn=f"arn:aws:iam::{account}:role/{role_name}",
    )
    return Caller(CallerKind.ROLE_SESSION, account, arn, f"{role_id}:s1", principal, "ASIAEXAMPLE", role_id, role_name)


class Harness:
    def __init__(self, data_dir: Path) -> None:
        engine = create_database_engine(sqlite_url(data_dir))
        upgrade(engine)
        self.store = Store(engine, SecretBox(bytes(range(32))), data_dir)
        self.now = START
        self.rng = random.Random(7).randbytes
        self.authorizer = RecordingAuthorizer()
        with self.store.write() as conn:
            insert_account(conn, ACCOUNT, START)
            insert_account(conn, OTHER_ACCOUNT, START)
        self.root = root_caller(ACCOUNT, "AKIAROOT")

    def user(self, name: str, account: str = ACCOUNT) -> Caller:
        from ostiary.store.principals import get_user

        with self.store.read() as conn:
            found = get_user(conn, account, name)
        assert found is not None
        return user_caller(account, found.user_id, found.name, found.arn, "AKIAUSER", has_boundary=False)

    def call(self, operation: str, caller: Caller | None = None, **params: Any) -> dict[str, Any]:
        """Run one operation as boto3 would: returns the parsed response without ResponseMetadata."""
        model = _MODEL.operation_model(operation)
        form = _SERIALIZER.serialize_to_request(params, model)["body"]
        return self.form(operation, {k: str(v) for k, v in form.items()}, caller)

    def form(self, operation: str, form: Mapping[str, str], caller: Caller | None = None) -> dict[str, Any]:
        """Run one operation from a raw Query form (for inputs botocore would refuse to send)."""
        op = OPERATIONS[operation]
        decoded = decode_params(op.params, {k: v for k, v in form.items() if k not in ("Action", "Version")})
        call = Call(
            operation=operation,
            params=decoded,
            caller=caller or self.root,
            store=self.store,
            now=self.now,
            rng=self.rng,
            request_id="req-1",
            authorize=self.authorizer,
        )
        result = op.handler(call)
        body = encode_result(operation, IAM_NAMESPACE, result, "req-1")
        model = _MODEL.operation_model(operation)
        parsed: dict[str, Any] = _PARSER.parse({"body": body, "headers": {}, "status_code": 200}, model.output_shape)
        json_decode_policies(parsed, model)
        parsed.pop("ResponseMetadata", None)
        return parsed


TRUST_EC2 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    },
    separators=(",", ":"),
)
S3_READ = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]},
    separators=(",", ":"),
)
