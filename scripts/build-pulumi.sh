#!/usr/bin/env bash
# Builds the Pulumi CLI, this project's Python language host and its
# dynamic-provider launcher from the Go module proxy into
# .tools/pulumi-<version>/bin, pinned by tools/pulumi/go.mod, and points the
# stable symlink .tools/bin at the directory in use, so that
#   export PATH="$PWD/.tools/bin:$PATH"
# gives a shell the project's `pulumi`.
#
# Prints the directory to put on PATH as its last line. Reuses, in order:
#   1. a `pulumi` already on PATH (outside .tools/) whose version is at least
#      the pinned one, with this project's language host, exec shim and
#      launcher in the same directory. The launcher must be ours (it resolves
#      the virtualenv against the project root): a stock Pulumi install ships
#      upstream's launcher script, which resolves it against `main:`
#      (pulumi/pulumi#7061), so such a directory is not reused and the pinned
#      CLI is built instead;
#   2. .tools/pulumi-<version>/bin when it already holds the pinned version
#      built from the current sources (a stamp of go.mod, go.sum, this script
#      and the Go sources under tools/pulumi/cmd and tools/pulumi/internal);
#   3. otherwise builds it (cold: module download + compile, several minutes;
#      with a warm Go build cache, seconds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
mod="$root/tools/pulumi"
version=$(awk '$1=="github.com/pulumi/pulumi/pkg/v3"{print $2}' "$mod/go.mod")
sdk_version=$(awk '$1=="github.com/pulumi/pulumi/sdk/v3"{print $2}' "$mod/go.mod")
py_version=$(sed -n 's/^ *"pulumi==\([0-9.]*\)".*/\1/p' "$root/pyproject.toml")
# pkg/v3 (the CLI) and sdk/v3 (which the CLI and our host build against) are one
# release and must agree. The `pulumi` Python package may be older: a CLI newer
# than the SDK a program uses is the normal case (users upgrade the CLI first),
# while an SDK newer than the CLI may speak protocol the engine lacks.
if [ "$version" != "$sdk_version" ]; then
  echo "version pins disagree: pkg/v3 $version, sdk/v3 $sdk_version (tools/pulumi/go.mod)" >&2
  exit 1
fi
if [ -z "$py_version" ] || [ "$(printf '%s\n%s\n' "$py_version" "${version#v}" | sort -V | tail -n1)" != "${version#v}" ]; then
  echo "the pulumi Python package (pulumi==$py_version in pyproject.toml) must not be newer than the CLI ($version)" >&2
  exit 1
fi
log() { echo "build-pulumi: $*" >&2; }
# The launcher embeds this text (see tools/pulumi/cmd/pulumi-resource-pulumi-python).
launcher_mark='pulumi-resource-pulumi-python (instantly-pulumi)'
ours() { [ -x "$1/pulumi-resource-pulumi-python" ] && LC_ALL=C grep -qaF "$launcher_mark" "$1/pulumi-resource-pulumi-python"; }
link() { mkdir -p "$root/.tools" && ln -sfn "$1" "$root/.tools/bin"; }

# 1. A CLI on PATH that is new enough and carries our host and launcher.
if existing=$(command -v pulumi 2>/dev/null); then
  dir=$(cd "$(dirname "$existing")" && pwd -P)
  case "$dir/" in
    "$root/.tools/"*) ;; # our own build (e.g. via .tools/bin): checked against its stamp below
    *)
      have=$("$dir/pulumi" version 2>/dev/null || true)
      if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "${version#v}" "${have#v}" | sort -V | head -n1)" = "${version#v}" ]; then
        if [ -x "$dir/pulumi-language-python" ] && [ -x "$dir/pulumi-language-python-exec" ] && ours "$dir"; then
          log "using $dir ($have >= $version, with this project's host and launcher)"
          link "$dir"
          echo "$dir"
          exit 0
        fi
        log "not reusing $dir ($have): it lacks this project's language host or launcher"
      fi
      ;;
  esac
fi

bin="$root/.tools/pulumi-$version/bin"
# What the build depends on besides the version: our Go sources and the module
# graph. A change to any of them rebuilds.
stamp=$(cat "$mod/go.mod" "$mod/go.sum" "$0" \
  $(find "$mod/cmd" "$mod/internal" -name '*.go' ! -name '*_test.go' | sort) | sha256sum | cut -c1-16)
want=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python)
complete=1
for f in "${want[@]}"; do [ -x "$bin/$f" ] || complete=0; done
# 2. Already built.
if [ "$complete" = 1 ] && [ "$("$bin/pulumi" version 2>/dev/null)" = "$version" ] \
  && [ "$(cat "$bin/.build-stamp" 2>/dev/null)" = "$stamp" ]; then
  log "reusing $bin ($version)"
  link "pulumi-$version/bin"
  echo "$bin"
  exit 0
fi

# 3. Build. Upstream's flags: no cgo, osusergo/grpcnotrace tags, -trimpath, and
# the version ldflag (without it `pulumi version` prints nothing).
command -v go >/dev/null || { log "Go is required to build the Pulumi CLI"; exit 1; }
log "building Pulumi CLI $version into $bin"
start=$(date +%s)
mkdir -p "$bin"
rm -f "$bin/.build-stamp"
# go build refuses to overwrite a file that is not a Go binary (an older
# build's copy of upstream's launcher script).
rm -f "$bin/pulumi-resource-pulumi-python"
# -mod=readonly: go.mod and go.sum are complete and committed; nothing may drift.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
# One go build for the CLI, the host and the launcher (each named after its package).
(cd "$mod" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" -o "$bin/" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./cmd/pulumi-language-python ./cmd/pulumi-resource-pulumi-python)
# The exec shim ships inside the sdk/v3 module (read-only there).
sdk_dir=$(cd "$mod" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
got=$("$bin/pulumi" version)
[ "$got" = "$version" ] || { log "built CLI reports '$got', expected $version"; exit 1; }
ours "$bin" || { log "built launcher does not identify itself as this project's"; exit 1; }
echo "$stamp" > "$bin/.build-stamp"
link "pulumi-$version/bin"
log "built $got in $(( $(date +%s) - start ))s"
echo "$bin"
