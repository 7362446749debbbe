"""The secret audit (issue 9.7) once under faults: 10% of API calls answer 500 and 5% are committed
but lose their answer. Retries, reconciling reads and orphan-key revocation all run, and still no
key (the agency's, or any the stack created) is left in plain text anywhere. The fault-free
lifecycle runs the same audit in test_client_stacks.py."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from instantly_sandbox.testing import Fault

from .conftest import ClientStack, World, new_client_stack
from .support import audit_secrets

pytestmark = pytest.mark.e2e

ATTEMPTS = 4
"""`pulumi up` (or refresh, destroy) runs at most this often: each failure says a rerun is safe."""


def until_it_passes(stack: ClientStack, command: str, seen: Counter[str]) -> int:
    """Run ``command`` until it succeeds (bounded); count the answers by status; return the runs."""
    for run in range(1, ATTEMPTS + 1):
        proc = stack.run(command, check=False)
        seen.update(str(r["status"]) for r in stack.requests())
        if proc.returncode == 0:
            return run
        out = proc.stdout + proc.stderr
        assert "Traceback" not in out
        assert "Exception calling application" not in out
    raise AssertionError(f"`pulumi {command}` failed {ATTEMPTS} times under faults")


def own_keys(world: World) -> set[str]:
    with world.api(world.client_key) as api:
        resp = api.get("/api-keys", params={"limit": 100})
        resp.raise_for_status()
        return {k["name"] for k in resp.json()["items"]}


def test_no_key_in_plain_text_after_a_lifecycle_under_faults(
    tmp_path: Path, pulumi_bin: Path, world: World, control: Any
) -> None:
    spec: dict[str, Any] = {
        "workspace_id": world.client_id,
        "members": [{"email": "ana@client.example", "role": "editor"}],
        "api_keys": [
            {"name": "reader", "scopes": ["campaigns:read"]},
            {"name": "writer", "scopes": ["campaigns:update"]},
        ],
        "tags": [{"label": "Outbound", "campaigns": world.campaigns[:2]}],
    }
    keys_before = own_keys(world)
    stack = new_client_stack(tmp_path, pulumi_bin, world)
    stack.write(spec)
    control.set_faults(
        [
            Fault.status(500, path="/api/v2/*", probability=0.10),
            Fault.drop_after_commit(path="/api/v2/*", probability=0.05),
        ],
        seed=97,
    )
    answers: Counter[str] = Counter()
    until_it_passes(stack, "up", answers)
    created = {n: v["key"] for n, v in stack.outputs()["api_keys"].items()}
    spec["api_keys"][0]["rotation"] = "2026-12"
    stack.write(spec)
    until_it_passes(stack, "up", answers)
    rotated = stack.outputs()["api_keys"]["reader"]["key"]
    until_it_passes(stack, "refresh", answers)
    secrets = [world.agency_key, *created.values(), rotated]
    scanned = audit_secrets(stack, secrets)
    assert scanned["pickled providers"] > 0

    # The audit can fail: a string every pickled ApiKey provider holds is found.
    with pytest.raises(AssertionError, match="pickled provider"):
        audit_secrets(stack, ["ApiKeyProvider"])

    until_it_passes(stack, "destroy", answers)
    control.clear_faults()
    audit_secrets(stack, secrets)

    assert answers["500"] > 0, "the faults fired"
    # Lost creates were found and their keys revoked: nothing the stack made is left.
    assert own_keys(world) == keys_before
    assert stack.state()["deployment"].get("resources", []) == []
