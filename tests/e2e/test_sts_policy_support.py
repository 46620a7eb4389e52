"""Shared helpers for the STS and policy end-to-end tests (tests/e2e/test_sts_*.py, test_policy_*.py).

This module holds no tests. It gives:

- `Creds`: one set of credentials on one server, with cached boto3 clients (`creds.sts`, `.iam`, `.s3`);
- `Kit`: entity builders on a server with unique names (users with keys, roles, managed policies,
  buckets) and `assume` / `session_token`;
- `error_of`: the AWS error a call answers with (the call must fail);
- `private_server`: one private server for the whole test session, with a second account made by
  `ostiary accounts create` (cross-account and revocation tests need to know its data directory,
  and that nothing else writes to it).

Policy documents are built from plain dicts: `doc(allow("s3:GetObject", "arn:aws:s3:::b/*"), ...)`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support import Server, start_server

OSTIARY = Path(sys.executable).parent / "ostiary"


# --- policy documents ------------------------------------------------------------------------------


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def statement(effect: str, action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect}
    out["NotAction" if extra.pop("not_action", False) else "Action"] = action
    out["NotResource" if extra.pop("not_resource", False) else "Resource"] = resource
    out.update(extra)
    return out


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return statement("Allow", action, resource, **extra)


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return statement("Deny", action, resource, **extra)


def trust(principal: Any, actions: str | list[str] = "sts:AssumeRole", **extra: Any) -> dict[str, Any]:
    """One trust statement; `principal` is an ARN / account string or a full Principal dict."""
    shaped = principal if isinstance(principal, dict) else {"AWS": principal}
    out: dict[str, Any] = {"Effect": "Allow", "Principal": shaped, "Action": actions}
    out.update(extra)
    return out


# --- errors --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwsError:
    code: str
    message: str
    status: int


def error_of(call: Callable[..., Any], *args: Any, **kwargs: Any) -> AwsError:
    """Run a boto3 call that must fail; its wire code, message and HTTP status."""
    try:
        call(*args, **kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return AwsError(str(error.get("Code", "")), str(error.get("Message", "")), int(status))
    raise AssertionError(f"{getattr(call, '__name__', call)} succeeded; an error was expected")


def is_access_denied(call: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Whether a boto3 call now answers AccessDenied (for polling until a change from another process lands)."""
    try:
        call(*args, **kwargs)
    except ClientError as exc:
        return bool(exc.response.get("Error", {}).get("Code") == "AccessDenied")
    return False


def denied_message(principal_arn: str, action: str, resource: str | None = None, reason: str | None = None) -> str:
    """AWS's AccessDenied text (IAM User Guide, "Troubleshoot access denied error messages",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)."""
    text = f"User: {principal_arn} is not authorized to perform: {action}"
    if resource is not None:
        text += f" on resource: {resource}"
    if reason is not None:
        text += f" {reason}"
    return text


def because_no(policy_type: str, action: str) -> str:
    return f"because no {policy_type} allows the {action} action"


def explicit_deny(policy_type: str, policy_arn: str | None = None) -> str:
    article = "an" if policy_type[0] in "aeiou" else "a"
    text = f"with an explicit deny in {article} {policy_type}"
    return f"{text}: {policy_arn}" if policy_arn else text


def assert_expires_in(expiration: dt.datetime, seconds: int, before: float, after: float) -> None:
    """Expiration = issue time + DurationSeconds (STS API Reference, Credentials), within the call's span.

    Expiration is printed to the second, so it may be up to a second before `before + seconds`.
    """
    stamp = expiration.timestamp()
    assert before + seconds - 2 <= stamp <= after + seconds + 2, (stamp - before, seconds)


# --- credentials and entities ------------------------------------------------------------------


@dataclass
class Creds:
    server: Server
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str, **config: Any) -> Any:
        if config:
            return self.server.client(
                service,
                access_key_id=self.access_key_id,
                secret_access_key=self.secret_access_key,
                session_token=self.session_token,
                **config,
            )
        if service not in self.clients:
            self.clients[service] = self.server.client(
                service,
                access_key_id=self.access_key_id,
                secret_access_key=self.secret_access_key,
                session_token=self.session_token,
            )
        return self.clients[service]

    @property
    def sts(self) -> Any:
        return self.client("sts")

    @property
    def iam(self) -> Any:
        return self.client("iam")

    @property
    def s3(self) -> Any:
        return self.client("s3")

    def cli_env(self) -> dict[str, str]:
        return self.server.cli_env(self.access_key_id, self.secret_access_key, self.session_token)


@dataclass
class User:
    name: str
    arn: str
    user_id: str
    creds: Creds
    access_key_id: str


@dataclass
class Role:
    name: str
    arn: str
    role_id: str


_ROOTS: dict[tuple[str, str], Creds] = {}


def root_creds(server: Server, access_key_id: str | None = None, secret: str | None = None) -> Creds:
    key = (server.endpoint, access_key_id or server.access_key_id)
    if key not in _ROOTS:
        _ROOTS[key] = Creds(server, access_key_id or server.access_key_id, secret or server.secret_access_key)
    return _ROOTS[key]


