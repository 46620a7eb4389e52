"""`ostiary serve` as an operator meets it: first start, restart, signals, health, and starts that cannot succeed.

A start that cannot succeed (port taken, driver missing, database unreachable, wrong master key) exits 2 with
exactly one line on stderr, no traceback, nothing on stdout (no banner, no credentials) and nothing created.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
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


def _refused(args: list[str], env: dict[str, str]) -> str:
    """Run `ostiary` expecting a refused start; return its one line."""
    result = subprocess.run([*OSTIARY, *args], env=env, capture_output=True, text=True, timeout=90, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result
    assert result.stdout == "", result.stdout  # no banner, no credentials
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _without(tmp_path: Path, *modules: str) -> dict[str, str]:
    """An environment whose Python cannot import `modules`, as if they were not installed."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(
        "import sys\n"
        "from importlib.abc import MetaPathFinder\n"
        f"BLOCKED = {modules!r}\n"
        "class Uninstalled(MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.partition('.')[0] in BLOCKED:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Uninstalled())\n"
    )
    env = _env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shim), env.get("PYTHONPATH")]))
    for module in modules:
        probe = subprocess.run([sys.executable, "-c", f"import {module}"], env=env, capture_output=True, check=False)
        assert probe.returncode != 0, f"the shim did not hide {module}"
    return env


