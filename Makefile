# The README's two commands are `make demo` and `make test`; each installs what
# it needs on a fresh clone (venv, packages, the Pulumi CLI built from Go).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PULUMI_BIN_FILE := .tools/pulumi-bin-dir
INSTALL_LOG := .tools/pulumi-install.log
POLICY_STAMP := policy/venv/.installed-stamp
POLICY_INSTALL_LOG := .tools/policy-install.log
# Prefix for a recipe line that needs the CLI `make cli` recorded, first on PATH.
WITH_CLI = PATH="$$(cat $(PULUMI_BIN_FILE)):$$PATH"

.PHONY: demo test lint venv cli go-test postgres chromium bench soak mutate clean-state clean help

help:
	@echo "make demo   run the demo against the embedded sandbox"
	@echo "make test   run the whole test suite (unit, integration, conformance, fuzz, e2e)"
	@echo "make lint   ruff + mypy --strict on provider/ + the import contracts (lint-imports)"
	@echo "make cli    build the Pulumi CLI into .tools/ (then: export PATH=\"\$$PWD/.tools/bin:\$$PATH\")"
	@echo "make venv   .venv by \`pulumi install\`, plus the dev tools; policy/venv (the policy pack's)"
	@echo "make postgres  PostgreSQL's binaries for the shared-state tests (Debian's package, if missing)"
	@echo "make chromium  Chromium for the access map's browser test (Debian's package, if missing)"
	@echo "make bench  measure the fleet and one stack against their bounds -> docs/benchmarks.md (not in make test)"
	@echo "make soak   the full fault soak (benchmarks/soak.py; several minutes)"
	@echo "make mutate mutation testing of provider/instantly_pulumi (mutmut; slow)"

# The virtualenv is made the way a Pulumi user makes it after a clone:
# `pulumi install` from the project root (Pulumi.yaml's `virtualenv: .venv`,
# provider/program/requirements.txt: this project, editable, with the sandbox),
# with $(PYTHON) as the interpreter; then the development tools on top.
venv: $(STAMP) $(POLICY_STAMP)
$(STAMP): pyproject.toml provider/program/requirements.txt | cli
	@echo "pulumi install (log: $(INSTALL_LOG))"
	@$(WITH_CLI) PULUMI_PYTHON_CMD=$(PYTHON) PULUMI_SKIP_UPDATE_CHECK=true \
		pulumi install --non-interactive > $(INSTALL_LOG) 2>&1 \
		|| { tail -n 40 $(INSTALL_LOG); exit 1; }
	$(PY) -m pip install --quiet -e '.[sandbox,dev]'
	touch $(STAMP)

# The policy pack's own virtualenv (policy/venv, from policy/requirements.txt), made as a user
# makes it: `pulumi install` in policy/ (PulumiPolicy.yaml's `virtualenv: venv`).
$(POLICY_STAMP): policy/requirements.txt | cli
	@echo "pulumi install in policy/ (log: $(POLICY_INSTALL_LOG))"
	@cd policy && PATH="$$(cat $(CURDIR)/$(PULUMI_BIN_FILE)):$$PATH" PULUMI_PYTHON_CMD=$(PYTHON) \
		PULUMI_SKIP_UPDATE_CHECK=true pulumi install --non-interactive > $(CURDIR)/$(POLICY_INSTALL_LOG) 2>&1 \
		|| { tail -n 40 $(CURDIR)/$(POLICY_INSTALL_LOG); exit 1; }
	touch $(POLICY_STAMP)

# Only needs Go: builds (or reuses) the pinned CLI with this project's host and
# launcher, records its directory in .tools/pulumi-bin-dir and points the
# symlink .tools/bin at it; see scripts/build-pulumi.sh.
cli:
	@mkdir -p .tools
	@scripts/build-pulumi.sh > $(PULUMI_BIN_FILE).tmp && mv $(PULUMI_BIN_FILE).tmp $(PULUMI_BIN_FILE)

# Unit tests of the Go host and launcher (seconds with a warm Go build cache).
go-test:
	cd tools/pulumi && GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0 go test ./...

# The shared-state tests start their own PostgreSQL server; this only makes sure the binaries exist.
postgres:
	@scripts/ensure-postgres.sh

# The access map's browser test drives the system Chromium through Playwright (whose own browser
# download cannot work here); this only makes sure a chromium exists.
chromium:
	@scripts/ensure-chromium.sh

test: venv cli go-test postgres chromium
	$(WITH_CLI) $(VENV)/bin/pytest $(PYTEST_ARGS)

# Benchmarks measure, tests assert: not part of `make test`. One run, one machine, written to
# docs/benchmarks.md; BENCH_ARGS=--quick is a scaled-down sanity run (to .state/bench/quick.md).
bench: venv cli
	$(WITH_CLI) $(VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

demo: venv cli
	$(WITH_CLI) $(VENV)/bin/instantly-pulumi demo $(DEMO_ARGS)

clean-state:
	rm -rf .state

clean: clean-state
	rm -rf $(VENV) policy/venv .tools .pytest_cache .mypy_cache .ruff_cache

# Mutation testing of provider/instantly_pulumi against the unit tests (mutmut; slow,
# not part of `make test`): scripts/mutate.sh, results in .mutmut/ (`scripts/mutate.sh results`).
mutate: venv
	scripts/mutate.sh run $(MUTATE_ARGS)

# The full fault soak (benchmarks/soak.py; a benchmark, not a test: several minutes): 4 client
# stacks through rounds of up/change/refresh/destroy under 10% 5xx, 5% 429, 5% dropped after
# commit, 2% answered after the client's timeout, until 500 resource operations. Prints its
# figures; SOAK_ARGS=--write-docs also writes them into docs/reliability.md. Then the crash soak
# (benchmarks/crash_soak.py: up, destroy and fleet up killed with SIGKILL and recovered as the docs
# say; CRASH_SOAK_ARGS=--write-docs writes its figures).
soak: venv cli
	$(WITH_CLI) $(PY) -m benchmarks.soak $(SOAK_ARGS)
	$(WITH_CLI) $(PY) -m benchmarks.crash_soak $(CRASH_SOAK_ARGS)
