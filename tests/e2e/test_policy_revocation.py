"""`ostiary roles revoke-sessions`: AWS's AWSRevokeOlderSessions mechanism, end to end on a private server.

Sources: IAM User Guide id_roles_use_revoke-sessions ("Revoking IAM role temporary security credentials":
the console attaches the inline policy AWSRevokeOlderSessions, which denies all actions to sessions whose
aws:TokenIssueTime is before the revocation; sessions created later are unaffected) and "AWS global condition
context keys" (aws:TokenIssueTime is present only for temporary credentials, so long-term keys are unaffected,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-tokenissuetime).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from urllib.parse import unquote

import pytest

from tests.e2e.test_sts_policy_support import (
    Creds,
    Kit,
    PrivateServer,
    allow,
    assume,
    denied_message,
    error_of,
    explicit_deny,
    is_access_denied,
    private_server,
    trust,
    wait_until,
)


@pytest.fixture
def two(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> PrivateServer:
    return private_server(tmp_path_factory, request.config)


@pytest.fixture
def kit(two: PrivateServer, unique_name: Callable[[str], str]) -> Kit:
    return Kit(two.server, unique_name)


def denied(creds: Creds, bucket: str) -> bool:
    return is_access_denied(creds.s3.get_object, Bucket=bucket, Key="k")


def revoke(two: PrivateServer, role_name: str, *extra: str) -> tuple[dt.datetime, dt.datetime]:
    before = dt.datetime.now(dt.UTC)
    result = two.cli("roles", "revoke-sessions", role_name, *extra)
    after = dt.datetime.now(dt.UTC)
    assert result.returncode == 0, result.stderr
    assert "AWSRevokeOlderSessions" in result.stdout
    return before, after


def test_revoke_sessions_denies_older_sessions_only(kit: Kit, two: PrivateServer) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    role = kit.role(trust(user.arn), policy=[allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")])
    old, _ = assume(user.creds, role.arn, "old")
    assert old.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"

    before, after = revoke(two, role.name)
    assert wait_until(lambda: denied(old, bucket)), "the revocation did not reach the server within 5 s"
    error = error_of(old.s3.get_object, Bucket=bucket, Key="k")
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/old",
        "s3:GetObject",
        f'"arn:aws:s3:::{bucket}/k"',
        explicit_deny("identity-based policy"),
    )
    # Authentication is untouched: the revoked session still knows who it is.
    assert old.sts.get_caller_identity()["Arn"].endswith(f"assumed-role/{role.name}/old")

    new, _ = assume(user.creds, role.arn, "new")
    assert new.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"

    # The policy is AWS's: Deny * on * for tokens issued before the revocation instant.
    assert "AWSRevokeOlderSessions" in kit.root.iam.list_role_policies(RoleName=role.name)["PolicyNames"]
    document = kit.root.iam.get_role_policy(RoleName=role.name, PolicyName="AWSRevokeOlderSessions")["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(unquote(document))
    assert document["Version"] == "2012-10-17"
    [statement] = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    assert statement["Effect"] == "Deny"
    assert statement["Action"] in ("*", ["*"]) and statement["Resource"] in ("*", ["*"])
    [(operator, keys)] = statement["Condition"].items()
    assert operator == "DateLessThan"
    [(key, stamp)] = keys.items()
    assert key == "aws:TokenIssueTime"
    instant = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert before - dt.timedelta(seconds=1) <= instant <= after + dt.timedelta(seconds=1)

    # Revoking again moves the instant forward: the session assumed in between is denied too.
    revoke(two, role.name)
    assert wait_until(lambda: denied(new, bucket)), "the second revocation did not reach the server within 5 s"
    latest, _ = assume(user.creds, role.arn, "latest")
    assert latest.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_revoke_sessions_of_a_role_in_another_account(two: PrivateServer, unique_name: Callable[[str], str]) -> None:
    b = Kit(two.server, unique_name, root=two.root_b)
    bucket = b.bucket(objects={"k": b"v"})
    user = b.user()
    role = b.role(trust(user.arn), policy=[allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")])
    old, _ = assume(user.creds, role.arn, "old")
    assert old.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    revoke(two, role.name, "--account-id", b.account)
    assert wait_until(lambda: denied(old, bucket)), "the revocation did not reach the server within 5 s"
    new, _ = assume(user.creds, role.arn, "new")
    assert new.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_revoking_an_unknown_role_fails(two: PrivateServer, unique_name: Callable[[str], str]) -> None:
    result = two.cli("roles", "revoke-sessions", unique_name("missing"))
    assert result.returncode != 0
