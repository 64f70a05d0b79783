# Two commands on a fresh machine (see README):
#   make serve   set up the runtime and start the service on its embedded defaults
#   make test    set up runtime + training + dev tools, then lint, type-check and test
# Each target creates .venv and installs into it only when pyproject.toml changed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HASH := $(shell sha256sum pyproject.toml | cut -c1-12)
RUN_STAMP := $(VENV)/.installed-run-$(HASH)
TEST_STAMP := $(VENV)/.installed-test-$(HASH)

.PHONY: serve test lint typecheck pytest postgres chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -e '.[training,dev]'
	touch $@ $(RUN_STAMP)

serve: $(RUN_STAMP)
	$(BIN)/harmlabel serve

test: $(TEST_STAMP) postgres chromium
	$(MAKE) --no-print-directory lint typecheck pytest

# Store tests run against SQLite and the local PostgreSQL (127.0.0.1:5432, db `test`):
# start the cluster if it is installed but stopped; the tests fail loudly if it is absent.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { \
	  for v in $$(ls /etc/postgresql 2>/dev/null); do \
	    pg_ctlcluster --skip-systemctl-redirect $$v main start 2>/dev/null || true; \
	  done; sleep 2; pg_isready -h 127.0.0.1 -p 5432 || echo "PostgreSQL is not running: store tests will fail" >&2; }

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

typecheck:
	$(BIN)/mypy

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
pytest:
	$(BIN)/pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	exit $$rc

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian chromium for the browser tests" >&2; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
