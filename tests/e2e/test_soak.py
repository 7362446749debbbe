"""The fault soak, bounded: two small client stacks through one round of up / no-op preview /
change / drift + refresh + up / destroy under the full fault mix (10% 5xx, 5% 429, 5% dropped
after commit, 2% answered after the client's timeout). The full soak is ``make soak``
(benchmarks/soak.py); this runs the same code and asserts that nothing went wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import crash_soak
from benchmarks.soak import Mix, Shape, Soak
from instantly_sandbox.testing import SandboxProcess

pytestmark = pytest.mark.e2e


def test_a_bounded_soak_under_faults_leaves_no_orphan_duplicate_or_plaintext_secret(
    tmp_path: Path, pulumi_bin: Path
) -> None:
    lines: list[str] = []
    # Its own sandbox: the faults hit every request, and the run reads the sandbox's database.
    with SandboxProcess(tmp_path / "sandbox.db") as sandbox:
        soak = Soak(
            sandbox,
            tmp_path,
            stacks=2,
            shape=Shape(members=3, keys=1, tags=2),
            mix=Mix(),
            seed=11,
            log=lines.append,
        )
        outcome = soak.run(min_operations=30, max_rounds=1)
        report = "\n".join(outcome.lines() + lines)
        print(report)
        assert_the_detectors_detect(soak)

    # A few dozen operations, and the faults really were injected (all four kinds can be absent
    # by chance at this size; the 5xx and the drops, at 10% and 5% of ~150 requests, cannot).
    assert outcome.total_operations >= 30, report
    assert outcome.faults["5xx"] > 0, report
    assert outcome.faults["drop_after_commit"] > 0, report
    assert outcome.operations["replaced"] >= 2, report
    assert outcome.operations["deleted"] >= 10, report
    assert outcome.orphans == [], report
    assert outcome.missing == [], report
    assert outcome.duplicates == [], report
    assert outcome.plaintext == [], report
    assert outcome.second_runs == [], report
    assert outcome.failed == [], report
    assert outcome.not_clean == [], report
    # The secrets were looked for: the stacks' keys and the agency's were collected.
    assert len(soak.secrets) >= 4, report


def assert_the_detectors_detect(soak: Soak) -> None:
    """What the soak counts as zero is counted: an object nobody holds is an orphan, a second key
    with one name a duplicate, a key value in a state folder a plaintext secret."""
    run = soak.runs[0]
    before = (list(soak.outcome.orphans), list(soak.outcome.duplicates), list(soak.outcome.plaintext))
    for _ in range(2):
        soak.api(run.world, "POST", "/api-keys", {"name": "stray", "scopes": ["campaigns:read"]})
    run.compare("planted")
    (run.stack.cli.state_dir / "leak.txt").write_text(sorted(soak.secrets)[0])
    soak.search_plaintext()
    assert len(soak.outcome.orphans) == len(before[0]) + 2
    assert soak.outcome.duplicates[len(before[1]) :] == [f"{run.name} planted: keys 'stray' x2"]
    assert len(soak.outcome.plaintext) > len(before[2])
    soak.outcome.orphans, soak.outcome.duplicates, soak.outcome.plaintext = before


def test_a_bounded_crash_soak_leaves_nothing_behind() -> None:
    # One stack, two rounds: an `up` killed and recovered with `pulumi up`, then one killed and
    # recovered with `fleet up`, a `destroy` killed and run again, and a killed `fleet up`.
    outcome = crash_soak.run(stacks=1, rounds=2, seed=3)
    report = outcome.markdown()
    print(report)
    assert sum(outcome.kills.values()) >= 3, report
    assert outcome.writes_after_kill > 0, report  # the API committed writes of a dead run
    assert outcome.zero(), report
