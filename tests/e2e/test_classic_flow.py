"""The classic STS flow, to the letter, with the real AWS CLI: the acceptance script classic_flow.py from the shared
test-data directory (`tests.support.SHARED`), run against a live server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import SHARED

ACCEPTANCE = SHARED / "acceptance"


@pytest.mark.skipif(
    not (ACCEPTANCE / "classic_flow.py").exists(),
    reason=f"the shared acceptance scripts are not at {ACCEPTANCE} (set OSTIARY_SHARED_DIR)",
)
def test_classic_flow_with_the_aws_cli() -> None:
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OSTIARY_"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        [
            "bash",
            str(ACCEPTANCE / "with_server.sh"),
            str(bin_dir / "ostiary"),
            "--",
            str(bin_dir / "python"),
            str(ACCEPTANCE / "classic_flow.py"),
            "--aws",
            str(bin_dir / "aws"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "classic flow: all steps hold" in result.stdout
