# Innkeeper: every target bootstraps .venv itself; nothing needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.DEFAULT_GOAL := help
.PHONY: help install chromium run serve emulator worker test lint typecheck pytest bench migrate demo-data clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Innkeeper needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install Innkeeper with its dev tools

# Browser tests drive Debian's Chromium through Playwright (Playwright's own browser download
# is not used). Installed with apt-get as root, or through sudo; otherwise say how.
chromium: ## Install Debian's Chromium for the browser tests (once; apt-get)
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then sudo=; \
		elif command -v sudo >/dev/null; then sudo=sudo; \
		else echo "Browser tests need Debian's chromium: run 'apt-get install chromium' as root" \
			"(or skip them: .venv/bin/pytest -m 'not browser')"; exit 1; fi; \
		echo "Installing Debian's chromium for the browser tests"; \
		$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium >/dev/null \
		|| { echo "Could not install chromium with apt-get: install it yourself (apt-get install" \
			"chromium) or skip the browser tests (.venv/bin/pytest -m 'not browser')"; exit 1; }; }

run: $(STAMP) ## Start PostgreSQL (embedded unless DATABASE_URL), migrate, seed demo data, serve on :8000
	$(BIN)/innkeeper run

emulator: $(STAMP) ## Run the Stripe emulator alone on :12111 (make run starts one itself)
	$(BIN)/stripe-emulator --port 12111 --state-file .innkeeper/stripe-emulator.json

worker: $(STAMP) ## Run a job worker against the same database
	$(BIN)/innkeeper worker

migrate: $(STAMP) ## Apply database migrations
	$(BIN)/innkeeper db upgrade

demo-data: $(STAMP) ## Load the Dubai demo marketplace (only into an empty database)
	$(BIN)/innkeeper demo-data

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP) ## mypy, strict on src/
	$(BIN)/mypy

pytest: $(STAMP) chromium ## The test suite on an embedded PostgreSQL (browser tests in Chromium)
	$(BIN)/pytest -q

test: lint typecheck pytest ## Everything CI runs: lint, types, tests

bench: $(STAMP) ## Benchmarks: one JSON line per figure
	$(BIN)/python -m bench

clean: ## Remove the virtualenv and local data (the embedded database included)
	rm -rf $(VENV) .innkeeper .pytest_cache .mypy_cache .ruff_cache
