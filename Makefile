# crisis-fca task runner. `make run` and `make test` are all a new user needs.
# Everything is installed into .venv from pyproject.toml; nothing global is touched.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Raw data folder: ../shared/data when it sits beside the checkout, else data/raw
# (fill it with `crisis-fca data fetch CASE`). Override: make run DATA_DIR=/path.
DATA_DIR ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),$(abspath data/raw))
CASE     ?= uae-covid

# Prefect: no server, no telemetry, generous start-up on 2 cores (see README "Prefect").
export CRISIS_FCA_DATA_DIR := $(DATA_DIR)
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120

CHROMIUM ?= /usr/bin/chromium

.PHONY: help setup browser run test bench lint typecheck clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e ".[dask]" --group test --group lint
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv and install crisis-fca with its test tools

browser:  ## install Debian's chromium for the headless-browser tests (root or sudo; skipped if present)
	@if [ ! -x $(CHROMIUM) ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "installing chromium (Debian package) for the browser tests"; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; \
	fi

run: $(STAMP)  ## set up, then run the default case: coverage table, rules, DuckDB record
	$(BIN)/crisis-fca run $(CASE)

test: $(STAMP) browser  ## set up, then run the whole test suite
	$(BIN)/python -m pytest

bench: $(STAMP)  ## speed and memory, side by side against the reference engines (see benchmarks/README.md)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check crisis_fca flows tests

TYPING := $(VENV)/.typing
$(TYPING): $(STAMP)
	$(BIN)/python -m pip install --quiet --group typing
	@touch $(TYPING)

typecheck: $(TYPING)  ## mypy --strict on the library
	$(BIN)/mypy crisis_fca

clean:  ## remove the virtualenv and generated reports
	rm -rf $(VENV) reports/*.html reports/*.duckdb .pytest_cache
