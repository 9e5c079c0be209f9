# Two commands matter: `make serve` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: serve test lint format lock clean bench bench-10m screenshots

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# `make serve PORT=8080` (or REKG_PORT=8080 make serve) picks the port; 8000 otherwise.
PORT ?= $(or $(REKG_PORT),8000)
serve: $(STAMP)
	$(BIN)/rekg serve --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# JavaScript readers the export tests run with node (graphology-gexf, as in Gephi Lite).
JS_STAMP := tests/js/node_modules/.installed

# Skipped where npm is missing (a machine with only python3 and make); CI installs it.
$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/js --no-audit --no-fund && touch $(JS_STAMP); \
	else echo "npm not found: the JavaScript GEXF reader test will be skipped (CI runs it)"; fi

test: lint $(JS_STAMP)
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# Benchmark (bench/README in the main README): prints one set of tables, about 20 minutes.
bench: $(STAMP)
	$(BIN)/python -m bench.run

# The same plus 10M triples loaded into and served from the persistent store (run it once).
bench-10m: $(STAMP)
	$(BIN)/python -m bench.run --with-10m

# The README's screenshots (docs/screenshots/), from the real page in headless Chromium.
screenshots: $(STAMP)
	$(BIN)/python -m bench.screenshots

# Re-pin every dependency after changing pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/js/node_modules
