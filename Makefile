# The developer interface: `make run` serves, `make test` checks everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 4599
DATA   ?= .ostiary

.PHONY: run test check lint typecheck unit clean install install-test bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ostiary needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[postgres]'
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[postgres,test]'
	@touch $@

# The JavaScript SDK v3 end-to-end tests; they skip (with the reason) where npm is missing.
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

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
