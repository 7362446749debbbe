"""docs/ci/drift-watch.yml, the nightly drift watch: it runs `fleet refresh --detect-drift` on a
schedule, fails on drift (no `|| true` swallowing exit 3), keeps the report, and takes its secrets from
the repository's secrets into the environment only. (actionlint checks it with every workflow in
docs/ci: tests/ci/test_ci_workflow.py.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).parents[2] / "docs" / "ci" / "drift-watch.yml"
SECRETS = ("PULUMI_BACKEND_URL", "PGPASSWORD", "PULUMI_CONFIG_PASSPHRASE", "INSTANTLY_API_KEY")


def workflow() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return doc


def test_it_runs_nightly_and_by_hand() -> None:
    doc = workflow()
    on = doc.get("on") or doc[True]  # YAML 1.1 reads a bare `on` key as true
    (schedule,) = on["schedule"]
    minute, hour, *rest = schedule["cron"].split()
    assert rest == ["*", "*", "*"]
    assert minute.isdigit()
    assert hour.isdigit()
    assert "workflow_dispatch" in on
    assert doc["permissions"] == {"contents": "read"}


def test_it_detects_drift_and_lets_exit_3_fail_the_job() -> None:
    steps = workflow()["jobs"]["drift"]["steps"]
    (run,) = [s["run"] for s in steps if "instantly-pulumi" in s.get("run", "")]
    assert re.search(r"instantly-pulumi fleet refresh --detect-drift --json > drift.json", run)
    assert "||" not in run  # exit 3 must reach the runner
    assert "set +e" not in run
    kept = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert kept["if"] == "always()"
    assert "drift.json" in kept["with"]["path"]


def test_secrets_come_from_the_repository_and_no_step_prints_them() -> None:
    job = workflow()["jobs"]["drift"]
    for name in SECRETS:
        assert re.fullmatch(r"\$\{\{ secrets\.[A-Z_]+ \}\}", job["env"][name]), name
    for step in job["steps"]:
        assert "secrets." not in yaml.safe_dump(step), step
        script = step.get("run", "")
        for name in SECRETS:
            assert name not in script, step
        assert not re.search(r"^\s*(echo|printf|env|printenv|set\s+-\w*x)\b", script, re.MULTILINE), step
