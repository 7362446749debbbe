#!/usr/bin/env bash
# PostgreSQL for the shared-state tests (tests/e2e/test_fleet_postgres.py): they start their own
# throwaway server with initdb + pg_ctl, so only the binaries are needed. Nothing to do when they are
# there (on PATH or in Debian's /usr/lib/postgresql/*/bin); otherwise Debian's postgresql package is
# installed (scripts/apt-install.sh).
set -euo pipefail
if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then exit 0; fi
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then exit 0; fi
"$(dirname "$0")/apt-install.sh" ensure-postgres postgresql "the shared-state tests"
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { echo "ensure-postgres: installed, but no initdb found" >&2; exit 1; }
