# Every target bootstraps its own virtual environment, so a fresh clone needs
# only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test lint bench docs publish clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/warehouse build

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check warehouse tests

docs: build
	$(BIN)/warehouse docs

bench: $(STAMP)
	$(BIN)/python -m warehouse.bench

clean:
	-$(BIN)/warehouse clean
	rm -rf $(VENV)
