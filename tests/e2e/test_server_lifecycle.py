"""`ostiary serve` as an operator meets it: first start, restart, signals, health, a wrong master key."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from tests.support import free_port

OSTIARY = [sys.executable, "-m", "ostiary.cli.main"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OSTIARY_"))}
    env.update(extra)
    return env


def _serve(data_dir: Path, port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*OSTIARY, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_healthy(port: int, process: subprocess.Popen[str]) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_ostiary/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not become healthy")


def _stop(process: subprocess.Popen[str], sig: signal.Signals = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(sig)
    output, _ = process.communicate(timeout=20)
    return process.returncode, output


def _exports(output: str) -> dict[str, str]:
    values = {}
    for raw in output.splitlines():
        line = raw.strip()
        if line.startswith("export ") and "=" in line:
            for assignment in line.removeprefix("export ").split():
                name, _, value = assignment.partition("=")
                values[name] = value
    return values


def _client(service: str, port: int, values: dict[str, str]) -> object:
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"],
    )


def test_first_start_generates_credentials_and_a_restart_keeps_everything(tmp_path: Path) -> None:
    data = tmp_path / "state"
    port = free_port()
    first = _serve(data, port, _env())
    _wait_healthy(port, first)
    iam = None
    try:
        code, output = _stop(first)
    finally:
        if first.poll() is None:
            first.kill()
    assert code == 0, output
    printed = _exports(output)
    assert printed["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{port}"
    assert printed["AWS_ACCESS_KEY_ID"].startswith("AKIA") and len(printed["AWS_SECRET_ACCESS_KEY"]) == 40
    for secret_file in ("master.key", "credentials.env"):
        mode = stat.S_IMODE((data / secret_file).stat().st_mode)
        assert mode == 0o600, (secret_file, oct(mode))
    assert printed["AWS_SECRET_ACCESS_KEY"] in (data / "credentials.env").read_text()

    second = _serve(data, port, _env())
    try:
        _wait_healthy(port, second)
        iam = _client("iam", port, printed)
        iam.create_user(UserName="survivor")  # type: ignore[attr-defined]
        sts = _client("sts", port, printed)
        account = sts.get_caller_identity()["Account"]  # type: ignore[attr-defined]
        assert printed["AWS_ACCESS_KEY_ID"] in _stop(second, signal.SIGINT)[1]
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0

    third = _serve(data, port, _env())
    try:
        _wait_healthy(port, third)
        iam = _client("iam", port, printed)
        assert iam.get_user(UserName="survivor")["User"]["Arn"] == f"arn:aws:iam::{account}:user/survivor"  # type: ignore[attr-defined]
    finally:
        _stop(third)


def test_configured_root_credentials_and_a_wrong_master_key(tmp_path: Path) -> None:
    data = tmp_path / "state"
    port = free_port()
    env = _env(
        OSTIARY_ACCOUNT_ID="111122223333",
        OSTIARY_ROOT_ACCESS_KEY_ID="AKIAEXAMPLEROOTKEY01",
        OSTIARY_ROOT_SECRET_ACCESS_KEY="exampleRootSecretKeyExampleRootSecretKey",
    )
    server = _serve(data, port, env)
    try:
        _wait_healthy(port, server)
        sts = _client(
            "sts",
            port,
            {
                "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEROOTKEY01",
                "AWS_SECRET_ACCESS_KEY": "exampleRootSecretKeyExampleRootSecretKey",
            },
        )
        assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::111122223333:root"  # type: ignore[attr-defined]
    finally:
        code, output = _stop(server)
    assert code == 0, output
    assert not (data / "credentials.env").exists()  # the operator already holds the secret

    (data / "master.key").write_text("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
    refused = subprocess.run(
        [*OSTIARY, "serve", "--port", str(port), "--data-dir", str(data)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "does not match the one this database was created with" in refused.stderr

    other = subprocess.run(
        [*OSTIARY, "serve", "--port", str(port), "--data-dir", str(data)],
        env=_env(OSTIARY_ACCOUNT_ID="999988887777"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert other.returncode == 2 and "ostiary:" in other.stderr


@pytest.mark.parametrize("args", [["accounts", "list"], ["accounts", "create", "--account-id", "222233334444"]])
def test_account_commands(tmp_path: Path, args: list[str]) -> None:
    data = tmp_path / "state"
    env = _env(OSTIARY_ACCOUNT_ID="111122223333")
    port = free_port()
    server = _serve(data, port, env)
    try:
        _wait_healthy(port, server)
        result = subprocess.run(
            [*OSTIARY, *args, "--data-dir", str(data)], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        if args[1] == "list":
            assert "111122223333" in result.stdout
        else:
            created = _exports(result.stdout)
            sts = _client("sts", port, created)
            for _ in range(50):  # the running server sees the new key at once (it reads keys it does not know)
                try:
                    assert sts.get_caller_identity()["Account"] == "222233334444"  # type: ignore[attr-defined]
                    break
                except Exception:
                    time.sleep(0.1)
            else:
                raise AssertionError("the new account's root key never worked")
    finally:
        _stop(server)
