# docqa — the two commands a newcomer needs:
#   make run    install, index the sample documents in data/docs, start the app
#   make test   install, then lint, type-check and run the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8501

.PHONY: run test install browser lint typecheck pytest bench clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "docqa needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# CPU torch first: a plain resolution would pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install docqa with its dev tools

run: install  ## install, index the sample documents, start the app on http://127.0.0.1:8501
	$(BIN)/docqa ingest data/docs/public --groups everyone; test $$? -ne 1
	$(BIN)/docqa ingest data/docs/hr --groups hr; test $$? -ne 1
	$(BIN)/docqa users demo  # demo accounts (README), only when no users exist yet
	$(BIN)/docqa serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium through Playwright (never `playwright install`).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:  ## install Chromium for the browser tests (apt)
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy retrieval ingest docqa ui evals bench scripts

pytest: install browser
	$(BIN)/pytest -q || [ $$? -eq 5 ]  # 5 = no tests collected, not a failure

test: install browser lint typecheck pytest  ## install, lint, type-check and run all tests

bench: install  ## ingestion benchmark on ../shared/corpora/financebench (figures, not asserts)
	$(BIN)/python -m bench.ingest_bench

clean:  ## remove the venv and local data
	rm -rf $(VENV) .docqa
