# The developer interface: `make run` serves, `make test` checks everything.
#
# Every install comes from the hashed lock files requirements.txt (for `make run`) and requirements-test.txt
# (for `make test`), so a fresh clone gets the same packages, byte for byte, whatever the registry serves today.
# `make lock` adds what pyproject.toml newly asks for and keeps every other pin; `make upgrade` moves every
# pin to the newest release. Both rewrite the two lock files, which are committed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 4599
DATA   ?= .ostiary
UV_VERSION := 0.13.10
LOCK_FLAGS := --universal --generate-hashes --python-version 3.11 --quiet --custom-compile-command 'make lock'

.PHONY: run test check lint typecheck unit clean install install-test bench lock upgrade fuzz

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ostiary needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)

# --no-deps everywhere: the lock lists every package, transitive ones included, and pip checks each hash.
# ostiary itself is built with the locked setuptools (--no-build-isolation), not a freshly downloaded one.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.txt
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-test.txt
	$(BIN)/python -m pip check
	@touch $@

# The JavaScript SDK v3 end-to-end tests (tests/js/package-lock.json pins and hashes every package).
# Without npm they are skipped outside CI and fail under CI=true (tests/conftest.py).
$(VENV)/.installed-js: tests/js/package-lock.json | $(BIN)/python
	@if ! command -v npm >/dev/null 2>&1; then echo "npm not found: the JavaScript SDK tests will be skipped"; \
	 elif npm ci --prefix tests/js --no-audit --no-fund --loglevel=error; then touch $@; \
	 else echo "npm ci failed: the JavaScript SDK tests will be skipped"; fi

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test $(VENV)/.installed-js

run: $(VENV)/.installed
	$(BIN)/ostiary serve --host $(HOST) --port $(PORT) --data-dir $(DATA)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

unit: $(VENV)/.installed-test
	$(BIN)/pytest -m 'not e2e'

test: $(VENV)/.installed-test $(VENV)/.installed-js
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest

bench: $(VENV)/.installed-test
	$(BIN)/python scripts/bench_policy.py

# A million generated requests against a live server; any 5xx or logged traceback fails it (scripts/fuzz_live.py).
# FUZZ_ARGS passes options, e.g. make fuzz FUZZ_ARGS="--requests 100000 --concurrency 4".
fuzz: $(VENV)/.installed-test
	$(BIN)/python scripts/fuzz_live.py $(FUZZ_ARGS)

lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	$(BIN)/uv pip compile pyproject.toml requirements-build.in --extra postgres $(LOCK_FLAGS) $(UPGRADE) \
	  -o requirements.txt
	$(BIN)/uv pip compile pyproject.toml requirements-build.in --extra postgres --extra test \
	  -c requirements.txt $(LOCK_FLAGS) $(UPGRADE) -o requirements-test.txt

upgrade:
	$(MAKE) lock UPGRADE=--upgrade

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
