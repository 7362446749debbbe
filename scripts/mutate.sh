#!/usr/bin/env bash
# Mutation testing of provider/instantly_pulumi with mutmut (`make mutate`; not part of `make test`).
#
# mutmut imports the mutated package from mutants/, mutants/src or mutants/source
# only, and names mutants after the module path minus a leading "src.". So the run
# happens in .mutmut/, where provider/instantly_pulumi is laid out as
# src/instantly_pulumi (tests and pyproject.toml beside it, unchanged). mutants/
# there is kept between runs: mutmut only re-mutates files that changed.
# Arguments go to `mutmut run` (e.g. a mutant-name glob); `scripts/mutate.sh results`
# and `scripts/mutate.sh show NAME` pass through to mutmut as well.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/.mutmut"
mkdir -p "$work/src"
rm -rf "$work/src/instantly_pulumi" "$work/provider" "$work/tests" "$work/docs" "$work/stacks" "$work/examples" "$work/policy"
cp -a "$root/provider/instantly_pulumi" "$work/src/instantly_pulumi"
mkdir -p "$work/provider"
# What the unit tests read besides the package (pyproject's [tool.mutmut] also_copy).
cp -a "$root/provider/instantly_sandbox" "$work/provider/instantly_sandbox"
cp -a "$root/provider/instantly_cli" "$work/provider/instantly_cli"
for item in tests docs stacks examples policy pyproject.toml Pulumi.yaml README.md; do
  cp -a "$root/$item" "$work/$item"
done
cd "$work"
case "${1:-run}" in
  results | show | browse | print-time-estimates | tests-for-mutant) exec "$root/.venv/bin/mutmut" "$@" ;;
  run) shift || true; exec "$root/.venv/bin/mutmut" run "$@" ;;
  *) exec "$root/.venv/bin/mutmut" run "$@" ;;
esac
