"""docs/ci/fleet.yml, the fleet as a GitHub Actions matrix of shards: valid for actionlint (built from
its Go module by scripts/build-actionlint.sh, pinned in tools/actionlint/), and saying what
docs/scaling.md says: every shard once, the shared backend and secrets from the repository's secrets
(never printed), each shard's share of the rate limits, the policy pack on every stack."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[2]
WORKFLOW = ROOT / "docs" / "ci" / "fleet.yml"
SECRETS = ("PULUMI_BACKEND_URL", "PGPASSWORD", "PULUMI_CONFIG_PASSPHRASE", "INSTANTLY_API_KEY")


@pytest.fixture(scope="session")
def actionlint() -> Path:
    """The pinned actionlint, built (or reused) by the project's script; a failed build fails."""
    proc = subprocess.run(
        [str(ROOT / "scripts" / "build-actionlint.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"scripts/build-actionlint.sh could not build actionlint:\n{proc.stderr}")
    return Path(proc.stdout.strip().splitlines()[-1])


def lint(actionlint: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    # shellcheck and pyflakes integrations off: the result must not depend on what else is installed.
    return subprocess.run(
        [str(actionlint), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_pinned_actionlint_is_built(actionlint: Path) -> None:
    version = subprocess.run([str(actionlint), "-version"], capture_output=True, text=True, check=True)
    assert version.stdout.splitlines()[0] == "v1.7.12"


def test_every_workflow_in_docs_passes_actionlint(actionlint: Path) -> None:
    workflows = sorted((ROOT / "docs" / "ci").glob("*.yml"))
    assert WORKFLOW in workflows
    proc = lint(actionlint, *workflows)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_actionlint_catches_a_broken_copy(actionlint: Path, tmp_path: Path) -> None:
    broken = tmp_path / "fleet.yml"
    text = WORKFLOW.read_text()
    assert "${{ matrix.shard }}" in text
    broken.write_text(text.replace("${{ matrix.shard }}", "${{ matrix.shrad }}", 1))
    proc = lint(actionlint, broken)
    assert proc.returncode == 1
    assert 'property "shrad" is not defined' in proc.stdout


def workflow() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return doc


def fleet_job() -> dict[str, Any]:
    job: dict[str, Any] = workflow()["jobs"]["fleet"]
    return job


def test_the_matrix_runs_every_shard_once() -> None:
    job = fleet_job()
    shards = job["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1))
    assert job["strategy"]["fail-fast"] is False
    # N comes from the matrix itself, so adding a shard cannot leave a stack out.
    assert job["env"]["SHARD"] == "${{ matrix.shard }}/${{ strategy.job-total }}"
    (run,) = [s["run"] for s in job["steps"] if "fleet" in s.get("run", "")]
    assert re.search(r'instantly-pulumi fleet "\$OPERATION" --shard "\$SHARD" --policy-pack policy', run)


def test_each_shard_plans_for_its_share_of_the_rate_limits() -> None:
    job = fleet_job()
    n = len(job["strategy"]["matrix"]["shard"])
    assert int(job["env"]["INSTANTLY_RATE_PER_SECOND"]) * n <= 100
    assert int(job["env"]["INSTANTLY_RATE_PER_MINUTE"]) * n <= 6_000


def test_secrets_come_from_the_repository_and_no_step_prints_them() -> None:
    job = fleet_job()
    for name in SECRETS:
        assert re.fullmatch(r"\$\{\{ secrets\.[A-Z_]+ \}\}", job["env"][name]), name
    # Secrets reach the job's environment only: no step names one, no script reads them or dumps the
    # environment.
    for step in job["steps"]:
        assert "secrets." not in yaml.safe_dump(step), step
        script = step.get("run", "")
        for name in SECRETS:
            assert name not in script, step
        assert not re.search(r"^\s*(echo|printf|env|printenv|set\s+-\w*x)\b", script, re.MULTILINE), step


def test_pull_requests_preview_and_only_main_applies() -> None:
    doc = workflow()
    on = doc.get("on") or doc[True]  # YAML 1.1 reads a bare `on` key as true
    assert on["push"]["branches"] == ["main"]
    operation = " ".join(fleet_job()["env"]["OPERATION"].split())
    assert "github.event_name == 'push' && 'up'" in operation
    assert operation.endswith("|| 'preview' }}")
    assert doc["permissions"] == {"contents": "read"}
