# Every target bootstraps its own virtual environment, so a fresh clone needs
# only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The engine's bytecode, written even where PYTHONDONTWRITEBYTECODE is set (Python still
# reads it): without it every `warehouse` command compiles its modules from source, a
# third of a no-op's time. Only what changed since the last run is compiled again.
COMPILE := $(BIN)/python -m compileall -q warehouse

.PHONY: build test lint bench docs publish publish-stop clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

build: $(STAMP)
	$(COMPILE)
	$(BIN)/warehouse build

# The Spark target's tests need a JVM: scripts/ensure-java installs one when missing.
test: $(STAMP)
	scripts/ensure-java >/dev/null
	$(COMPILE)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check warehouse tests

docs: build
	$(BIN)/warehouse docs

# The marts into PostgreSQL: into PG_URL if set (make publish PG_URL=postgresql://...),
# else into a throwaway server under target/postgres that keeps running for BI tools
# (it prints how to connect; make publish-stop stops it). The URL is never echoed, and
# the local server's password goes through PGPASSWORD, not the command line.
PG_FOLDER := target/postgres

publish: build
	@if [ -n "$$PG_URL" ]; then \
		$(BIN)/warehouse publish --postgres "$$PG_URL"; \
	else \
		scripts/ensure-postgres >/dev/null && \
		$(BIN)/python -m warehouse.serve.pg_server start $(PG_FOLDER) && \
		PGPASSWORD="$$(cat $(PG_FOLDER)/password)" \
		$(BIN)/warehouse publish --postgres "$$($(BIN)/python -m warehouse.serve.pg_server url $(PG_FOLDER))" && \
		$(BIN)/python -m warehouse.serve.pg_server info $(PG_FOLDER); \
	fi

publish-stop: $(STAMP)
	$(BIN)/python -m warehouse.serve.pg_server stop $(PG_FOLDER)

# Engine vs DuckDB on generated projects; a quick subset:
# make bench BENCH_ARGS='--models 100 --repeat 1 --seed-rows 0'
bench: $(STAMP)
	$(COMPILE)
	$(BIN)/python -m warehouse.bench $(BENCH_ARGS)

clean:
	-$(BIN)/warehouse clean
	rm -rf $(VENV)
