#!/usr/bin/env bash
# Chromium for the access map's browser test (tests/e2e/test_access_map.py): Playwright for Python
# drives the system browser, since Playwright's own browser download cannot work without a network.
# Nothing to do when a chromium is there (INSTANTLY_CHROMIUM, or chromium / chromium-browser on
# PATH); otherwise Debian's chromium package is installed (scripts/apt-install.sh).
set -euo pipefail
if [ -n "${INSTANTLY_CHROMIUM:-}" ] && [ -x "${INSTANTLY_CHROMIUM}" ]; then exit 0; fi
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then exit 0; fi
"$(dirname "$0")/apt-install.sh" ensure-chromium chromium "the access map's browser test"
command -v chromium >/dev/null || { echo "ensure-chromium: installed, but no chromium on PATH" >&2; exit 1; }
