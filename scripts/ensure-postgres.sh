#!/usr/bin/env bash
# PostgreSQL for the shared-state tests (tests/e2e/test_fleet_postgres.py): they start their own
# throwaway server with initdb + pg_ctl, so only the binaries are needed. Nothing to do when they are
# there (on PATH or in Debian's /usr/lib/postgresql/*/bin); otherwise Debian's postgresql package is
# installed (as root, or with passwordless sudo).
set -euo pipefail
if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then exit 0; fi
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null; then
	echo "ensure-postgres: the tests need PostgreSQL's initdb and pg_ctl: install PostgreSQL (server) with your package manager" >&2
	exit 1
fi
SUDO=()
if [ "$(id -u)" != 0 ]; then
	if sudo -n true 2>/dev/null; then
		SUDO=(sudo -n)
	else
		echo "ensure-postgres: the tests need PostgreSQL: run \`sudo apt-get install postgresql\`" >&2
		exit 1
	fi
fi
echo "ensure-postgres: installing Debian's postgresql package (for the shared-state tests)"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { echo "ensure-postgres: installed, but no initdb found" >&2; exit 1; }
