# Two commands matter: `make demo` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON      ?= python3.11
VENV        := .venv
BIN         := $(CURDIR)/$(VENV)/bin
UV_VERSION  := 0.13.9
STAMP       := $(VENV)/.installed

export PATH := $(BIN):$(PATH)
export PYTHONPATH := $(CURDIR)
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export WAREHOUSE_DATA_DIR ?= $(CURDIR)/data
export WAREHOUSE_DUCKDB_PATH ?= $(WAREHOUSE_DATA_DIR)/warehouse.duckdb
export GX_ANALYTICS_ENABLED := False
export DO_NOT_TRACK := 1
export SCARF_ANALYTICS := false
export AIRFLOW__USAGE_DATA_COLLECTION__ENABLED := False

DEMO_PORT   ?= 8787
# The Airflow UI's port (make airflow-ui, make demo-ui): make demo-ui AIRFLOW_PORT=8081. Airflow reads
# it as AIRFLOW__API__PORT, and its tasks reach the API server there.
AIRFLOW_PORT ?= $(or $(AIRFLOW__API__PORT),8080)
export AIRFLOW__API__PORT := $(AIRFLOW_PORT)
EXECUTION_API := AIRFLOW__CORE__EXECUTION_API_SERVER_URL=$${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://localhost:$(AIRFLOW_PORT)/execution/}
DEMO_DAYS   ?= 90
# The demo's today: pinned so its figures are the README's; DEMO_TODAY=today runs on the real date
# (the demo's story moves with it, demo/story.py), or give any YYYY-MM-DD.
DEMO_TODAY  ?= 2026-12-01

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { echo "error: Python 3.11 is needed and $(PYTHON) is missing or another version: install python3.11 (your package manager, or \`uv python install 3.11\`) or name it: make $(or $(MAKECMDGOALS),install) PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.txt
	touch $@

.PHONY: install
install: $(STAMP) ## Create the virtualenv and install the pinned requirements
	@true

.PHONY: manifest
manifest: install ## Parse the dbt project (writes dbt_project/target/manifest.json for Airflow)
	cd dbt_project && $(BIN)/dbt parse --quiet --profiles-dir .

.PHONY: airflow-init
airflow-init: install ## Initialise Airflow on SQLite and create the DuckDB writer pool
	$(BIN)/airflow db migrate >/dev/null
	$(BIN)/airflow pools set duckdb_writer 1 "DuckDB allows one writing process" >/dev/null

.PHONY: demo
demo: install manifest airflow-init ## Run the whole pipeline through Airflow on the demo data (90 days to DEMO_TODAY)
	DEMO_TODAY=$(DEMO_TODAY) $(BIN)/python -m demo.run --port $(DEMO_PORT) --days $(DEMO_DAYS)

.PHONY: chromium
chromium: ## Install Debian's Chromium (the report's rendering test and screenshots need it)
	@command -v chromium >/dev/null || { \
		[ "$$(id -u)" = 0 ] || { echo "error: installing chromium needs root (apt-get); install it and retry"; exit 1; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; }

.PHONY: postgresql
postgresql: ## Install Debian's PostgreSQL server (the test of Airflow as production runs it starts one of its own)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
		[ "$$(id -u)" = 0 ] || { echo "error: installing postgresql needs root (apt-get): sudo make postgresql"; exit 1; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }

.PHONY: compose-validator
compose-validator: ## Install Debian's docker-compose, which validates docker-compose.yml (no Docker engine needed)
	@command -v docker-compose >/dev/null || { \
		[ "$$(id -u)" = 0 ] || { echo "error: installing docker-compose needs root (apt-get): sudo make compose-validator"; exit 1; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; }

.PHONY: compose-check
compose-check: install compose-validator ## Validate docker-compose.yml: every secret required, the demo only in its profile
	$(BIN)/python -m pytest tests/deploy -q -p no:cacheprovider -n 0

.PHONY: report-screenshot
report-screenshot: chromium ## Screenshot an archived monthly report: make report-screenshot MONTH=2026-10
	@test -n "$(MONTH)" || { echo "usage: make report-screenshot MONTH=YYYY-MM"; exit 1; }
	@test -f "$(WAREHOUSE_DATA_DIR)/published/reports/$(MONTH)/report.html" || { \
		echo "error: no report archived for $(MONTH): run python -m warehouse report --month $(MONTH)"; exit 1; }
	chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --user-data-dir="$$(mktemp -d)" --hide-scrollbars \
		--window-size=760,4000 --screenshot="$(WAREHOUSE_DATA_DIR)/published/reports/$(MONTH)/screenshot.png" \
		"file://$(WAREHOUSE_DATA_DIR)/published/reports/$(MONTH)/report.html" 2>/dev/null
	@echo "wrote $(WAREHOUSE_DATA_DIR)/published/reports/$(MONTH)/screenshot.png"

# Superset, the BI tool: its own virtualenv and lock (bi/superset/requirements.txt), never .venv.
SUPERSET_VENV  := .venv-superset
SUPERSET_STAMP := $(SUPERSET_VENV)/.installed
SUPERSET_PORT  ?= 8088

$(SUPERSET_STAMP): bi/superset/requirements.txt $(STAMP)
	test -x $(SUPERSET_VENV)/bin/python || $(PYTHON) -m venv $(SUPERSET_VENV)
	$(BIN)/uv pip sync --quiet --python $(SUPERSET_VENV)/bin/python bi/superset/requirements.txt
	touch $@

.PHONY: superset-install
superset-install: $(SUPERSET_STAMP) ## Install Apache Superset in its own virtualenv (.venv-superset)
	@true

.PHONY: superset
superset: superset-install ## Serve Superset with the starter dashboard on the published snapshot (http://localhost:8088, SUPERSET_PORT)
	@test -f "$(WAREHOUSE_DATA_DIR)/published/warehouse.duckdb" || { \
		echo "error: no published snapshot at $(WAREHOUSE_DATA_DIR)/published/warehouse.duckdb: run make demo first"; exit 1; }
	$(BIN)/python -m bi.superset.serve --port $(SUPERSET_PORT)

# Test modules run on this many processes, each module whole on one (its fixtures are built once).
TEST_WORKERS ?= 2

.PHONY: test
test: install manifest superset-install ## Run the test suite (installs first, with Chromium when root; TEST_WORKERS processes)
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || $(MAKE) --no-print-directory chromium
	@command -v chromium >/dev/null || echo "note: Chromium is missing, so the tests that render with it skip; to run them: sudo make chromium (or install Debian's chromium)"
	@[ "$$(id -u)" != 0 ] || $(MAKE) --no-print-directory postgresql
	@command -v docker-compose >/dev/null || [ "$$(id -u)" != 0 ] || $(MAKE) --no-print-directory compose-validator
	$(BIN)/lint-imports --no-cache --no-logo
	env -u DEMO_TODAY -u WAREHOUSE_TODAY $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

.PHONY: lint
lint: install ## ruff (with Airflow rules), the import layers (import-linter) and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/ruff format --check .
	cd dbt_project && $(BIN)/sqlfluff lint models

.PHONY: bench
bench: install manifest ## Benchmarks: loader vs DuckDB's read_json, DAG import times, the report, keyword patterns, the transform vs dbt, an agency's load and builds (see bench/RESULTS.md)
	$(BIN)/python -m bench.loader_bench
	$(BIN)/python -m bench.dag_parse
	$(BIN)/python -m bench.report_bench
	$(BIN)/python -m bench.pattern_bench
	$(BIN)/python -m bench.transform_bench --days 90
	$(BIN)/python -m bench.agency_bench --accounts 20 --days 60 --memory-limit 6GiB

.PHONY: airflow-ui
airflow-ui: install manifest airflow-init ## Serve Airflow (UI on http://localhost:AIRFLOW_PORT, default 8080) with your own connections
	$(EXECUTION_API) $(BIN)/airflow standalone

.PHONY: demo-ui
demo-ui: install manifest airflow-init ## Serve Airflow (UI on http://localhost:AIRFLOW_PORT, default 8080) wired to the demo APIs
	$(EXECUTION_API) DEMO_TODAY=$(DEMO_TODAY) $(BIN)/python -m demo.run --ui --port $(DEMO_PORT)

.PHONY: demo-server
demo-server: install ## Serve the demo APIs on 127.0.0.1:8787 (DEMO_PORT) in the foreground, on DEMO_TODAY
	DEMO_TODAY=$(DEMO_TODAY) $(BIN)/python -m demo serve --port $(DEMO_PORT)

.PHONY: clean
clean: ## Remove the data directory and Airflow's local state (keeps the virtualenv)
	rm -rf data .airflow dbt_project/target dbt_project/logs
