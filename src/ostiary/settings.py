"""Every setting of ``ostiary``, in one table, and the frozen `Settings` built once from it.

Theory of operation:

- `SETTINGS` has one row per setting: its name (a field of `Settings`), its command-line flag (``None`` for
  secrets, which stay out of the process list), its environment variable, its default, its help text and
  the parser that turns text into a value or says in one line what is wrong.
- `Settings.from_sources(flags, environ)` is a pure function of the parsed flags and an environment
  mapping: a flag beats its environment variable, which beats the default. An empty environment variable
  counts as unset.
- ``ostiary serve --help`` and the README's Configuration section are generated from the same rows.

Only the command (`ostiary.cli.main`) reads the process environment, and only to hand it to `from_sources`.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import ipaddress
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ostiary import wire
from ostiary.limits import (
    BODY_IDLE_SECONDS,
    BODY_MIN_BYTES_PER_SECOND,
    KEEP_ALIVE_SECONDS,
    LISTEN_BACKLOG,
    MAX_CONNECTIONS,
    MAX_IN_FLIGHT_REQUESTS,
    REQUEST_BODY_MAX_BYTES,
    REQUEST_HEAD_MAX_BYTES,
    REQUEST_HEAD_SECONDS,
    RESPONSE_SEND_IDLE_SECONDS,
    WORKER_THREADS,
)
from ostiary.secretbox import MASTER_KEY_BYTES

__all__ = [
    "SETTINGS",
    "Setting",
    "Settings",
    "SettingsError",
    "add_flags",
    "environment_help",
    "parse_account_id",
]


class SettingsError(Exception):
    """A setting has a value ostiary cannot use; the message is one line that names the flag or variable."""


def _shown(text: str) -> str:
    """User input quoted for a one-line message: control characters escaped, long values cut."""
    shown = text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
    return f"`{shown[:60]}…`" if len(shown) > 60 else f"`{shown}`"


def _host(text: str) -> str:
    host = text.removeprefix("[").removesuffix("]")  # `[::1]` as written in URLs
    if not host or not host.isprintable() or any(c.isspace() for c in host):
        raise ValueError(f"{_shown(text)} is not a host name or address")
    return host


def _port(text: str) -> int:
    port = wire.parse_int(text, minimum=0, maximum=65_535, max_digits=5)
    if port is None:
        raise ValueError(f"{_shown(text)} is not a port number from 0 to 65535")
    return port


def _count(low: int, high: int, what: str) -> Callable[[str], int]:
    """A parser of whole numbers from `low` to `high` (ASCII digits only)."""

    def parse(text: str) -> int:
        value = wire.parse_int(text, minimum=low, maximum=high, max_digits=19)
        if value is None:
            raise ValueError(f"{_shown(text)} is not a number of {what} from {low} to {high}")
        return value

    return parse


def _seconds(text: str) -> float:
    if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,3})?", text) or float(text) <= 0:
        raise ValueError(f"{_shown(text)} is not a number of seconds above 0 (like 20 or 0.5)")
    return float(text)


def _path(text: str) -> Path:
    if "\0" in text:
        raise ValueError(f"{_shown(text)} is not a path")
    return Path(text)


# SQLAlchemy URL forms ostiary opens: https://docs.sqlalchemy.org/en/20/core/engines.html#database-urls
_DATABASE_SCHEMES: Final = ("postgresql", "postgres", "postgresql+psycopg", "sqlite")


def _database_url(text: str) -> str:
    scheme, separator, _ = text.partition("://")
    if not separator or scheme.lower() not in _DATABASE_SCHEMES:
        # The URL may hold a password: name only its scheme.
        raise ValueError(f"a database URL must start with postgresql:// or sqlite://, not {_shown(scheme)}")
    return text


LOG_LEVELS: Final = ("critical", "error", "warning", "info", "debug")


def _log_level(text: str) -> str:
    if text.lower() not in LOG_LEVELS:
        raise ValueError(f"{_shown(text)} is not a log level ({', '.join(LOG_LEVELS)})")
    return text.lower()


def _addresses(text: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks, or `*`; what uvicorn's ``forwarded_allow_ips`` accepts."""
    items = tuple(item.strip() for item in text.split(",") if item.strip())
    for item in items:
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{_shown(item)} is not an IP address, a network or `*`") from None
    return items


