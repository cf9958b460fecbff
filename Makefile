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
# The server records task runs in one write a second, not one per state change: back-to-back
# flow runs otherwise meet SQLite's "database is locked" and wait 2 s (flows/__init__.py).
export PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE := 500
export PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL := 1
# Prefect keeps its flow-run history and result cache in the checkout (.prefect/, gitignored),
# never in ~/.prefect; a second `make run` reuses the cached stages.
export PREFECT_HOME := $(abspath .prefect)
# VADER scores kept between runs (crisis_fca/score_cache.py): hashes and numbers, never texts.
export CRISIS_FCA_CACHE_DIR := $(abspath .cache)
PREFECT_URL := http://127.0.0.1:4200/api

CHROMIUM ?= /usr/bin/chromium

.PHONY: help setup browser run regions monitor prefect-server serve test bench lint typecheck clean

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

run: $(STAMP)  ## set up, then run the default case through the Prefect flow (no server): brief, report, DuckDB
	$(BIN)/crisis-fca flow $(CASE)

regions: $(STAMP)  ## run the default case for every region of its mobility source on a local Dask cluster
	$(BIN)/crisis-fca regions $(CASE)

monitor: $(STAMP)  ## which validated triggers fire on the last day with data; daily alert brief
	$(BIN)/crisis-fca monitor $(CASE)

prefect-server: $(STAMP)  ## a Prefect server + UI on loopback 127.0.0.1:4200 (for `make serve`)
	$(BIN)/prefect server start --host 127.0.0.1 --port 4200

serve: $(STAMP)  ## serve the daily cron deployments (pipeline + monitor); needs `make prefect-server`
	PREFECT_API_URL=$(PREFECT_URL) $(BIN)/crisis-fca serve uae-covid la-wildfire

test: $(STAMP) browser  ## set up, then run the whole test suite
	$(BIN)/python -m pytest

BENCH := $(VENV)/.bench
$(BENCH): $(STAMP)
	$(BIN)/python -m pip install --quiet --group bench
	@touch $(BENCH)

bench: $(BENCH)  ## speed and memory, side by side against the reference engines (see benchmarks/README.md)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check crisis_fca flows tests

TYPING := $(VENV)/.typing
$(TYPING): $(STAMP)
	$(BIN)/python -m pip install --quiet --group typing
	@touch $(TYPING)

typecheck: $(TYPING)  ## mypy --strict on the library and the flows
	$(BIN)/mypy crisis_fca flows

clean:  ## remove the virtualenv, generated reports and Prefect's local state
	rm -rf $(VENV) reports/*.html reports/*.duckdb .pytest_cache .prefect .cache
