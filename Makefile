# yiwang: the two commands. `make run` sets everything up and serves the demo street;
# `make test` sets everything up and runs lint, format check and the whole suite on SQLite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-browser test-all install lint format clean

run: install
	$(BIN)/yiwang demo

test: install lint
	$(BIN)/pytest

test-browser: install
	$(BIN)/pytest -m browser

install: $(STAMP) node_modules/.installed

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

# Front-end libraries (htmx, Leaflet, ECharts) from the npm registry, never committed.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles
