# Segment warehouse — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CUSTOMERS ?= 5000
SEED ?= 42
AS_OF ?=
export SEGMENTS_LANDING_DIR ?= data/landing
export SEGMENTS_DUCKDB_PATH ?= warehouse/warehouse.duckdb
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: help install run generate ingest build test test-fast lint format dev docs bench bench-generate bench-exports clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11'" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## Create the virtual environment and install everything

run: install ## Generate a demo shop (once) and run the daily job for today
	@if [ -d "$(SEGMENTS_LANDING_DIR)/customers" ]; then \
	  echo "landing files already in $(SEGMENTS_LANDING_DIR): not generating again ('make generate' or 'make clean' to start over)"; \
	else \
	  $(BIN)/segments generate --customers $(CUSTOMERS) --seed $(SEED) --out $(SEGMENTS_LANDING_DIR); \
	fi
	$(BIN)/segments run $(if $(AS_OF),--as-of $(AS_OF),)

generate: install ## Generate the demo shop only
	$(BIN)/segments generate --customers $(CUSTOMERS) --seed $(SEED) --out $(SEGMENTS_LANDING_DIR)

test: install lint ## Install what is needed and run the whole test suite
	$(BIN)/pytest

test-fast: install ## Run the tests not marked slow
	$(BIN)/pytest -m "not slow"

lint: install ## ruff, on the Python code
	$(BIN)/ruff check segment_warehouse orchestration tests
	$(BIN)/ruff format --check segment_warehouse orchestration tests

format: install ## Format the Python code
	$(BIN)/ruff format segment_warehouse orchestration tests
	$(BIN)/ruff check --fix segment_warehouse orchestration tests

dev: install ## Open the Dagster UI with the whole asset graph
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dbt parse --quiet
	$(BIN)/dagster dev -m orchestration.definitions

docs: install ## Build the dbt docs (lineage from sources to segments and exports)
	$(BIN)/dbt docs generate --vars '{as_of_date: "$(or $(AS_OF),$(shell date -u +%F))"}'
	@echo "docs built in $${DBT_TARGET_PATH:-target}/; serve them with: $(BIN)/dbt docs serve"

bench-generate: install ## Time the generator at 100 000 and 1 000 000 customers
	$(BIN)/python -m segment_warehouse.bench.generate

bench: install ## Full and next-day runs at 100 000 and 1 000 000 customers, against a hand-written floor
	$(BIN)/python -m segment_warehouse.bench.run

bench-exports: install ## Export throughput to a local webhook receiver and to PostgreSQL
	$(BIN)/python -m segment_warehouse.bench.exports

clean: ## Remove generated data, the warehouse and dbt artefacts
	rm -rf data warehouse exports target logs .dagster_home
