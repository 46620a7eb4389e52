"""The ``ostiary`` command: ``serve``, ``accounts create|list``, ``roles revoke-sessions``, ``check``.

The one place that reads the process environment: it hands it, with the flags, to
`Settings.from_sources`. Whatever stops a start (a bad setting, a taken port, a missing driver, an
unreachable database, a wrong master key) is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence

import uvicorn

from ostiary import __version__
from ostiary.bootstrap import (
    StartupError,
    banner,
    create_account,
    default_account,
    ensure_default_account,
    open_store,
    os_reason,
)
from ostiary.cli import check
from ostiary.revocation import REVOKE_POLICY_NAME, revoke_role_sessions
from ostiary.server.app import App
from ostiary.server.connections import uvicorn_options
from ostiary.server.pipeline import Pipeline
from ostiary.settings import Settings, SettingsError, add_flags, environment_help, parse_account_id
from ostiary.store import DatabaseUnavailable, Store, integrity
from ostiary.store.keyring import KeyRing
from ostiary.store.objects import BlobStore
from ostiary.store.principals import list_accounts

log = logging.getLogger("ostiary.server")

# What stops a start with one line on stderr.
ONE_LINE_ERRORS = (SettingsError, StartupError, DatabaseUnavailable)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _open(settings: Settings) -> Store:
    return open_store(settings.data_dir, settings.database_url, settings, os.urandom)


def _endpoint(host: str, port: int) -> str:
    return f"{f'[{host}]' if ':' in host else host}:{port}"


def listen(host: str, port: int, backlog: int) -> socket.socket:
    """A listening TCP socket on host:port, or `StartupError` ("cannot listen on …: address already in use").

    `ostiary serve` binds first, so a start that cannot serve stops before it generates or prints anything.
    uvicorn serves on the socket it is handed (``Server.run(sockets=[…])``, as under Gunicorn) with the same
    lifespan and graceful shutdown; like uvicorn's own ``bind_socket`` it sets SO_REUSEADDR, which lets a
    restart bind while old connections sit in TIME_WAIT, never while another server listens.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {_endpoint(host, port)}: {os_reason(exc)}") from None
    return sock


def serve(settings: Settings, args: argparse.Namespace) -> int:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    listener = listen(settings.host, settings.port, settings.backlog)
    try:
        store = _open(settings)
        try:
            return _serve_on(listener, store, settings)
        finally:
            store.close()
    finally:
        listener.close()


def _sweep_leftovers(store: Store) -> None:
    try:
        removed = integrity.sweep(integrity.find_leftovers(store, now=time.time(), min_age=integrity.LEFTOVER_MIN_AGE))
    except Exception as exc:  # housekeeping: the next start tries again
        log.warning("could not sweep leftover object files: %s", exc)
        return
    if removed:
        log.info("swept %d leftover object files", removed)


def _serve_on(listener: socket.socket, store: Store, settings: Settings) -> int:
    credentials = ensure_default_account(store, settings, os.urandom, _now())
    BlobStore.of(store.data_dir).sweep_temporary()  # what interrupted uploads left behind
    # Object files no row points at (a crash between a commit and an unlink), swept off the request path.
    threading.Thread(target=_sweep_leftovers, args=(store,), name="ostiary-sweep", daemon=True).start()
    store.watch_changes()
    keyring = KeyRing(store, os.urandom)
    keyring.current(_now())
    app = App(
        Pipeline(store, keyring),
        workers=settings.threads,
        max_in_flight=settings.max_in_flight,
        max_body_bytes=settings.max_body_bytes,
        body_idle_seconds=settings.body_idle_seconds,
        body_min_bytes_per_second=settings.body_min_bytes_per_second,
    )
    port = listener.getsockname()[1]  # the port picked when --port is 0
    print(banner(credentials, f"http://{_endpoint(settings.host, port)}", settings.data_dir), flush=True)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=port,
        lifespan="on",
        access_log=False,
        server_header=False,
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
        # aws:SourceIp and aws:SecureTransport come from the connection itself unless the operator names
        # the proxies whose X-Forwarded-For / X-Forwarded-Proto may be believed.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=",".join(settings.forwarded_allow_ips),
        # Connections, keep-alive, request heads and unread responses: bounded (`ostiary.server.connections`).
        **uvicorn_options(
            max_connections=settings.max_connections,
            backlog=settings.backlog,
            keep_alive_seconds=settings.keep_alive_seconds,
            head_seconds=settings.request_head_seconds,
            head_max_bytes=settings.request_head_max_bytes,
            send_idle_seconds=settings.send_idle_seconds,
        ),
    )
    # uvicorn handles SIGINT/SIGTERM (stop accepting, finish what is in flight), then re-raises the signal to
    # the handlers it found: make those no-ops, so a clean shutdown exits 0 instead of dying by the signal.
    for handled in (signal.SIGINT, signal.SIGTERM):
        signal.signal(handled, lambda *_: None)
    uvicorn.Server(config).run(sockets=[listener])
    return 0


def accounts_create(settings: Settings, args: argparse.Namespace) -> int:
    try:
        account_id = None if args.account_id is None else parse_account_id(args.account_id)
    except ValueError as exc:
        raise SettingsError(f"--account-id: {exc}") from None
    store = _open(settings)
    try:
        created = create_account(store, os.urandom, _now(), account_id=account_id)
    finally:
        store.close()
    print(f"account {created.account_id}")
    print(f"export AWS_ACCESS_KEY_ID={created.access_key_id}")
    print(f"export AWS_SECRET_ACCESS_KEY={created.secret_access_key}")
    return 0


def accounts_list(settings: Settings, args: argparse.Namespace) -> int:
    store = _open(settings)
    try:
        with store.read() as conn:
            for account in list_accounts(conn):
                alias = f" ({account.alias})" if account.alias else ""
                print(f"{account.account_id}{alias}  created {account.created_at:%Y-%m-%dT%H:%M:%SZ}")
    finally:
        store.close()
    return 0


def roles_revoke_sessions(settings: Settings, args: argparse.Namespace) -> int:
    store = _open(settings)
    try:
        account = args.account_id or default_account(store)
        role = revoke_role_sessions(store, account, args.role_name, _now())
    finally:
        store.close()
    print(f"sessions of {role.arn} issued before now are denied (inline policy {REVOKE_POLICY_NAME})")
    return 0


Command = Callable[[Settings, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ostiary", description="AWS-compatible IAM, STS and S3 server")
    parser.add_argument("--version", action="version", version=f"ostiary {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser(
        "serve",
        help="serve IAM, STS and S3 on one port",
        description="Serve IAM, STS and S3 on one port. A flag beats its environment variable, which beats "
        "the default.",
        epilog=environment_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_flags(serve_parser, serve=True)
    serve_parser.set_defaults(run=serve)

    accounts = commands.add_parser("accounts", help="manage accounts").add_subparsers(dest="action", required=True)
    create = accounts.add_parser("create", help="create an account and print its root credentials")
    create.add_argument("--account-id", help="12 digits (default: generated)")
    add_flags(create, serve=False)
    create.set_defaults(run=accounts_create)
    listing = accounts.add_parser("list", help="list accounts")
    add_flags(listing, serve=False)
    listing.set_defaults(run=accounts_list)

    roles = commands.add_parser("roles", help="manage roles").add_subparsers(dest="action", required=True)
    revoke = roles.add_parser(
        "revoke-sessions", help="deny every session of a role issued before now (AWSRevokeOlderSessions)"
    )
    revoke.add_argument("role_name", metavar="ROLE")
    revoke.add_argument("--account-id", help="the role's account (default: the server's default account)")
    add_flags(revoke, serve=False)
    revoke.set_defaults(run=roles_revoke_sessions)

    check.register(commands)
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command; `environ` defaults to the process environment."""
    args = build_parser().parse_args(argv)
    run: Command = args.run
    try:
        settings = Settings.from_sources(vars(args), os.environ if environ is None else environ)
        return int(run(settings, args))
    except ONE_LINE_ERRORS as exc:
        print(f"ostiary: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C before uvicorn took over the signals (while migrating, say)
        print("ostiary: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
