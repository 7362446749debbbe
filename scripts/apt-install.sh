#!/usr/bin/env bash
# Installs one Debian package for a test prerequisite (scripts/ensure-*.sh), as root or with
# passwordless sudo; otherwise says what to run and fails.
#   scripts/apt-install.sh WHO PACKAGE WHAT-FOR
#   e.g. scripts/apt-install.sh ensure-postgres postgresql "the shared-state tests"
set -euo pipefail
who="$1" package="$2" purpose="$3"
if ! command -v apt-get >/dev/null; then
	echo "$who: $purpose need $package: install it with your package manager" >&2
	exit 1
fi
SUDO=()
if [ "$(id -u)" != 0 ]; then
	if sudo -n true 2>/dev/null; then
		SUDO=(sudo -n)
	else
		echo "$who: $purpose need $package: run \`sudo apt-get install $package\`" >&2
		exit 1
	fi
fi
echo "$who: installing Debian's $package package (for $purpose)"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null
