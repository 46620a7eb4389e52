"""STS through the real AWS CLI: assume-role, get-caller-identity with exported credentials, error texts.

The CLI prints service errors as "An error occurred (<Code>) when calling the <Operation> operation:
<Message>" (AWS CLI User Guide, cli-usage-returncodes / troubleshooting) and exits non-zero.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from collections.abc import Callable

import pytest

from tests.e2e.test_sts_policy_support import (
    Creds,
    Kit,
    allow,
    assert_expires_in,
    because_no,
    denied_message,
    trust,
)
from tests.support import Server

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


def cli_error(operation: str, code: str, message: str) -> str:
    return f"An error occurred ({code}) when calling the {operation} operation: {message}"


def run_ok(aws_cli: Cli, creds: Creds, *args: str) -> dict[str, object]:
    result = aws_cli(creds.cli_env(), *args)
    assert result.returncode == 0, result.stderr
    out: dict[str, object] = json.loads(result.stdout)
    return out


def test_assume_role_and_use_the_exported_credentials(kit: Kit, aws_cli: Cli) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user()
    role = kit.role(trust(user.arn), policy=[allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")])

    before = time.time()
    out = run_ok(
        aws_cli,
        user.creds,
        "sts",
        "assume-role",
        "--role-arn",
        role.arn,
        "--role-session-name",
        "cli-session",
        "--duration-seconds",
        "900",
    )
    after = time.time()
    credentials = out["Credentials"]
    assert isinstance(credentials, dict)
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert_expires_in(dt.datetime.fromisoformat(credentials["Expiration"]), 900, before, after)
    session_arn = f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/cli-session"
    assert out["AssumedRoleUser"] == {"AssumedRoleId": f"{role.role_id}:cli-session", "Arn": session_arn}

    session = Creds(kit.server, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    identity = run_ok(aws_cli, session, "sts", "get-caller-identity")
    assert identity == {"UserId": f"{role.role_id}:cli-session", "Account": kit.account, "Arn": session_arn}

    denied = aws_cli(session.cli_env(), "s3api", "list-objects-v2", "--bucket", bucket)
    assert denied.returncode != 0
    expected = denied_message(
        session_arn, "s3:ListBucket", f'"arn:aws:s3:::{bucket}"', because_no("identity-based policy", "s3:ListBucket")
    )
    assert cli_error("ListObjectsV2", "AccessDenied", expected) in denied.stderr


def test_cli_prints_the_denied_assume_role_message(kit: Kit, aws_cli: Cli) -> None:
    user = kit.user()
    role = kit.role(trust(f"arn:aws:iam::{kit.account}:root"))
    result = aws_cli(
        user.creds.cli_env(), "sts", "assume-role", "--role-arn", role.arn, "--role-session-name", "cli-denied"
    )
    assert result.returncode != 0
    expected = denied_message(user.arn, "sts:AssumeRole", role.arn)
    assert cli_error("AssumeRole", "AccessDenied", expected) in result.stderr


def test_cli_prints_the_duration_validation_error(kit: Kit, aws_cli: Cli) -> None:
    user = kit.user()
    role = kit.role(trust(user.arn))
    result = aws_cli(
        user.creds.cli_env(),
        "sts",
        "assume-role",
        "--role-arn",
        role.arn,
        "--role-session-name",
        "cli-long",
        "--duration-seconds",
        "7200",
    )
    assert result.returncode != 0
    message = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    assert cli_error("AssumeRole", "ValidationError", message) in result.stderr


def test_cli_get_session_token_credentials_and_iam(kit: Kit, aws_cli: Cli) -> None:
    user = kit.user(allow("iam:GetUser"))
    out = run_ok(aws_cli, user.creds, "sts", "get-session-token", "--duration-seconds", "900")
    credentials = out["Credentials"]
    assert isinstance(credentials, dict)
    temporary = Creds(
        kit.server, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    assert temporary.sts.get_caller_identity()["Arn"] == user.arn
    result = aws_cli(temporary.cli_env(), "iam", "get-user")
    assert result.returncode != 0
    message = "The security token included in the request is invalid."
    assert cli_error("GetUser", "InvalidClientTokenId", message) in result.stderr
