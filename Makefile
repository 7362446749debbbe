# The README's two commands are `make demo` and `make test`; each installs what
# it needs on a fresh clone (venv, packages, the Pulumi CLI built from Go).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PULUMI_BIN_FILE := .tools/pulumi-bin-dir

.PHONY: demo test lint venv cli clean-state clean help

help:
	@echo "make demo   run the demo against the embedded sandbox"
	@echo "make test   run the whole test suite (unit, integration, conformance, fuzz, e2e)"
	@echo "make lint   ruff + mypy --strict on provider/"

venv: $(STAMP)
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[sandbox,dev]'
	touch $(STAMP)

# Prints nothing when the pinned CLI is already built; see scripts/build-pulumi.sh.
cli: $(STAMP)
	@mkdir -p .tools
	@scripts/build-pulumi.sh > $(PULUMI_BIN_FILE).tmp && mv $(PULUMI_BIN_FILE).tmp $(PULUMI_BIN_FILE)

test: venv cli
	PATH="$$(cat $(PULUMI_BIN_FILE)):$$PATH" $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

demo: venv cli
	PATH="$$(cat $(PULUMI_BIN_FILE)):$$PATH" $(VENV)/bin/instantly-pulumi demo $(DEMO_ARGS)

clean-state:
	rm -rf .state

clean: clean-state
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
