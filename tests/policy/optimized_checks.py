"""Security checks that must hold under ``python -O``, which drops every ``assert`` statement.

Run as ``python -O -m tests.policy.optimized_checks <scratch directory>``: it prints one line per
check, ``<name>: <outcome>``, and `test_optimized_mode` compares them with what must happen. It uses
no ``assert`` itself, for the same reason.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
ACCOUNT = "111122223333"
ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"


def outcome(check: Callable[[], object]) -> str:
    try:
        result = check()
    except Exception as exc:
        return f"raised {type(exc).__name__}"
    return f"returned {result}"


def decision(statement: dict[str, Any], context: dict[str, str]) -> str:
    from ostiary import policy as p

    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, statement]
            if statement["Effect"] == "Deny"
            else [statement],
        }
    )
    identity = p.parse_policy(document, p.PolicyKind.IDENTITY, policy_id="inline")
    who = p.PrincipalInfo(arn=ALICE_ARN, account=ACCOUNT, type=p.PrincipalType.USER, unique_id="AIDAALICE")
    keys = {k.lower(): (v,) for k, v in context.items()}
    ctx = p.RequestContext(who, "s3:ListBucket", "arn:aws:s3:::bucket", ACCOUNT, keys)
    return p.authorize(ctx, p.PolicySet(identity=(identity,))).effect.name


def rng(size: int) -> bytes:
    return bytes(size)


def assume_missing_role(scratch: Path) -> object:
    """AssumeRole of a role that does not exist, with an authorizer that (wrongly) allows everything."""
    from ostiary.api import Call
    from ostiary.caller import user_caller
    from ostiary.policy.decision import Decision, Effect
    from ostiary.secretbox import SecretBox
    from ostiary.store import Store, create_database_engine, sqlite_url
    from ostiary.store.migrate import upgrade
    from ostiary.store.principals import insert_account
    from ostiary.sts.assume_role import assume_role

    engine = create_database_engine(sqlite_url(scratch))
    upgrade(engine)
    store = Store(engine, SecretBox(bytes(32)), scratch)
    with store.write() as conn:
        insert_account(conn, ACCOUNT, NOW)
    caller = user_caller(ACCOUNT, "AIDAALICE", "alice", ALICE_ARN, "AKIAALICE", has_boundary=False)
    params = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/missing", "RoleSessionName": "s"}

    def allow_everything(action: str, resource: str = "*", **kwargs: Any) -> Decision:
        return Decision(Effect.ALLOW)

    call = Call("AssumeRole", params, caller, store, NOW, rng, "REQ", allow_everything)
    try:
        return assume_role(call)
    finally:
        store.close()


def main(scratch: Path) -> None:
    from ostiary import ids
    from ostiary.s3 import xml
    from ostiary.store.schema import UtcDateTime
    from ostiary.tokens import SigningKey

    checks: dict[str, Callable[[], object]] = {
        "optimized": lambda: sys.flags.optimize,
        "allow-numeric-not-equals-unreadable": lambda: decision(
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "*",
                "Condition": {"NumericNotEquals": {"s3:max-keys": "0"}},
            },
            {"s3:max-keys": "abc"},
        ),
        "deny-not-ip-address-unreadable": lambda: decision(
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
            },
            {"aws:SourceIp": "not-an-ip"},
        ),
        "glob-match": lambda: decision({"Effect": "Allow", "Action": "s3:List*", "Resource": "arn:aws:s3:::b?c*t"}, {}),
        "glob-no-match": lambda: decision(
            {"Effect": "Allow", "Action": "s3:List*", "Resource": "arn:aws:s3:::b?c*x"}, {}
        ),
        "access-key-id-bad-account": lambda: ids.access_key_id(ids.LONG_TERM_KEY, "1234", rng),
        "access-key-id-bad-prefix": lambda: ids.access_key_id("AIDA", ACCOUNT, rng),
        "signing-key-short-secret": lambda: SigningKey(1, bytes(16)),
        "store-naive-datetime": lambda: UtcDateTime().process_bind_param(dt.datetime(2026, 1, 1), None),  # type: ignore[arg-type]
        "xml-utf-16-doctype": lambda: xml.parse(
            '<!DOCTYPE Delete [<!ENTITY a "b">]><Delete><Quiet>&a;</Quiet></Delete>'.encode("utf-16"), "Delete"
        ),
        "assume-missing-role": lambda: assume_missing_role(scratch),
    }
    for name, check in checks.items():
        print(f"{name}: {outcome(check)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
