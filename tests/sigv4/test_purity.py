"""The sigv4 package is pure: importing it in a fresh interpreter loads no I/O, network or clock-reading module."""

from __future__ import annotations

import json
import re
import subprocess
import sys

COMPARISON = re.compile(r"\b\w*(signature|digest)\w*\s*[!=]=|[!=]=\s*[\w.]*(signature|digest)\b")
FORBIDDEN = {"socket", "asyncio", "sqlite3", "ssl", "http.client", "urllib.request", "logging", "threading", "email"}


def test_import_loads_no_io_modules() -> None:
    code = "import sys, json; import ostiary.sigv4; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True).stdout))
    assert not FORBIDDEN & loaded
    assert not {
        name
        for name in loaded
        if name.startswith("ostiary.")
        and not name.startswith(("ostiary.sigv4", "ostiary.errors", "ostiary.limits", "ostiary.wire"))
    }


def test_signatures_are_never_compared_with_double_equals() -> None:
    from pathlib import Path

    import ostiary.sigv4

    for path in Path(ostiary.sigv4.__file__).parent.glob("*.py"):
        for line in path.read_text().splitlines():
            if COMPARISON.search(line) and not line.strip().startswith("#"):
                raise AssertionError(f"{path.name}: {line.strip()}")
