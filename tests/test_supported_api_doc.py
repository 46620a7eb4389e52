"""docs/supported-api.md is what the operation tables say today."""

from __future__ import annotations

import runpy
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_supported_api_page_matches_the_tables() -> None:
    render = runpy.run_path(str(REPO / "scripts" / "supported_api.py"))["render"]
    page = (REPO / "docs" / "supported-api.md").read_text()
    assert page == render(), "run: .venv/bin/python scripts/supported_api.py > docs/supported-api.md"
