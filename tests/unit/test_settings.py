"""The settings table: precedence, one-line errors, and the README section generated from it."""

from __future__ import annotations

import base64
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from ostiary.settings import SETTINGS, Settings, SettingsError

REPO = Path(__file__).resolve().parent.parent.parent
KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(32)).decode()


def test_every_field_has_one_row_with_the_same_default() -> None:
    fields = {field.name: field.default for field in dataclasses.fields(Settings)}
    assert [row.name for row in SETTINGS] == list(fields)
    for row in SETTINGS:
        assert fields[row.name] == row.default, row.name
        assert row.env.startswith("OSTIARY_"), row.env
    flags = [row.flag for row in SETTINGS if row.flag is not None]
    assert len(set(flags)) == len(flags)
    assert len({row.env for row in SETTINGS}) == len(SETTINGS)


PRECEDENCE: list[tuple[str, dict[str, str | None], dict[str, str], dict[str, Any]]] = [
    ("defaults", {}, {}, {"host": "127.0.0.1", "port": 4599, "data_dir": Path(".ostiary"), "threads": 32}),
    ("environment beats default", {}, {"OSTIARY_PORT": "8080", "OSTIARY_THREADS": "4"}, {"port": 8080, "threads": 4}),
    ("flag beats environment", {"port": "9000"}, {"OSTIARY_PORT": "8080"}, {"port": 9000}),
    ("absent flag falls back to environment", {"port": None}, {"OSTIARY_PORT": "8080"}, {"port": 8080}),
    ("empty environment variable is unset", {}, {"OSTIARY_PORT": "", "OSTIARY_ACCOUNT_ID": ""}, {"port": 4599}),
    ("data dir", {"data_dir": "/srv/ostiary"}, {"OSTIARY_DATA_DIR": "/elsewhere"}, {"data_dir": Path("/srv/ostiary")}),
    ("log level is case-insensitive", {}, {"OSTIARY_LOG_LEVEL": "INFO"}, {"log_level": "info"}),
    ("IPv6 host in brackets", {"host": "[::1]"}, {}, {"host": "::1"}),
    (
        "proxies",
        {"forwarded_allow_ips": "10.0.0.1, 192.168.0.0/16,*"},
        {},
        {"forwarded_allow_ips": ("10.0.0.1", "192.168.0.0/16", "*")},
    ),
    ("database URL", {}, {"OSTIARY_DATABASE_URL": "postgresql://u@db/o"}, {"database_url": "postgresql://u@db/o"}),
    ("master key from the environment", {}, {"OSTIARY_MASTER_KEY": KEY}, {"master_key": bytes(range(32))}),
    (
        "root credentials",
        {},
        {
            "OSTIARY_ACCOUNT_ID": "111122223333",
            "OSTIARY_ROOT_ACCESS_KEY_ID": "AKIAEXAMPLEROOTKEY01",
            "OSTIARY_ROOT_SECRET_ACCESS_KEY": "exampleRootSecretKey",
        },
        {"account_id": "111122223333", "root_access_key_id": "AKIAEXAMPLEROOTKEY01"},
    ),
    # Secrets have no flag: a flag value under their name is not read.
    (
        "no flag for the master key",
        {"master_key": OTHER_KEY},
        {"OSTIARY_MASTER_KEY": KEY},
        {"master_key": bytes(range(32))},
    ),
    (
        "server limits",
        {"max_in_flight": "8", "request_head_seconds": "0.5"},
        {"OSTIARY_MAX_BODY_BYTES": "1048576", "OSTIARY_KEEP_ALIVE_SECONDS": "5", "OSTIARY_MAX_IN_FLIGHT": "99"},
        {"max_in_flight": 8, "request_head_seconds": 0.5, "max_body_bytes": 1 << 20, "keep_alive_seconds": 5},
    ),
    # `accounts create --account-id` names the new account, not the default one.
    ("account id is environment only", {"account_id": "999988887777"}, {}, {"account_id": None}),
]


@pytest.mark.parametrize(
    ("flags", "environ", "expected"), [case[1:] for case in PRECEDENCE], ids=[c[0] for c in PRECEDENCE]
)
def test_precedence(flags: dict[str, str | None], environ: dict[str, str], expected: dict[str, Any]) -> None:
    settings = Settings.from_sources(flags, environ)
    assert {name: getattr(settings, name) for name in expected} == expected