def _master_key(text: str) -> bytes:
    # Never quote the value: it is a secret.
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raise ValueError("the master key is not base64") from None
    if len(key) != MASTER_KEY_BYTES:
        raise ValueError(f"the master key must be {MASTER_KEY_BYTES} bytes, base64-encoded (it has {len(key)})")
    return key


def parse_account_id(text: str) -> str:
    """`text` if it is an account ID, else ValueError."""
    # An AWS account ID is a 12-digit number:
    # "Your AWS account ID", https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html
    if not re.fullmatch(r"[0-9]{12}", text):
        raise ValueError(f"{_shown(text)} is not an account ID (12 digits)")
    return text


ACCESS_KEY_ID: Final = re.compile(r"[A-Z0-9]{16,128}")


def _access_key_id(text: str) -> str:
    # AccessKeyId: 16 to 128 characters, "[\w]+" (IAM API Reference, AccessKey data type,
    # https://docs.aws.amazon.com/IAM/latest/APIReference/API_AccessKey.html); ostiary also wants upper case.
    if not ACCESS_KEY_ID.fullmatch(text):
        raise ValueError(f"{_shown(text)} is not an access key ID (16 to 128 upper-case letters and digits)")
    return text


def _secret(text: str) -> str:
    if len(text) < 16 or not text.isprintable() or any(c.isspace() for c in text):
        raise ValueError("a secret access key is at least 16 printable characters without spaces")
    return text


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the settings table."""

    name: str  # the `Settings` field
    flag: str | None  # None: environment only (secrets stay out of `ps`)
    env: str
    default: Any
    shown_default: str  # how --help and the README show the default
    help: str
    parse: Callable[[str], Any]
    serve_only: bool = True  # False: every command that opens the store takes the flag too
    metavar: str | None = None


# fmt: off
SETTINGS: Final[tuple[Setting, ...]] = (
    Setting(
        "host", "--host", "OSTIARY_HOST", "127.0.0.1", "127.0.0.1",
        "address to listen on; IAM, STS and S3 share one port", _host, metavar="ADDRESS",
    ),
    Setting(
        "port", "--port", "OSTIARY_PORT", 4599, "4599",
        "TCP port to listen on (0 picks a free one)", _port, metavar="PORT",
    ),
    Setting(
        "data_dir", "--data-dir", "OSTIARY_DATA_DIR", Path(".ostiary"), "./.ostiary",
        "the SQLite database, object bytes, master.key and credentials.env", _path,
        serve_only=False, metavar="DIR",
    ),
    Setting(
        "database_url", "--database-url", "OSTIARY_DATABASE_URL", None, "SQLite in the data directory",
        "postgresql://user@host/db to share state between nodes (needs the [postgres] extra)", _database_url,
        serve_only=False, metavar="URL",
    ),
    Setting(
        "log_level", "--log-level", "OSTIARY_LOG_LEVEL", "warning", "warning",
        "critical, error, warning, info (one line per request) or debug", _log_level, metavar="LEVEL",
    ),
    # Threads, for now: a later change makes --workers mean processes and gives threads a flag of their own.
    Setting(
        "threads", "--workers", "OSTIARY_THREADS", WORKER_THREADS, str(WORKER_THREADS),
        "threads that handle requests", _count(1, 1_024, "threads"), metavar="N",
    ),
    Setting(
        "forwarded_allow_ips", "--forwarded-allow-ips", "OSTIARY_FORWARDED_ALLOW_IPS", (), "none",
        "comma-separated proxy addresses or networks whose X-Forwarded-For and X-Forwarded-Proto are believed "
        "(`*`: any)", _addresses, metavar="IPS",
    ),
    # Server limits: the defaults and their reasons are in `ostiary.limits`.
    Setting(
        "max_in_flight", "--max-in-flight", "OSTIARY_MAX_IN_FLIGHT", MAX_IN_FLIGHT_REQUESTS,
        str(MAX_IN_FLIGHT_REQUESTS), "requests served at once; one more gets 503 SlowDown (S3) or "
        "ServiceUnavailable (IAM, STS), which SDKs retry", _count(1, 1_000_000, "requests"), metavar="N",
    ),
    Setting(
        "max_connections", "--max-connections", "OSTIARY_MAX_CONNECTIONS", MAX_CONNECTIONS, str(MAX_CONNECTIONS),
        "open connections, idle keep-alive ones included (fewer if the open-file limit is lower)",
        _count(1, 1_000_000, "connections"), metavar="N",
    ),
    Setting(
        "backlog", "--backlog", "OSTIARY_BACKLOG", LISTEN_BACKLOG, str(LISTEN_BACKLOG),
        "connections waiting to be accepted", _count(1, 65_535, "connections"), metavar="N",
    ),
    Setting(
        "keep_alive_seconds", "--keep-alive-seconds", "OSTIARY_KEEP_ALIVE_SECONDS", KEEP_ALIVE_SECONDS,
        str(KEEP_ALIVE_SECONDS), "an idle keep-alive connection is closed after this long",
        _count(1, 3_600, "seconds"), metavar="SECONDS",
    ),
    Setting(
        "request_head_seconds", "--request-head-seconds", "OSTIARY_REQUEST_HEAD_SECONDS", REQUEST_HEAD_SECONDS,
        str(REQUEST_HEAD_SECONDS), "a request line and its headers must arrive within this long (408 beyond)",
        _seconds, metavar="SECONDS",
    ),
    Setting(
        "request_head_max_bytes", "--request-head-max-bytes", "OSTIARY_REQUEST_HEAD_MAX_BYTES",
        REQUEST_HEAD_MAX_BYTES, str(REQUEST_HEAD_MAX_BYTES), "the most bytes of request line and headers (431 "
        "beyond)", _count(1_024, 1 << 24, "bytes"), metavar="BYTES",
    ),
    Setting(
        "body_idle_seconds", "--body-idle-seconds", "OSTIARY_BODY_IDLE_SECONDS", BODY_IDLE_SECONDS,
        str(BODY_IDLE_SECONDS), "the longest pause within a request body (RequestTimeout beyond)", _seconds,
        metavar="SECONDS",
    ),
    Setting(
        "body_min_bytes_per_second", "--body-min-bytes-per-second", "OSTIARY_BODY_MIN_BYTES_PER_SECOND",
        BODY_MIN_BYTES_PER_SECOND, str(BODY_MIN_BYTES_PER_SECOND), "the slowest average pace of a request body "
        "once its first body-idle-seconds have passed (RequestTimeout below)", _count(1, 1 << 30, "bytes"),
        metavar="BYTES",
    ),
    Setting(
        "max_body_bytes", "--max-body-bytes", "OSTIARY_MAX_BODY_BYTES", REQUEST_BODY_MAX_BYTES,
        str(REQUEST_BODY_MAX_BYTES), "the most bytes one request body may carry on the wire (5 GiB of object "
        "and its aws-chunked framing)", _count(1, 1 << 40, "bytes"), metavar="BYTES",
    ),
    Setting(
        "send_idle_seconds", "--send-idle-seconds", "OSTIARY_SEND_IDLE_SECONDS", RESPONSE_SEND_IDLE_SECONDS,
        str(RESPONSE_SEND_IDLE_SECONDS), "a client that reads nothing of a response for this long is "
        "disconnected", _seconds, metavar="SECONDS",
    ),
    Setting(
        "master_key", None, "OSTIARY_MASTER_KEY", None, "master.key in the data directory, generated on first start",
        "base64 of 32 bytes that wraps every secret at rest; every node of a PostgreSQL deployment needs the "
        "same one", _master_key, serve_only=False,
    ),
    Setting(
        "account_id", None, "OSTIARY_ACCOUNT_ID", None, "generated on first start",
        "the default account (12 digits)", parse_account_id,
    ),
    Setting(
        "root_access_key_id", None, "OSTIARY_ROOT_ACCESS_KEY_ID", None, "generated on first start",
        "the default account's root access key ID (set with OSTIARY_ROOT_SECRET_ACCESS_KEY)", _access_key_id,
    ),
    Setting(
        "root_secret_access_key", None, "OSTIARY_ROOT_SECRET_ACCESS_KEY", None, "generated on first start",
        "the root access key's secret (16 characters or more); never printed", _secret,
    ),
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, parsed and checked; built once by `from_sources`."""

    host: str = "127.0.0.1"
    port: int = 4599
    data_dir: Path = Path(".ostiary")
    database_url: str | None = None
    log_level: str = "warning"
    threads: int = WORKER_THREADS
    forwarded_allow_ips: tuple[str, ...] = ()
    max_in_flight: int = MAX_IN_FLIGHT_REQUESTS
    max_connections: int = MAX_CONNECTIONS
    backlog: int = LISTEN_BACKLOG
    keep_alive_seconds: int = KEEP_ALIVE_SECONDS
    request_head_seconds: float = REQUEST_HEAD_SECONDS
    request_head_max_bytes: int = REQUEST_HEAD_MAX_BYTES
    body_idle_seconds: float = BODY_IDLE_SECONDS
    body_min_bytes_per_second: int = BODY_MIN_BYTES_PER_SECOND
    max_body_bytes: int = REQUEST_BODY_MAX_BYTES
    send_idle_seconds: float = RESPONSE_SEND_IDLE_SECONDS
    master_key: bytes | None = field(default=None, repr=False)
    account_id: str | None = None
    root_access_key_id: str | None = None
    root_secret_access_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_sources(cls, flags: Mapping[str, object], environ: Mapping[str, str]) -> Settings:
        """The settings given by `flags` (unparsed text by setting name, None when absent) and `environ`.

        Raises `SettingsError` with one line naming the flag or environment variable at fault.
        """
        values: dict[str, Any] = {}
        for row in SETTINGS:
            given = flags.get(row.name) if row.flag is not None else None
            origin = row.flag
            if given is None:
                given, origin = environ.get(row.env) or None, row.env
            if given is None:
                values[row.name] = row.default
                continue
            if not isinstance(given, str):
                raise TypeError(f"{row.name}: flags hold unparsed text")
            try:
                values[row.name] = row.parse(given)
            except ValueError as exc:
                raise SettingsError(f"{origin}: {exc}") from None
        settings = cls(**values)
        if (settings.root_access_key_id is None) != (settings.root_secret_access_key is None):
            raise SettingsError("set both OSTIARY_ROOT_ACCESS_KEY_ID and OSTIARY_ROOT_SECRET_ACCESS_KEY, or neither")
        return settings


def add_flags(parser: argparse.ArgumentParser, *, serve: bool) -> None:
    """One flag per row of the table with a flag; for commands other than serve, only the storage rows.

    Each flag's value is the unparsed text (None when absent) under the setting's name, for `from_sources`.
    """
    for row in SETTINGS:
        if row.flag is None or (row.serve_only and not serve):
            continue
        shown = f"{row.help} [env {row.env}; default: {row.shown_default}]"
        parser.add_argument(row.flag, dest=row.name, metavar=row.metavar, help=shown.replace("%", "%%"))


def environment_help() -> str:
    """The rows without a flag, for the end of ``ostiary serve --help``."""
    lines = ["settings read only from the environment (secrets stay out of the process list):"]
    for row in SETTINGS:
        if row.flag is None:
            text = f"{row.help} [default: {row.shown_default}]"
            lines += [f"  {row.env}", textwrap.fill(text, 78, initial_indent=" " * 6, subsequent_indent=" " * 6)]
    return "\n".join(lines)
