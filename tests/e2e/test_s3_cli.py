"""The real AWS CLI against a live server: `aws s3api …` and the high-level `aws s3 cp/ls/rm/mb/rb`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support import Server

Cli = Callable[..., subprocess.CompletedProcess[str]]


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(result).stdout or "{}")


def test_s3api(server: Server, aws_cli: Cli, unique_name: Callable[[str], str], tmp_path: Path) -> None:
    env = server.cli_env()
    bucket = unique_name("cli")
    assert as_json(aws_cli(env, "s3api", "create-bucket", "--bucket", bucket)) == {"Location": f"/{bucket}"}
    source = tmp_path / "hello.txt"
    source.write_text("hello-world\n")
    put = as_json(
        aws_cli(
            env,
            "s3api",
            "put-object",
            "--bucket",
            bucket,
            "--key",
            "dir/hello world.txt",
            "--body",
            str(source),
            "--content-type",
            "text/plain",
            "--metadata",
            "k=v",
        )
    )
    assert put["ETag"] == '"8a8933dab8deebe52e30886da1ef6ee2"'
    target = tmp_path / "out.txt"
    got = as_json(aws_cli(env, "s3api", "get-object", "--bucket", bucket, "--key", "dir/hello world.txt", str(target)))
    assert (got["ContentType"], got["Metadata"], target.read_text()) == ("text/plain", {"k": "v"}, "hello-world\n")
    listed = as_json(aws_cli(env, "s3api", "list-objects-v2", "--bucket", bucket, "--delimiter", "/"))
    assert listed["CommonPrefixes"] == [{"Prefix": "dir/"}]
    assert (
        as_json(aws_cli(env, "s3api", "list-objects", "--bucket", bucket, "--prefix", "dir/"))["Contents"][0]["Key"]
        == "dir/hello world.txt"
    )
    head = as_json(aws_cli(env, "s3api", "head-object", "--bucket", bucket, "--key", "dir/hello world.txt"))
    assert head["ContentLength"] == 12
    missing = aws_cli(env, "s3api", "head-object", "--bucket", bucket, "--key", "missing")
    assert missing.returncode != 0 and "(404)" in missing.stderr
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/dir/*",
                }
            ],
        }
    )
    ok(aws_cli(env, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", policy))
    assert as_json(aws_cli(env, "s3api", "get-bucket-policy", "--bucket", bucket))["Policy"] == policy
    bad = aws_cli(env, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", "nope")
    assert "MalformedPolicy" in bad.stderr and "the first byte must be '{'" in bad.stderr
    ok(aws_cli(env, "s3api", "delete-bucket-policy", "--bucket", bucket))
    ok(aws_cli(env, "s3api", "delete-object", "--bucket", bucket, "--key", "dir/hello world.txt"))
    ok(aws_cli(env, "s3api", "delete-bucket", "--bucket", bucket))
    gone = aws_cli(env, "s3api", "get-bucket-location", "--bucket", bucket)
    assert "NoSuchBucket" in gone.stderr


def test_high_level_commands(server: Server, aws_cli: Cli, unique_name: Callable[[str], str], tmp_path: Path) -> None:
    env = server.cli_env()
    bucket = unique_name("hl")
    ok(aws_cli(env, "s3", "mb", f"s3://{bucket}"))
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("a")
    (tree / "sub" / "b c.txt").write_text("b")
    ok(aws_cli(env, "s3", "cp", str(tree), f"s3://{bucket}/up/", "--recursive"))
    listing = ok(aws_cli(env, "s3", "ls", f"s3://{bucket}/up/", "--recursive")).stdout
    assert "up/a.txt" in listing and "up/sub/b c.txt" in listing
    top = ok(aws_cli(env, "s3", "ls", f"s3://{bucket}/")).stdout
    assert "PRE up/" in top
    buckets = ok(aws_cli(env, "s3", "ls")).stdout
    assert bucket in buckets
    down = tmp_path / "down.txt"
    ok(aws_cli(env, "s3", "cp", f"s3://{bucket}/up/sub/b c.txt", str(down)))
    assert down.read_text() == "b"
    ok(aws_cli(env, "s3", "rm", f"s3://{bucket}/up/a.txt"))
    assert "a.txt" not in ok(aws_cli(env, "s3", "ls", f"s3://{bucket}/", "--recursive")).stdout
    ok(aws_cli(env, "s3", "rb", f"s3://{bucket}", "--force"))
    assert bucket not in ok(aws_cli(env, "s3", "ls")).stdout
