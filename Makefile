# wfm — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test lint bench clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## set up .venv and staff the bundled example forecast -> out/demo/
	mkdir -p out/demo
	$(BIN)/wfm erlang --calls 100 --interval-min 30 --aht-s 180
	$(BIN)/wfm staff data/example_forecast.csv --aht-s 240 --shrinkage 0.3 -o out/demo/requirements.csv
	@echo "outputs written to out/demo/"

test: $(STAMP)  ## set up .venv and run the full test suite
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check .

bench: $(STAMP)  ## run the benchmarks in bench/ and write bench/RESULTS.md
	for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:  ## remove .venv and outputs
	rm -rf $(VENV) out
