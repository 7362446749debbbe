#!/usr/bin/env bash
# Builds actionlint (the linter of GitHub Actions workflows) from the Go module
# proxy into .tools/actionlint-<version>/actionlint, pinned by
# tools/actionlint/go.mod and go.sum (-mod=readonly: nothing may drift), as
# scripts/build-pulumi.sh builds the Pulumi CLI. Reuses the binary when it was
# built from the same pins and script (a stamp beside it).
#
# Prints the binary's path as its last line; fails (never skips) when it cannot
# build, naming what is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
mod="$root/tools/actionlint"
log() { echo "build-actionlint: $*" >&2; }
version=$(awk '$1=="github.com/rhysd/actionlint"{print $2}' "$mod/go.mod")
[ -n "$version" ] || { log "tools/actionlint/go.mod does not require github.com/rhysd/actionlint"; exit 1; }

dir="$root/.tools/actionlint-$version"
bin="$dir/actionlint"
stamp=$(cat "$mod/go.mod" "$mod/go.sum" "$0" | sha256sum | cut -c1-16)
if [ -x "$bin" ] && [ "$(cat "$dir/.build-stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { log "Go is required to build actionlint"; exit 1; }
log "building actionlint $version into $dir"
start=$(date +%s)
mkdir -p "$dir"
rm -f "$dir/.build-stamp"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
# The version ldflag: without it `actionlint -version` does not say which release it is.
(cd "$mod" && go build -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$version" \
  -o "$bin" github.com/rhysd/actionlint/cmd/actionlint)
"$bin" -version | head -n 1 | grep -qF "$version" || { log "built actionlint does not report $version"; exit 1; }
echo "$stamp" > "$dir/.build-stamp"
log "built actionlint $version in $(( $(date +%s) - start ))s"
echo "$bin"