def test_a_taken_port_stops_the_start_before_anything_is_generated_or_printed(tmp_path: Path) -> None:
    data = tmp_path / "state"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = _refused(["serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data)], _env())
    assert line == f"ostiary: cannot listen on 127.0.0.1:{port}: address already in use"
    assert not data.exists()  # no master key, no database, no credentials.env


def test_postgresql_without_psycopg_says_what_to_install(tmp_path: Path) -> None:
    data = tmp_path / "state"
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/ostiary"
    args = ["serve", "--port", str(free_port()), "--data-dir", str(data), "--database-url", url]
    line = _refused(args, _without(tmp_path, "psycopg"))
    assert line == "ostiary: PostgreSQL needs psycopg: pip install 'ostiary[postgres]'"
    assert not data.exists()


def test_without_uvloop_and_httptools_the_server_still_serves(tmp_path: Path) -> None:
    # uvicorn's "auto" event loop and HTTP parser fall back to asyncio and h11 when these are missing
    # (https://www.uvicorn.org/settings/#implementation).
    port = free_port()
    server = _serve(tmp_path / "state", port, _without(tmp_path, "uvloop", "httptools"))
    try:
        _wait_healthy(port, server)
    finally:
        code, output = _stop(server)
    assert code == 0, output
    assert "Traceback" not in output


@pytest.mark.parametrize("host", ["127.0.0.1", "db.invalid"], ids=["closed port", "unknown host"])
def test_an_unreachable_postgresql_is_one_line(tmp_path: Path, host: str) -> None:
    data = tmp_path / "state"
    port = free_port()  # nothing listens there once free_port returns
    url = f"postgresql://postgres:hunter2@{host}:{port}/ostiary"
    line = _refused(["serve", "--port", str(free_port()), "--data-dir", str(data), "--database-url", url], _env())
    where = f"ostiary: cannot connect to PostgreSQL at postgresql://postgres:***@{host}:{port}/ostiary: "
    assert line.startswith(where), line
    if host == "127.0.0.1":
        assert line == where + "connection refused"
    else:
        assert host in line.removeprefix(where)  # "failed to resolve host 'db.invalid': …"
    assert not data.exists()


@pytest.mark.parametrize("wrong", ["database", "user"])
def test_a_postgresql_that_refuses_us_is_one_line(tmp_path: Path, wrong: str) -> None:
    base = os.environ.get("OSTIARY_TEST_DATABASE_URL")
    if not base:
        pytest.skip("OSTIARY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL server")
    from sqlalchemy.engine import make_url

    url = make_url(base)
    url = (
        url.set(database="ostiary_no_such_database")
        if wrong == "database"
        else url.set(username="ostiary_no_such_user")
    )
    data = tmp_path / "state"
    args = ["serve", "--port", str(free_port()), "--data-dir", str(data)]
    line = _refused([*args, "--database-url", url.render_as_string(hide_password=False)], _env())
    assert line.startswith("ostiary: cannot connect to PostgreSQL at postgresql://"), line
    if wrong == "database":
        assert line.endswith(': database "ostiary_no_such_database" does not exist'), line
    else:  # 'role "…" does not exist' or 'password authentication failed for user "…"', as pg_hba.conf says
        assert '"ostiary_no_such_user"' in line, line
    assert not data.exists()


def test_a_wrong_master_key_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "state"
    serve = ["serve", "--port", str(free_port()), "--data-dir", str(data)]

    # Malformed in the environment: refused before the data directory exists.
    line = _refused(serve, _env(OSTIARY_MASTER_KEY="not base64!"))
    assert line == "ostiary: OSTIARY_MASTER_KEY: the master key is not base64"
    short = base64.b64encode(bytes(16)).decode()
    line = _refused(serve, _env(OSTIARY_MASTER_KEY=short))
    assert line == "ostiary: OSTIARY_MASTER_KEY: the master key must be 32 bytes, base64-encoded (it has 16)"
    assert not data.exists()

    created = subprocess.run(
        [*OSTIARY, "accounts", "list", "--data-dir", str(data)],
        env=_env(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    key = (data / "master.key").read_text()
    database = (data / "ostiary.db").read_bytes()

    # Another key than the one the database was created with: the message says which key is wrong.
    line = _refused(serve, _env(OSTIARY_MASTER_KEY=base64.b64encode(bytes(32)).decode()))
    assert line.startswith("ostiary: the master key in OSTIARY_MASTER_KEY does not match the one this database"), line

    # The key file lost: not replaced by a new key that could never open this database.
    (data / "master.key").unlink()
    line = _refused(serve, _env())
    assert line.startswith("ostiary: this database was created with a master key, and there is none in "), line
    assert not (data / "master.key").exists()

    (data / "master.key").write_text(key)
    assert (data / "ostiary.db").read_bytes() == database
    assert not (data / "credentials.env").exists()


def test_server_limits_come_from_the_settings(tmp_path: Path) -> None:
    import botocore.exceptions

    from tests.support import start_server

    server = start_server(tmp_path / "state", extra_env={"OSTIARY_MAX_BODY_BYTES": "1024"})
    try:
        s3 = server.client("s3")
        s3.create_bucket(Bucket="limits")
        s3.put_object(Bucket="limits", Key="small", Body=b"x" * 100)
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            s3.put_object(Bucket="limits", Key="large", Body=b"x" * 4096)
        assert refused.value.response["Error"]["Code"] == "EntityTooLarge"
    finally:
        assert server.stop() == 0


def test_a_start_sweeps_object_files_that_no_row_points_at(tmp_path: Path) -> None:
    """A crash between a DeleteObject's commit and its unlink leaves a file no row names: the next start removes
    it once it is older than integrity.LEFTOVER_MIN_AGE, and leaves a young one (maybe a PutObject in flight)."""
    from ostiary.store.integrity import LEFTOVER_MIN_AGE
    from tests.support import start_server

    data = tmp_path / "state"
    first = start_server(data)
    s3 = first.client("s3")
    s3.create_bucket(Bucket="kept")
    s3.put_object(Bucket="kept", Key="k", Body=b"stays")
    first.stop()
    old = data / "objects" / "ab" / ("ab" + "0" * 30)
    young = data / "objects" / "ab" / ("ab" + "1" * 30)
    for path in (old, young):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
    stale = time.time() - LEFTOVER_MIN_AGE - 60
    os.utime(old, (stale, stale))
    second = start_server(data)
    try:
        deadline = time.monotonic() + 30
        while old.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not old.exists()
        assert young.exists()
        assert second.client("s3").get_object(Bucket="kept", Key="k")["Body"].read() == b"stays"
    finally:
        second.stop()
