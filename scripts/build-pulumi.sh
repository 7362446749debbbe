#!/usr/bin/env bash
# Builds the Pulumi CLI and this project's Python language host from the Go
# module proxy into .tools/pulumi-<version>/bin, pinned by tools/pulumi/go.mod
# (the same release as the `pulumi` Python package in pyproject.toml).
#
# Prints the directory to put on PATH as its last line. Reuses, in order:
#   1. a `pulumi` already on PATH whose version is at least the pinned one
#      (and a pulumi-language-python beside it);
#   2. .tools/pulumi-<version>/bin when it already holds the pinned version;
#   3. otherwise builds it (cold: module download + compile, several minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mod="$root/tools/pulumi"
version=$(awk '$1=="github.com/pulumi/pulumi/pkg/v3"{print $2}' "$mod/go.mod")
sdk_version=$(awk '$1=="github.com/pulumi/pulumi/sdk/v3"{print $2}' "$mod/go.mod")
py_version=$(sed -n 's/^ *"pulumi==\([0-9.]*\)".*/\1/p' "$root/pyproject.toml")
if [ "$version" != "$sdk_version" ] || [ "v$py_version" != "$version" ]; then
  echo "version pins disagree: pkg/v3 $version, sdk/v3 $sdk_version, python pulumi==$py_version" >&2
  exit 1
fi
log() { echo "build-pulumi: $*" >&2; }

# 1. A CLI on PATH that is new enough.
if existing=$(command -v pulumi 2>/dev/null) && command -v pulumi-language-python >/dev/null 2>&1; then
  have=$(pulumi version 2>/dev/null || true)
  if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "${version#v}" "${have#v}" | sort -V | head -n1)" = "${version#v}" ]; then
    log "using $existing ($have >= $version)"
    dirname "$existing"
    exit 0
  fi
fi

bin="$root/.tools/pulumi-$version/bin"
# What the build depends on besides the version: our language host's source and
# the module graph. A change to any of them rebuilds.
stamp=$(cat "$mod/go.mod" "$mod/go.sum" "$0" $(find "$mod/cmd" -name '*.go' | sort) | sha256sum | cut -c1-16)
want=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python)
complete=1
for f in "${want[@]}"; do [ -x "$bin/$f" ] || complete=0; done
# 2. Already built.
if [ "$complete" = 1 ] && [ "$("$bin/pulumi" version 2>/dev/null)" = "$version" ] \
  && [ "$(cat "$bin/.build-stamp" 2>/dev/null)" = "$stamp" ]; then
  log "reusing $bin ($version)"
  echo "$bin"
  exit 0
fi

# 3. Build. Upstream's flags: no cgo, osusergo/grpcnotrace tags, -trimpath, and
# the version ldflag (without it `pulumi version` prints nothing).
command -v go >/dev/null || { log "Go is required to build the Pulumi CLI"; exit 1; }
log "building Pulumi CLI $version into $bin (cold build: several minutes)"
start=$(date +%s)
mkdir -p "$bin"
# -mod=readonly: go.mod and go.sum are complete and committed; nothing may drift.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
(cd "$mod" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" \
  -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
(cd "$mod" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" \
  -o "$bin/pulumi-language-python" ./cmd/pulumi-language-python)
# The two launcher scripts ship inside the sdk/v3 module (read-only there).
sdk_dir=$(cd "$mod" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$bin/pulumi-resource-pulumi-python"
got=$("$bin/pulumi" version)
[ "$got" = "$version" ] || { log "built CLI reports '$got', expected $version"; exit 1; }
echo "$stamp" > "$bin/.build-stamp"
log "built $got in $(( $(date +%s) - start ))s"
echo "$bin"
