"""Under CI=true a skip for something missing fails; a "not applicable:" skip stays a skip (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = """
import pytest

def test_needs_a_database():
    pytest.skip("OSTIARY_TEST_DATABASE_URL is not set: the PostgreSQL tests need a server")

@pytest.mark.skipif(True, reason="the AWS SigV4 test suites are not at /nowhere: set OSTIARY_VECTORS_DIR")
def test_needs_vectors():
    pass

def test_by_design():
    pytest.skip("not applicable: SigV4a is out of scope")
"""


def _run(tmp_path: Path, ci: str | None) -> str:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(REPO)
    if ci is not None:
        env["CI"] = ci
    command = [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "-q", "-rs"]
    result = subprocess.run(
        [*command, "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path / "test_sample.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("ci", "summary"), [(None, "3 skipped"), ("false", "3 skipped"), ("true", "1 failed, 1 skipped, 1 error")]
)
def test_skips_fail_under_ci_unless_not_applicable(tmp_path: Path, ci: str | None, summary: str) -> None:
    assert summary in _run(tmp_path, ci)
