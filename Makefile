# wfm — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test lint bench notebooks browser clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

demo: $(STAMP)  ## set up .venv and plan next week on the real bank data -> out/demo/
	@echo "Planning the week after the bank history (data/bank_calls_5min.csv)."
	@echo "The data has no handle times: AHT is assumed to be 300 s; 80/20 target, 30 % shrinkage."
	$(BIN)/wfm plan data/bank_calls_5min.csv --freq 15min --country US --aht-s 300 \
		--shrinkage 0.3 -o out/demo
	@echo "Open out/demo/report.html and out/demo/plan.xlsx"

test: $(STAMP)  ## set up .venv and run the full test suite (over all cores)
	$(BIN)/python -m pytest -n auto

browser:  ## install Chromium for the report's browser test (Debian/Ubuntu, if missing)
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check .

bench: $(STAMP)  ## run the benchmarks in bench/ and write bench/RESULTS.md
	for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

notebooks: $(STAMP)  ## install JupyterLab into .venv and open notebooks/ in it
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	$(BIN)/jupyter lab notebooks/

clean:  ## remove .venv and outputs
	rm -rf $(VENV) out
