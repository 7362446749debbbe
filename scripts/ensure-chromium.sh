#!/usr/bin/env bash
# Chromium for the access map's browser test (tests/e2e/test_access_map.py): Playwright for Python
# drives the system browser, since Playwright's own browser download cannot work without a network.
# Nothing to do when a chromium is there (INSTANTLY_CHROMIUM, or chromium / chromium-browser on
# PATH); otherwise Debian's chromium package is installed (as root, or with passwordless sudo).
set -euo pipefail
if [ -n "${INSTANTLY_CHROMIUM:-}" ] && [ -x "${INSTANTLY_CHROMIUM}" ]; then exit 0; fi
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null; then
	echo "ensure-chromium: the browser test needs Chromium: install it with your package manager (or set INSTANTLY_CHROMIUM to its path)" >&2
	exit 1
fi
SUDO=()
if [ "$(id -u)" != 0 ]; then
	if sudo -n true 2>/dev/null; then
		SUDO=(sudo -n)
	else
		echo "ensure-chromium: the browser test needs Chromium: run \`sudo apt-get install chromium\`" >&2
		exit 1
	fi
fi
echo "ensure-chromium: installing Debian's chromium package (for the access map's browser test)"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null || { echo "ensure-chromium: installed, but no chromium on PATH" >&2; exit 1; }