class Kit:
    """Builds uniquely named entities in one account of a server (the default account unless `root` says)."""

    def __init__(self, server: Server, unique_name: Callable[[str], str], root: Creds | None = None) -> None:
        self.server = server
        self.unique_name = unique_name
        self.root = root or root_creds(server)
        self.account = server.account_id if root is None else account_of(root)

    def user(
        self,
        *statements: dict[str, Any],
        managed: tuple[str, ...] = (),
        tags: dict[str, str] | None = None,
        boundary: str | None = None,
        path: str = "/",
        name: str | None = None,
    ) -> User:
        """A user with an access key and, if given, an inline policy made of `statements`."""
        name = name or self.unique_name("user")
        args: dict[str, Any] = {"UserName": name, "Path": path}
        if tags:
            args["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        if boundary:
            args["PermissionsBoundary"] = boundary
        created = self.root.iam.create_user(**args)["User"]
        if statements:
            self.root.iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=doc(*statements))
        for arn in managed:
            self.root.iam.attach_user_policy(UserName=name, PolicyArn=arn)
        key = self.root.iam.create_access_key(UserName=name)["AccessKey"]
        creds = Creds(self.server, key["AccessKeyId"], key["SecretAccessKey"])
        return User(name, created["Arn"], created["UserId"], creds, key["AccessKeyId"])

    def role(
        self,
        *trust_statements: dict[str, Any],
        policy: list[dict[str, Any]] | None = None,
        managed: tuple[str, ...] = (),
        path: str = "/",
        max_session: int | None = None,
        boundary: str | None = None,
        tags: dict[str, str] | None = None,
        name: str | None = None,
    ) -> Role:
        name = name or self.unique_name("role")
        args: dict[str, Any] = {
            "RoleName": name,
            "Path": path,
            "AssumeRolePolicyDocument": doc(*trust_statements),
        }
        if max_session is not None:
            args["MaxSessionDuration"] = max_session
        if boundary:
            args["PermissionsBoundary"] = boundary
        if tags:
            args["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        created = self.root.iam.create_role(**args)["Role"]
        if policy:
            self.root.iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=doc(*policy))
        for arn in managed:
            self.root.iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        return Role(name, created["Arn"], created["RoleId"])

    def managed_policy(self, *statements: dict[str, Any], name: str | None = None) -> str:
        name = name or self.unique_name("policy")
        arn: str = self.root.iam.create_policy(PolicyName=name, PolicyDocument=doc(*statements))["Policy"]["Arn"]
        return arn

    def bucket(
        self, policy: str | None = None, objects: dict[str, bytes] | None = None, name: str | None = None
    ) -> str:
        name = name or self.unique_name("bkt")
        self.root.s3.create_bucket(Bucket=name)
        for key, body in (objects or {}).items():
            self.root.s3.put_object(Bucket=name, Key=key, Body=body)
        if policy is not None:
            self.root.s3.put_bucket_policy(Bucket=name, Policy=policy)
        return name

    def user_with_role(
        self, *role_policy: dict[str, Any], user_statements: tuple[dict[str, Any], ...] = (), **role_args: Any
    ) -> tuple[User, Role]:
        """A user and a role whose trust policy names that user, with `role_policy` as the role's inline policy."""
        user = self.user(*user_statements)
        role = self.role(trust(user.arn), policy=list(role_policy) or None, **role_args)
        return user, role


def assume(creds: Creds, role_arn: str, session: str = "session", **kwargs: Any) -> tuple[Creds, dict[str, Any]]:
    """AssumeRole with `creds`; the session's credentials and the whole response."""
    response: dict[str, Any] = creds.sts.assume_role(RoleArn=role_arn, RoleSessionName=session, **kwargs)
    return session_creds(creds.server, response), response


def session_creds(server: Server, response: dict[str, Any]) -> Creds:
    c = response["Credentials"]
    return Creds(server, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


def account_of(creds: Creds) -> str:
    account: str = creds.sts.get_caller_identity()["Account"]
    return account


# --- a private server with a second account ---------------------------------------------------


@dataclass
class PrivateServer:
    server: Server
    account_b: str
    root_b: Creds

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the `ostiary` command on this server's data directory."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OSTIARY_"))}
        env.update({k: v for k, v in self.server.env.items() if k == "OSTIARY_MASTER_KEY"})
        command = [str(OSTIARY), *args, "--data-dir", str(self.server.data_dir)]
        if self.server.database_url:
            command += ["--database-url", self.server.database_url]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


_PRIVATE: dict[str, PrivateServer] = {}


def wait_until(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll `check` until it holds (writes from another process reach the server within about a second)."""
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def _works(creds: Creds) -> bool:
    try:
        creds.sts.get_caller_identity()
    except ClientError:
        return False
    return True


def private_server(tmp_path_factory: pytest.TempPathFactory, config: pytest.Config) -> PrivateServer:
    """One private SQLite server per test session, with a second account made by `ostiary accounts create`.

    Test modules wrap it in a fixture: ``private_server(tmp_path_factory, request.config)``.
    """
    if "server" not in _PRIVATE:
        server = start_server(tmp_path_factory.mktemp("ostiary-private") / "state")
        config.add_cleanup(server.stop)
        holder = PrivateServer(server, "", root_creds(server))
        made = holder.cli("accounts", "create")
        assert made.returncode == 0, made.stdout + made.stderr
        account = re.search(r"^account (\d{12})$", made.stdout, re.MULTILINE)
        key = re.search(r"^export AWS_ACCESS_KEY_ID=(\S+)$", made.stdout, re.MULTILINE)
        secret = re.search(r"^export AWS_SECRET_ACCESS_KEY=(\S+)$", made.stdout, re.MULTILINE)
        assert account and key and secret, made.stdout
        root_b = Creds(server, key.group(1), secret.group(1))
        assert wait_until(lambda: _works(root_b)), "the new account's root key did not start working within 5 s"
        _PRIVATE["server"] = PrivateServer(server, account.group(1), root_b)
    return _PRIVATE["server"]


def iter_statements(document: Any) -> Iterator[dict[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else document
    found = parsed["Statement"]
    yield from [found] if isinstance(found, dict) else found
