"""The ``ostiary`` command: ``serve``, ``accounts create|list``, ``roles revoke-sessions``."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from ostiary import __version__
from ostiary.bootstrap import (
    StartupError,
    banner,
    create_account,
    default_account,
    ensure_default_account,
    open_store,
)
from ostiary.revocation import REVOKE_POLICY_NAME, revoke_role_sessions
from ostiary.server.app import App
from ostiary.server.pipeline import Pipeline
from ostiary.store import Store
from ostiary.store.keyring import KeyRing
from ostiary.store.objects import BlobStore
from ostiary.store.principals import list_accounts


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _add_storage(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("OSTIARY_DATA_DIR", ".ostiary")),
        help="where the SQLite database, object bytes and the master key live (default: ./.ostiary)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("OSTIARY_DATABASE_URL"),
        help="postgresql://… to share state between nodes (default: SQLite in the data directory)",
    )


def _open(args: argparse.Namespace) -> Store:
    return open_store(args.data_dir, args.database_url, os.environ, os.urandom)


def serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = _open(args)
    credentials = ensure_default_account(store, os.environ, os.urandom, _now())
    BlobStore.of(store.data_dir).sweep_temporary()  # what interrupted uploads left behind
    store.watch_changes()
    keyring = KeyRing(store, os.urandom)
    keyring.current(_now())
    app = App(Pipeline(store, keyring), workers=args.workers)
    host = args.host if ":" not in args.host else f"[{args.host}]"
    print(banner(credentials, f"http://{host}:{args.port}", args.data_dir), flush=True)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        lifespan="on",
        access_log=False,
        server_header=False,
        log_level=args.log_level.lower(),
        timeout_keep_alive=30,
        timeout_graceful_shutdown=10,
        # aws:SourceIp and aws:SecureTransport come from the connection itself unless the operator names
        # the proxies whose X-Forwarded-For / X-Forwarded-Proto may be believed.
        proxy_headers=bool(args.forwarded_allow_ips),
        forwarded_allow_ips=args.forwarded_allow_ips or None,
    )
    # uvicorn handles SIGINT/SIGTERM (stop accepting, finish what is in flight), then re-raises the signal to
    # the handlers it found: make those no-ops, so a clean shutdown exits 0 instead of dying by the signal.
    for handled in (signal.SIGINT, signal.SIGTERM):
        signal.signal(handled, lambda *_: None)
    uvicorn.Server(config).run()
    store.close()
    return 0


def accounts_create(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        created = create_account(store, os.urandom, _now(), account_id=args.account_id)
    finally:
        store.close()
    print(f"account {created.account_id}")
    print(f"export AWS_ACCESS_KEY_ID={created.access_key_id}")
    print(f"export AWS_SECRET_ACCESS_KEY={created.secret_access_key}")
    return 0


def accounts_list(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        with store.read() as conn:
            for account in list_accounts(conn):
                alias = f" ({account.alias})" if account.alias else ""
                print(f"{account.account_id}{alias}  created {account.created_at:%Y-%m-%dT%H:%M:%SZ}")
    finally:
        store.close()
    return 0


def roles_revoke_sessions(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        account = args.account_id or default_account(store)
        role = revoke_role_sessions(store, account, args.role_name, _now())
    finally:
        store.close()
    print(f"sessions of {role.arn} issued before now are denied (inline policy {REVOKE_POLICY_NAME})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ostiary", description="AWS-compatible IAM, STS and S3 server")
    parser.add_argument("--version", action="version", version=f"ostiary {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="serve IAM, STS and S3 on one port")
    serve_parser.add_argument("--host", default=os.environ.get("OSTIARY_HOST", "127.0.0.1"))
    serve_parser.add_argument("--port", type=int, default=int(os.environ.get("OSTIARY_PORT", "4599")))
    serve_parser.add_argument("--workers", type=int, default=32, help="worker threads for request handling")
    serve_parser.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("OSTIARY_FORWARDED_ALLOW_IPS"),
        help="comma-separated proxy addresses whose X-Forwarded-For/-Proto headers are trusted (default: none)",
    )
    serve_parser.add_argument("--log-level", default=os.environ.get("OSTIARY_LOG_LEVEL", "warning"))
    _add_storage(serve_parser)
    serve_parser.set_defaults(run=serve)

    accounts = commands.add_parser("accounts", help="manage accounts").add_subparsers(dest="action", required=True)
    create = accounts.add_parser("create", help="create an account and print its root credentials")
    create.add_argument("--account-id", help="12 digits (default: generated)")
    _add_storage(create)
    create.set_defaults(run=accounts_create)
    listing = accounts.add_parser("list", help="list accounts")
    _add_storage(listing)
    listing.set_defaults(run=accounts_list)

    roles = commands.add_parser("roles", help="manage roles").add_subparsers(dest="action", required=True)
    revoke = roles.add_parser(
        "revoke-sessions", help="deny every session of a role issued before now (AWSRevokeOlderSessions)"
    )
    revoke.add_argument("role_name", metavar="ROLE")
    revoke.add_argument("--account-id", help="the role's account (default: the server's default account)")
    _add_storage(revoke)
    revoke.set_defaults(run=roles_revoke_sessions)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except StartupError as exc:
        print(f"ostiary: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
