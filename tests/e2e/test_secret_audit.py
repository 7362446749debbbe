"""The secret audit (issue 9.7) once under faults: 10% of API calls answer 500 and 5% are committed
but lose their answer. Retries, reconciling reads and orphan-key revocation all run, and still no
key (the agency's, or any the stack created) is left in plain text anywhere. The fault-free
lifecycle runs the same audit in test_client_stacks.py.

Then the audit of a debug run (issue 17 §4, docs/secrets.md): ``pulumi up -v=9 --logtostderr
--logflow`` with ``PULUMI_DEBUG_GRPC``. No line our code wrote — a diagnostic of the program or the
provider, their stdout and stderr, an error message — holds a key, and the keys the engine's gRPC
log holds are only in the payloads docs/secrets.md lists."""

from __future__ import annotations

import dataclasses
import json
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


ENGINE_PAYLOADS = {
    # PULUMI_DEBUG_GRPC: the gRPC calls whose payloads hold a key in plain text (docs/secrets.md), first in
    # an `up` that creates everything.
    "/pulumirpc.LanguageRuntime/Run": "the stack's config, handed to the program",
    "/pulumirpc.ResourceMonitor/GetDeploymentInfo": "the stack's config, as the program reads it",
    "/pulumirpc.ResourceProvider/CheckConfig": "the stack's config, handed to the provider",
    "/pulumirpc.ResourceProvider/Configure": "the stack's config, handed to the provider",
    "/pulumirpc.ResourceProvider/Create": "a created key's value, in the provider's answer",
    "/pulumirpc.ResourceMonitor/RegisterResource": "a created key's value, returned to the program",
    "/pulumirpc.ResourceMonitor/RegisterResourceOutputs": "the stack's outputs (a created key's value)",
    # ...and later runs: what the state carries (the config of the last `up`, an API key's outputs).
    "/pulumirpc.ResourceProvider/DiffConfig": "the config saved in the state, against the current one",
    "/pulumirpc.ResourceProvider/Check": "an API key's state, its value included",
    "/pulumirpc.ResourceProvider/Diff": "an API key's state, its value included",
    "/pulumirpc.ResourceProvider/Delete": "an API key's state, its value included",
}
DEBUG = ("-v=9", "--logtostderr", "--logflow", "--debug")


@dataclasses.dataclass
class DebugRun:
    """What one ``pulumi <command> -v=9 --logtostderr --logflow`` printed, split by who wrote it."""

    ours: list[str]
    """Lines our code wrote: the diagnostics of the program and the provider (``eventSink::…`` in the
    engine's log: pulumi.log, the provider's notes and errors, their stdout and stderr)."""
    engine: list[str]
    """Every other line of the engine's log."""
    shown: str
    """What the CLI showed on stdout (the same diagnostics, and the engine's display)."""


def debug_run(stack: ClientStack, command: str, env: dict[str, str], *, says: bool = True) -> DebugRun:
    debugging = dataclasses.replace(stack, cli=dataclasses.replace(stack.cli, env={**stack.cli.env, **env}))
    proc = debugging.run(command, *DEBUG)
    ours, engine = [], []
    for line in proc.stderr.splitlines():
        try:
            message = str(json.loads(line).get("msg", ""))
        except (ValueError, AttributeError):
            message = line
        (ours if message.startswith("eventSink::") else engine).append(line)
    assert bool(ours) == says, "the audit sees our lines (a destroy runs no program and says nothing)"
    assert len(engine) > 100, "-v=9 logs the engine's work"
    return DebugRun(ours, engine, proc.stdout)


def audit_debug_run(run: DebugRun, secrets: list[str], *, masked: bool) -> None:
    """No key in any line we wrote. With ``masked``, the keys are ones Pulumi knows as secrets (the
    stack's config, a secret output), which it replaces by ``[secret]`` wherever it prints them: then a
    ``[secret]`` in our lines is where we printed one."""
    for line in run.ours:
        for s in secrets:
            assert s not in line, f"our code printed a key: {hidden(line, secrets)}"
        if masked:
            assert "[secret]" not in line, f"our code printed a secret (Pulumi masked it): {line[:200]}"
    for s in secrets:
        assert s not in run.shown, "a key in the CLI's display"
        assert not [line for line in run.engine if s in line], (
            "the engine itself logged a key at -v=9: say so in docs/secrets.md"
        )


def hidden(line: str, secrets: list[str]) -> str:
    """``line`` (shortened) with every key blanked out: a failing audit must not print the key it found."""
    for s in secrets:
        line = line.replace(s, "<key>")
    return line[:200]


def grpc_payloads_with_keys(log: Path, secrets: list[str]) -> dict[str, int]:
    """The gRPC methods whose logged payloads hold a key (PULUMI_DEBUG_GRPC), and no error message of
    ours (a provider's failure, logged in ``errors``) holding one."""
    found: Counter[str] = Counter()
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        for error in entry.get("errors") or []:
            for s in secrets:
                assert s not in error, f"a key in an error of ours: {entry['method']}"
        if any(s in line for s in secrets):
            found[entry["method"]] += 1
    return dict(found)


def test_no_key_in_the_lines_we_write_in_a_debug_run(tmp_path: Path, pulumi_bin: Path, world: World) -> None:
    spec: dict[str, Any] = {
        "workspace_id": world.client_id,
        "members": [{"email": "ana@client.example", "role": "view"}],
        "api_keys": [{"name": "reader", "scopes": ["campaigns:read"]}],
    }
    stack = new_client_stack(tmp_path, pulumi_bin, world)
    stack.write(spec)
    grpc = tmp_path / "grpc.json"

    # 1. The agency key in the stack's config (a Pulumi secret), as the docs say to keep it.
    up = debug_run(stack, "up", {"PULUMI_DEBUG_GRPC": str(grpc)})
    created = stack.outputs()["api_keys"]["reader"]["key"]
    audit_debug_run(up, [world.agency_key, created], masked=True)
    carried = grpc_payloads_with_keys(grpc, [world.agency_key, created])
    assert carried, "the engine's gRPC log holds the keys (docs/secrets.md says so)"
    assert set(carried) <= set(ENGINE_PAYLOADS), (
        f"a key in a payload docs/secrets.md does not list: {carried}"
    )

    # 2. The agency key from INSTANTLY_API_KEY: Pulumi does not know it, masks nothing, and a key our
    #    code printed would show as it is. An update and a create run with it.
    stack.cli.run("config", "rm", "instantly:apiKey", stack=stack.name)
    spec["members"][0]["role"] = "editor"
    spec["api_keys"].append({"name": "writer", "scopes": ["campaigns:update"]})
    stack.write(spec)
    from_env = {"INSTANTLY_API_KEY": world.agency_key}
    again = debug_run(stack, "up", {**from_env, "PULUMI_DEBUG_GRPC": str(tmp_path / "update.json")})
    keys = [world.agency_key, created, stack.outputs()["api_keys"]["writer"]["key"]]
    audit_debug_run(again, keys, masked=False)
    gone = debug_run(
        stack, "destroy", {**from_env, "PULUMI_DEBUG_GRPC": str(tmp_path / "destroy.json")}, says=False
    )
    audit_debug_run(gone, keys, masked=False)
    carried = {log: grpc_payloads_with_keys(tmp_path / log, keys) for log in ("update.json", "destroy.json")}
    for found in carried.values():
        assert set(found) <= set(ENGINE_PAYLOADS), (
            f"a key in a payload docs/secrets.md does not list: {found}"
        )
    audit_secrets(stack, keys)
