"""Four client stacks of one agency, ``up`` at the same time (four provider threads each), with
the sandbox limiting requests per agency key: no 429 reaches the user, and the state matches
the objects exactly.

With one shared budget (``INSTANTLY_RATE_FILE``, the rate set to the sandbox's limit) the four
provider processes stay under the limit together; with a budget each, they go over it, meet
429s, and recover by waiting for ``Retry-After``. The number of 429s in each case is printed
(and asserted: none with the shared budget, some without)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from benchmarks.soak import held, ids, objects
from instantly_sandbox.testing import SandboxControl, SandboxProcess

from .conftest import ClientStack, make_world, new_client_stack

pytestmark = pytest.mark.e2e

STACKS = 4
PER_SECOND = 8
"""The sandbox's limit per agency key (``per: key_workspace``): four stacks of 18 resources
want far more than this at once."""


def client(world: Any, name: str) -> dict[str, Any]:
    """18 resources: 8 members, 4 keys, 2 tags with 4 assignments."""
    return {
        "workspace_id": world.client_id,
        "members": [{"email": f"p{i}@{name}.example", "role": "editor"} for i in range(8)],
        "api_keys": [{"name": f"k{i}", "scopes": ["campaigns:read"]} for i in range(4)],
        "tags": [
            {"label": f"L{i}", "campaigns": world.campaigns[: i + 1], "accounts": world.accounts[:1]}
            for i in range(2)
        ],
    }


@pytest.fixture
def own_sandbox(tmp_path: Path) -> Any:
    with SandboxProcess(tmp_path / "sandbox.db") as sandbox:
        yield sandbox


def stacks_of_one_agency(
    sandbox: SandboxProcess, tmp_path: Path, pulumi_bin: Path, env: dict[str, str]
) -> list[ClientStack]:
    out: list[ClientStack] = []
    agency = None
    for i in range(STACKS):
        world = make_world(sandbox.control, sandbox.base_url, f"conc{i}", agency=agency)
        agency = (world.agency_id, world.agency_key)
        stack = new_client_stack(tmp_path, pulumi_bin, world, name=f"conc{i}")
        stack.cli.env = env
        stack.write(client(world, stack.name))
        out.append(stack)
    return out


def all_at_once(stacks: list[ClientStack], *args: str) -> list[Any]:
    with ThreadPoolExecutor(len(stacks)) as pool:
        return list(pool.map(lambda s: s.cli.run(*args, stack=s.name, check=False, timeout=600), stacks))


def run_four(
    control: SandboxControl, stacks: list[ClientStack], steps: tuple[str, ...]
) -> tuple[dict[str, int], list[set[tuple[str, str]]]]:
    """Each step (up, refresh, destroy) on the four stacks at once; 429s per step; the baselines."""
    baselines = [ids(objects(control, s.world.client_id)) for s in stacks]
    control.set_limits(per_second=PER_SECOND, per_minute=6_000, per="key_workspace")
    control.clear_requests()
    rate_limited: dict[str, int] = {}
    for step in steps:
        procs = all_at_once(stacks, step, "--skip-preview")
        log = control.requests()
        control.clear_requests()
        rate_limited[step] = sum(1 for e in log if e["status"] == 429)
        for stack, proc in zip(stacks, procs, strict=True):
            assert proc.returncode == 0, f"{stack.name} {step}:\n{proc.stderr[-3000:]}"
        if step == "up":
            for stack, baseline in zip(stacks, baselines, strict=True):
                state = json.loads(stack.cli.run("stack", "export", stack=stack.name).stdout)
                kinds = [r["type"].rsplit(":", 1)[-1] for r in state["deployment"]["resources"]]
                assert len(kinds) - 1 >= 16  # the stack resource aside
                # Exactly what the state holds exists, beyond what was there before: no orphan,
                # nothing missing.
                assert ids(objects(control, stack.world.client_id)) - baseline == held(state)
        if step == "refresh":
            # Each provider process listed each collection once for its 18 reads (4 threads, one
            # fill per list): members, keys, tags, mappings (a 429 is retried: count the answers).
            gets = [e for e in log if e["method"] == "GET" and e["status"] == 200]
            assert len(gets) == STACKS * 4, [(e["path"], e["as_workspace"]) for e in gets]
    for stack, baseline in zip(stacks, baselines, strict=True):
        assert ids(objects(control, stack.world.client_id)) == baseline
    return rate_limited, baselines


def test_four_stacks_sharing_one_budget_never_meet_a_429(
    own_sandbox: SandboxProcess, tmp_path: Path, pulumi_bin: Path
) -> None:
    env = {
        "INSTANTLY_RATE_FILE": str(tmp_path / "agency.budget"),
        "INSTANTLY_RATE_PER_SECOND": str(PER_SECOND),
    }
    stacks = stacks_of_one_agency(own_sandbox, tmp_path, pulumi_bin, env)
    rate_limited, _ = run_four(own_sandbox.control, stacks, ("up", "refresh", "destroy"))
    print(f"shared budget: 429s per step {rate_limited}")
    assert rate_limited == {"up": 0, "refresh": 0, "destroy": 0}


def test_four_stacks_with_a_budget_each_meet_429s_and_recover(
    own_sandbox: SandboxProcess, tmp_path: Path, pulumi_bin: Path
) -> None:
    env = {"INSTANTLY_RATE_PER_SECOND": str(PER_SECOND)}
    stacks = stacks_of_one_agency(own_sandbox, tmp_path, pulumi_bin, env)
    rate_limited, _ = run_four(own_sandbox.control, stacks, ("up", "destroy"))
    print(f"a budget per process: 429s per step {rate_limited}")
    # Four budgets of 8 a second against one of 8: the sandbox refuses some, every step succeeds.
    assert rate_limited["up"] + rate_limited["destroy"] > 0
