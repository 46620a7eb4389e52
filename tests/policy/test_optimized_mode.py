"""``python -O`` drops ``assert`` statements, so no security check in src may be one.

Two guards: src holds no ``assert`` statement at all (ruff's S101 keeps it so), and the checks that
replaced them, with the engine's fail-closed conditions, still refuse in an interpreter run with -O.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ostiary

SRC = Path(ostiary.__file__).parent
ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "optimized": "returned 1",
    "allow-numeric-not-equals-unreadable": "returned IMPLICIT_DENY",
    "deny-not-ip-address-unreadable": "returned EXPLICIT_DENY",
    "glob-match": "returned ALLOW",
    "glob-no-match": "returned IMPLICIT_DENY",
    "access-key-id-bad-account": "raised ValueError",
    "access-key-id-bad-prefix": "raised ValueError",
    "signing-key-short-secret": "raised ValueError",
    "store-naive-datetime": "raised TypeError",
    "xml-utf-16-doctype": "raised MalformedXML",
    "assume-missing-role": "raised AccessDenied",
}


def test_src_holds_no_assert_statements() -> None:
    found = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path in sorted(SRC.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert found == []


def test_security_checks_refuse_under_python_dash_o(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-O", "-m", "tests.policy.optimized_checks", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    results = dict(line.split(": ", 1) for line in run.stdout.splitlines())
    assert results == EXPECTED
