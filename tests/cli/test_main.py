"""The ``ostiary`` command in-process: what stops it is one line on stderr, and ``serve --help`` lists every setting."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from ostiary.cli.main import main
from ostiary.settings import SETTINGS
from tests.support import free_port


def _one_line(capsys: pytest.CaptureFixture[str], code: int) -> str:
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ostiary: ")
    return lines[0]


REFUSED = [
    (["serve", "--port", "abc"], {}, "ostiary: --port: `abc` is not a port number from 0 to 65535"),
    (["serve"], {"OSTIARY_PORT": "70000"}, "ostiary: OSTIARY_PORT: `70000` is not a port number from 0 to 65535"),
    (
        ["serve", "--log-level", "loud"],
        {},
        "ostiary: --log-level: `loud` is not a log level (critical, error, warning, info, debug)",
    ),
    (["serve"], {"OSTIARY_ACCOUNT_ID": "1234"}, "ostiary: OSTIARY_ACCOUNT_ID: `1234` is not an account ID (12 digits)"),
    (
        ["accounts", "create", "--account-id", "abc"],
        {},
        "ostiary: --account-id: `abc` is not an account ID (12 digits)",
    ),
    (["accounts", "list"], {"OSTIARY_MASTER_KEY": "!!"}, "ostiary: OSTIARY_MASTER_KEY: the master key is not base64"),
]


@pytest.mark.parametrize(
    ("argv", "environ", "line"), REFUSED, ids=[" ".join(r[0]) + str(i) for i, r in enumerate(REFUSED)]
)
def test_a_bad_setting_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], environ: dict[str, str], line: str
) -> None:
    data = tmp_path / "state"
    assert _one_line(capsys, main([*argv, "--data-dir", str(data)], environ)) == line
    assert not data.exists()


def test_an_unwritable_data_directory_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = _one_line(capsys, main(["accounts", "list", "--data-dir", str(blocker / "state")], {}))
    assert line == f"ostiary: cannot use the data directory {blocker / 'state'}: not a directory"


def test_an_unreachable_database_is_one_line_without_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()  # nothing listens there any more
    url = f"postgresql://ostiary:hunter2@127.0.0.1:{port}/ostiary"
    data = tmp_path / "state"
    line = _one_line(capsys, main(["accounts", "list", "--data-dir", str(data), "--database-url", url], {}))
    where = f"postgresql://ostiary:***@127.0.0.1:{port}/ostiary"
    assert line == f"ostiary: cannot connect to PostgreSQL at {where}: connection refused"
    assert not data.exists()


def test_a_missing_master_key_file_is_not_regenerated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "state"
    assert main(["accounts", "list", "--data-dir", str(data)], {}) == 0
    capsys.readouterr()
    (data / "master.key").unlink()
    line = _one_line(capsys, main(["accounts", "list", "--data-dir", str(data)], {}))
    assert line.startswith("ostiary: this database was created with a master key, and there is none in ")
    assert not (data / "master.key").exists()
    other = base64.b64encode(bytes(32)).decode()
    line = _one_line(capsys, main(["accounts", "list", "--data-dir", str(data)], {"OSTIARY_MASTER_KEY": other}))
    assert line.startswith("ostiary: the master key in OSTIARY_MASTER_KEY does not match the one this database was")


def test_check_is_a_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "state"
    line = _one_line(capsys, main(["check", "--data-dir", str(data)], {}))
    assert line == f"ostiary: no database in `{data}`: nothing to check"
    assert main(["accounts", "list", "--data-dir", str(data)], {}) == 0
    assert main(["check", "--data-dir", str(data)], {}) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no problems"


def test_serve_help_lists_every_setting_with_its_variable_and_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"], {})
    assert exited.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps to the terminal's width
    for row in SETTINGS:
        if row.flag is not None:
            assert f"{row.flag} {row.metavar}" in shown, row.name
            assert f"[env {row.env}; default: {row.shown_default}]" in shown, row.name
        else:
            assert f"{row.env} {' '.join(row.help.split())} [default: {row.shown_default}]" in shown, row.name