ERRORS: list[tuple[dict[str, str], dict[str, str], str]] = [
    ({"port": "abc"}, {}, "--port: `abc` is not a port number from 0 to 65535"),
    ({}, {"OSTIARY_PORT": "70000"}, "OSTIARY_PORT: `70000` is not a port number from 0 to 65535"),
    ({"port": "²"}, {}, "--port: `²` is not a port number from 0 to 65535"),
    ({"port": "-1"}, {}, "--port: `-1` is not a port number from 0 to 65535"),
    ({"threads": "0"}, {}, "--workers: `0` is not a number of threads from 1 to 1024"),
    ({}, {"OSTIARY_THREADS": "many"}, "OSTIARY_THREADS: `many` is not a number of threads from 1 to 1024"),
    ({"max_in_flight": "0"}, {}, "--max-in-flight: `0` is not a number of requests from 1 to 1000000"),
    (
        {},
        {"OSTIARY_BODY_IDLE_SECONDS": "-1"},
        "OSTIARY_BODY_IDLE_SECONDS: `-1` is not a number of seconds above 0 (like 20 or 0.5)",
    ),
    ({"send_idle_seconds": "0"}, {}, "--send-idle-seconds: `0` is not a number of seconds above 0 (like 20 or 0.5)"),
    ({"max_body_bytes": "1e9"}, {}, "--max-body-bytes: `1e9` is not a number of bytes from 1 to 1099511627776"),
    ({"log_level": "loud"}, {}, "--log-level: `loud` is not a log level (critical, error, warning, info, debug)"),
    ({"host": "a b"}, {}, "--host: `a b` is not a host name or address"),
    ({"host": "x\ny"}, {}, "--host: `x\\ny` is not a host name or address"),
    (
        {"forwarded_allow_ips": "10.0.0.1,proxy"},
        {},
        "--forwarded-allow-ips: `proxy` is not an IP address, a network or `*`",
    ),
    (
        {"database_url": "mysql://user:hunter2@db/x"},
        {},
        "--database-url: a database URL must start with postgresql:// or sqlite://, not `mysql`",
    ),
    (
        {},
        {"OSTIARY_DATABASE_URL": "db.example.com"},
        "OSTIARY_DATABASE_URL: a database URL must start with postgresql:// or sqlite://, not `db.example.com`",
    ),
    ({}, {"OSTIARY_ACCOUNT_ID": "12345"}, "OSTIARY_ACCOUNT_ID: `12345` is not an account ID (12 digits)"),
    ({}, {"OSTIARY_ACCOUNT_ID": "²" * 12}, f"OSTIARY_ACCOUNT_ID: `{'²' * 12}` is not an account ID (12 digits)"),
    ({}, {"OSTIARY_MASTER_KEY": "not base64!"}, "OSTIARY_MASTER_KEY: the master key is not base64"),
    (
        {},
        {"OSTIARY_MASTER_KEY": base64.b64encode(bytes(16)).decode()},
        "OSTIARY_MASTER_KEY: the master key must be 32 bytes, base64-encoded (it has 16)",
    ),
    (
        {},
        {"OSTIARY_ROOT_ACCESS_KEY_ID": "akia-lower", "OSTIARY_ROOT_SECRET_ACCESS_KEY": "x" * 40},
        "OSTIARY_ROOT_ACCESS_KEY_ID: `akia-lower` is not an access key ID (16 to 128 upper-case letters and digits)",
    ),
    (
        {},
        {"OSTIARY_ROOT_ACCESS_KEY_ID": "AKIAEXAMPLEROOTKEY01", "OSTIARY_ROOT_SECRET_ACCESS_KEY": "short"},
        "OSTIARY_ROOT_SECRET_ACCESS_KEY: a secret access key is at least 16 printable characters without spaces",
    ),
    (
        {},
        {"OSTIARY_ROOT_ACCESS_KEY_ID": "AKIAEXAMPLEROOTKEY01"},
        "set both OSTIARY_ROOT_ACCESS_KEY_ID and OSTIARY_ROOT_SECRET_ACCESS_KEY, or neither",
    ),
]


@pytest.mark.parametrize(
    ("flags", "environ", "message"), ERRORS, ids=[e[2].split(":")[0] + str(i) for i, e in enumerate(ERRORS)]
)
def test_a_bad_value_is_one_line_naming_its_source(
    flags: dict[str, str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_sources(flags, environ)
    assert str(raised.value) == message
    assert "\n" not in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_sources(
        {},
        {
            "OSTIARY_MASTER_KEY": KEY,
            "OSTIARY_ROOT_ACCESS_KEY_ID": "AKIAEXAMPLEROOTKEY01",
            "OSTIARY_ROOT_SECRET_ACCESS_KEY": "exampleRootSecretKey",
        },
    )
    assert "exampleRootSecretKey" not in repr(settings)
    assert repr(bytes(range(32))) not in repr(settings)


def test_only_the_command_reads_the_process_environment() -> None:
    readers = sorted(
        str(path.relative_to(REPO))
        for path in (REPO / "src" / "ostiary").rglob("*.py")
        if re.search(r"\bos\.environ\b|\bgetenv\(|\benviron\[", path.read_text())
    )
    assert readers == ["src/ostiary/cli/main.py"], (
        "only the command reads os.environ: take an `ostiary.settings.Settings` (flags from `settings.add_flags`, "
        f"built by `Settings.from_sources`) instead, in {[r for r in readers if not r.endswith('cli/main.py')]}"
    )


def render_configuration() -> str:
    """The README's settings table, from SETTINGS."""
    lines = ["| flag | environment variable | default | meaning |", "|---|---|---|---|"]
    for row in SETTINGS:
        flag = f"`{row.flag}`" if row.flag else "—"
        lines.append(f"| {flag} | `{row.env}` | {row.shown_default} | {row.help} |")
    return "\n".join(lines)


def test_readme_lists_every_setting() -> None:
    readme = (REPO / "README.md").read_text()
    begin, end = "<!-- settings table: generated from src/ostiary/settings.py -->", "<!-- end of settings table -->"
    assert begin in readme and end in readme, "the README's Configuration section lost its settings table markers"
    table = readme.split(begin, 1)[1].split(end, 1)[0].strip()
    assert table == render_configuration(), (
        "the README's settings table is stale; it should read:\n" + render_configuration()
    )
