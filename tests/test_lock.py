"""The installs are the lock: every package pyproject.toml asks for is pinned with hashes in the lock files, and
the test environment holds exactly the pinned versions (so no test depends on what the index serves today)."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
LOCKS = {"runtime": REPO / "requirements.txt", "test": REPO / "requirements-test.txt"}
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def _pins(lock: Path) -> dict[str, tuple[str, str | None, int]]:
    """name -> (version, marker, number of hashes)."""
    pins: dict[str, tuple[str, str | None, int]] = {}
    current: str | None = None
    for line in lock.read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = (match.group(2), match.group(3), 0)
        elif current is not None and line.strip().startswith("--hash=sha256:"):
            version, marker, hashes = pins[current]
            pins[current] = (version, marker, hashes + 1)
    return pins


def _wanted(extras: tuple[str, ...]) -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return {canonicalize_name(Requirement(r).name) for r in requirements}


@pytest.mark.parametrize(("lock", "extras"), [("runtime", ("postgres",)), ("test", ("postgres", "test"))])
def test_every_requirement_is_pinned_with_hashes(lock: str, extras: tuple[str, ...]) -> None:
    pins = _pins(LOCKS[lock])
    assert _wanted(extras) - set(pins) == set(), f"run `make lock`: {LOCKS[lock].name} lacks these"
    assert {"setuptools", "pip"} <= set(pins)  # the build backend of the editable install is locked too
    if "test" in extras:
        assert "botocore" in pins  # boto3 allows a range of it, whose newer models list new operations
    assert [name for name, (_, _, hashes) in pins.items() if hashes == 0] == []


def test_the_runtime_lock_agrees_with_the_test_lock() -> None:
    runtime, test = _pins(LOCKS["runtime"]), _pins(LOCKS["test"])
    assert {name: pin[0] for name, pin in runtime.items() if test[name][0] != pin[0]} == {}


def test_the_environment_holds_the_pinned_versions() -> None:
    wrong = {}
    for name, (version, marker, _) in _pins(LOCKS["test"]).items():
        if marker is not None and not Marker(marker).evaluate():
            continue
        if name in ("pip", "setuptools", "wheel"):
            continue  # the installer's own tools: the lock pins them for the editable build
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != version:
            wrong[name] = f"{installed}, locked {version}"
    assert wrong == {}, f"install from the lock (`make install-test`), {sys.prefix}"
