"""Review against live `ostiary serve` processes: what the HTTP shell trusts, how it holds up, what it logs.

Findings (xfail strict) and the checks that held (plain tests).
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import botocore.exceptions
import pytest

from tests.support import ROOT_SECRET, Server, start_server

SLOW_CLIENTS = 32  # `ostiary serve --workers` default


@pytest.fixture(scope="module")
def debug_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("review-live") / "state", extra_env={"OSTIARY_LOG_LEVEL": "debug"})
    yield running
    running.stop()


def _get(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


# --- findings ---------------------------------------------------------------------------------


def test_forwarded_headers_do_not_set_source_ip_or_secure_transport(
    server: Server, unique_name: Callable[[str], str]
) -> None:
    bucket = unique_name("ip-locked")
    s3 = server.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"secret")
    condition = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}, "Bool": {"aws:SecureTransport": "true"}}
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": condition,
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    url = f"{server.endpoint}/{bucket}/k"
    assert _get(url, {}) == 403
    assert _get(url, {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}) == 403


def test_slow_unauthenticated_bodies_do_not_starve_the_server(debug_server: Server) -> None:
    port = int(debug_server.endpoint.rsplit(":", 1)[1])
    sockets = []
    try:
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 100000\r\n\r\nAction=Get"
            )
            sockets.append(sock)
        time.sleep(0.3)
        sts = debug_server.client("sts", connect_timeout=2, read_timeout=2)
        try:
            identity = sts.get_caller_identity()
        except botocore.exceptions.ReadTimeoutError:
            pytest.fail("a signed request got no answer while slow clients held the workers")
        assert identity["Account"] == debug_server.account_id
    finally:
        for sock in sockets:
            sock.close()


def test_a_configured_root_secret_is_not_printed(server: Server) -> None:
    assert ROOT_SECRET not in server.log.read_text()


def test_a_generated_root_secret_is_printed_only_on_first_start(tmp_path: Path) -> None:
    unset = {"OSTIARY_ROOT_ACCESS_KEY_ID": "", "OSTIARY_ROOT_SECRET_ACCESS_KEY": ""}
    first = start_server(tmp_path / "state", extra_env=unset)
    first.stop()
    exports = (tmp_path / "state" / "credentials.env").read_text()
    secret = exports.split("AWS_SECRET_ACCESS_KEY=", 1)[1].split()[0]
    first_log = first.log.read_text()
    assert secret in first_log  # printed once, as documented
    second = start_server(tmp_path / "state", extra_env=unset)
    second.stop()
    assert secret not in second.log.read_text()[len(first_log) :]


# --- what held ----------------------------------------------------------------------------------


def test_debug_log_holds_no_user_or_session_secret(debug_server: Server) -> None:
    iam = debug_server.client("iam")
    user = f"logged-{int(time.time() * 1000)}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    account = debug_server.account_id
    trust = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/{user}"}, "Action": "sts:AssumeRole"}
    iam.create_role(RoleName=user, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}))
    as_user = debug_server.client("sts", access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"])
    assumed = as_user.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{user}", RoleSessionName="logged")
    session = debug_server.client("sts").get_session_token()["Credentials"]
    wrong = debug_server.client("s3", secret_access_key="W" * 40)
    with pytest.raises(botocore.exceptions.ClientError):
        wrong.list_buckets()
    # A request with a session token in its query string (not logged with the path).
    creds = assumed["Credentials"]
    query = f"X-Amz-Security-Token={urllib.request.quote(creds['SessionToken'], safe='')}"
    assert _get(f"{debug_server.endpoint}/nope?{query}", {}) in (400, 403, 404)
    master_key = (debug_server.data_dir / "master.key").read_text().strip()
    log = debug_server.log.read_text()
    for secret in (
        key["SecretAccessKey"],
        creds["SecretAccessKey"],
        creds["SessionToken"][:60],
        session["SecretAccessKey"],
        session["SessionToken"][:60],
        master_key,
    ):
        assert secret not in log
