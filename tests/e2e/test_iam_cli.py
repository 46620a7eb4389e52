"""The real AWS CLI against a live server: what people type, and what it prints."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.support import Server

Cli = Callable[..., subprocess.CompletedProcess[str]]


def test_cli_user_key_and_policy(
    server: Server, aws_cli: Cli, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    env = server.cli_env()
    name = unique_name("cli")
    created = aws_cli(env, "iam", "create-user", "--user-name", name)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["User"]["UserName"] == name
    key = json.loads(aws_cli(env, "iam", "create-access-key", "--user-name", name).stdout)["AccessKey"]
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]}))  # fmt: skip
    put = aws_cli(
        env, "iam", "put-user-policy", "--user-name", name, "--policy-name", "self",
        "--policy-document", f"file://{policy_file}",
    )  # fmt: skip
    assert put.returncode == 0, put.stderr
    got = json.loads(aws_cli(env, "iam", "get-user-policy", "--user-name", name, "--policy-name", "self").stdout)
    assert got["PolicyDocument"]["Statement"][0]["Action"] == "iam:GetUser"

    user_env = server.cli_env(key["AccessKeyId"], key["SecretAccessKey"])
    me = aws_cli(user_env, "iam", "get-user")
    assert me.returncode == 0, me.stderr
    assert json.loads(me.stdout)["User"]["UserName"] == name
    denied = aws_cli(user_env, "iam", "create-access-key")
    assert denied.returncode != 0
    assert (
        "An error occurred (AccessDenied) when calling the CreateAccessKey operation: "
        f"User: arn:aws:iam::{server.account_id}:user/{name} is not authorized to perform: iam:CreateAccessKey "
        f"on resource: user {name} because no identity-based policy allows the iam:CreateAccessKey action"
    ) in denied.stderr


def test_cli_errors(server: Server, aws_cli: Cli, unique_name: Callable[[str], str]) -> None:
    env = server.cli_env()
    ghost = unique_name("ghost")
    missing = aws_cli(env, "iam", "get-role", "--role-name", ghost)
    assert missing.returncode != 0
    assert (
        "An error occurred (NoSuchEntity) when calling the GetRole operation: "
        f"The role with name {ghost} cannot be found."
    ) in missing.stderr
    listed = aws_cli(env, "iam", "list-policies", "--scope", "AWS", "--max-items", "2")
    assert listed.returncode == 0, listed.stderr
    page = json.loads(listed.stdout)
    assert len(page["Policies"]) == 2 and "NextToken" in page
