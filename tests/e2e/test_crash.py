"""A run that dies (issue 17): `pulumi up` or `destroy` killed with SIGKILL while writes are in flight.

The sandbox holds every write for a few seconds before it handles it — and still handles it once the
client is gone, as a server does with a request it already received — so the kill always finds
creates (or deletes) in flight, and the API commits them after the run died. The recovery is the
documented one: `pulumi cancel --yes` where a lock remains, then the command again. Then nothing is
duplicated, nothing is orphaned, what the killed run created counts as created (so `destroy`
deletes it), and `instantly-pulumi fleet up` drops Pulumi's own records of the interrupted creates.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import pytest

from instantly_sandbox.testing import Fault

from .change_matrix import check_outputs_agree
from .conftest import ClientStack, InstalledCopy, World, make_world
from .crash import kill, pending, recover, start, state_file, wait_for_pending
from .support import fleet_json, writes

pytestmark = pytest.mark.e2e

HOLD_MS = 3_000
"""How long the sandbox holds each write before handling it (it lands after the kill)."""


def client(world: World, *, tags: bool = True) -> dict[str, Any]:
    out = {
        "workspace_id": world.client_id,
        "members": [
            {"email": "ana@crash.example", "role": "editor"},
            {"email": "bo@crash.example", "role": "view", "nickname": "Bo"},
            {"email": "cy@crash.example", "access": "sdr"},
        ],
        "api_keys": [
            {"name": "crm-sync", "scopes": ["campaigns:read", "leads:read"]},
            {"name": "reporting", "scopes": ["campaigns:read"]},
        ],
        "tags": [{"label": "Outbound", "campaigns": world.campaigns[:2]}],
    }
    if not tags:
        out["tags"] = []
    return out


def stack_in(copy: InstalledCopy, world: World, name: str) -> ClientStack:
    copy.cli.ensure_stack(name)
    copy.cli.run("config", "set", "--secret", "instantly:apiKey", stack=name, stdin=world.agency_key)
    return ClientStack(cli=copy.cli, world=world, name=name)


def objects(world: World) -> Counter[tuple[str, str]]:
    """The client's members, keys and tags, by kind and natural key (a count above 1: a duplicate)."""
    out: Counter[tuple[str, str]] = Counter()
    out.update(("member", m["email"]) for m in world.list("/workspace-members"))
    out.update(("key", k["name"]) for k in world.list("/api-keys"))
    out.update(("tag", t["label"]) for t in world.list("/custom-tags"))
    return out


def killed_during_writes(stack: ClientStack, command: str) -> str:
    """Run ``command`` with every write held, kill it once the first write has landed (the others are
    in flight, held), let the held writes land; return what it printed."""
    control = stack.world.control
    control.set_faults([Fault.delay(HOLD_MS, method="POST"), Fault.delay(HOLD_MS, method="DELETE")])
    control.clear_requests()
    try:
        proc = start(stack, command, *(["--skip-preview"] if command == "up" else []))
        assert wait_for_pending(stack, proc), proc.communicate()[0]
        deadline = time.monotonic() + 120
        while not writes(control.requests()):
            assert proc.poll() is None, "the run ended before a write landed"
            assert time.monotonic() < deadline, "no write landed"
            time.sleep(0.1)
        out = kill(proc)
        time.sleep(HOLD_MS / 1000 + 2)  # the held writes land after the run died
    finally:
        control.clear_faults()
    return out


def test_a_killed_up_converges_in_one_up_and_destroy_deletes_what_it_created(
    installed_copy: InstalledCopy, sandbox: Any, control: Any
) -> None:
    world = make_world(control, sandbox.base_url, "crashup")
    before = objects(world)
    stack = stack_in(installed_copy, world, "crash-up")
    stack.write(client(world))
    killed_during_writes(stack, "up")
    left = pending(stack)
    assert [op["type"] for op in left]
    assert all(op["type"] == "creating" for op in left)
    assert all("__intent" in op["resource"]["inputs"] for op in left)  # the write-ahead record

    recovered = recover(stack)
    out = recovered.stdout + recovered.stderr
    assert "A member with this email already exists" not in out
    # Every object once; no key beyond the declared ones; the outputs say what the server holds.
    assert objects(world) - before == Counter(
        {("member", m["email"]): 1 for m in client(world)["members"]}
        | {("key", k["name"]): 1 for k in client(world)["api_keys"]}
        | {("tag", "Outbound"): 1}
    )
    check_outputs_agree(stack, world)
    adopted = {
        r["urn"].split("::")[-1]: r["outputs"].get("adopted")
        for r in stack.state()["deployment"]["resources"]
    }
    assert not any(adopted.values()), adopted  # taken over as created, never as adopted
    stack.run("preview", "--expect-no-changes")

    # Pulumi keeps its records of the interrupted creates through `up`; the fleet drops the resolved ones.
    assert pending(stack), "Pulumi dropped its pending creates: the fleet's step may no longer be needed"
    (run,) = fleet_json(installed_copy.cli, world.agency_key, "up", stack.name)["stacks"]
    assert run["pending_cleared"] == len(left)
    assert pending(stack) == []
    stack.run("up", "--expect-no-changes")

    stack.run("destroy")
    assert objects(world) == before  # everything the stack created, the killed run's included, is gone


@pytest.mark.parametrize("recovery", ["destroy", "up"])
def test_a_killed_destroy_recovers_with_either_command(
    installed_copy: InstalledCopy, sandbox: Any, control: Any, recovery: str
) -> None:
    world = make_world(control, sandbox.base_url, f"crashd{recovery}")
    before = objects(world)
    stack = stack_in(installed_copy, world, f"crash-destroy-{recovery}")
    # No tag: a destroy deletes assignments first, and the kill should find members and keys going.
    stack.write(client(world, tags=False))
    stack.run("up")
    created = objects(world) - before
    killed_during_writes(stack, "destroy")
    assert objects(world) - before != created, "the kill came before any delete landed"

    recover(stack, recovery)
    if recovery == "destroy":
        assert objects(world) == before
    else:  # `up` puts back what the file declares: every object once
        assert objects(world) - before == created
        check_outputs_agree(stack, world)
        stack.run("preview", "--expect-no-changes")
        stack.run("destroy")
        assert objects(world) == before
    assert [op for op in pending(stack) if op["type"] == "creating"] == []


def test_a_killed_replacement_converges_in_one_up(
    installed_copy: InstalledCopy, sandbox: Any, control: Any
) -> None:
    # Permissions replace a member delete-first (Pulumi marks the old one `pendingReplacement`) and a
    # rotation replaces a key create-first (the old key stays in the state): both creates run under
    # the URN the state still holds, and a kill during them must not leave a duplicate or an orphan.
    world = make_world(control, sandbox.base_url, "crashrepl")
    before = objects(world)
    stack = stack_in(installed_copy, world, "crash-replace")

    def declared(permissions: str, rotation: str) -> dict[str, Any]:
        return {
            "workspace_id": world.client_id,
            "members": [{"email": "perm@crash.example", "role": "view", "permissions": [permissions]}],
            "api_keys": [{"name": "rotating", "scopes": ["campaigns:read"], "rotation": rotation}],
        }

    stack.write(declared("campaigns.view", "r0"))
    stack.run("up")
    old_key = {k["name"]: k["id"] for k in world.list("/api-keys")}["rotating"]
    stack.write(declared("analytics.view", "r1"))

    # Only creates are held: the member's delete lands at once, so both creates are in flight together.
    control.set_faults([Fault.delay(HOLD_MS, method="POST")])
    control.clear_requests()
    try:
        proc = start(stack, "up", "--skip-preview")
        # Kill once both replacements' creates are journalled (the member's after its delete landed).
        deadline = time.monotonic() + 120
        while sum(op["type"] == "creating" for op in _pending_now(stack)) < 2:
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "the replacements' creates never started"
            time.sleep(0.05)
        kill(proc)
        time.sleep(HOLD_MS / 1000 + 2)  # the held creates land after the run died
    finally:
        control.clear_faults()

    recovered = recover(stack)
    out = recovered.stdout + recovered.stderr
    assert "already exists" not in out
    assert objects(world) - before == Counter({("member", "perm@crash.example"): 1, ("key", "rotating"): 1})
    (member,) = [m for m in world.list("/workspace-members") if m["email"] == "perm@crash.example"]
    assert member["permissions"] == ["analytics.view"]
    assert {k["name"]: k["id"] for k in world.list("/api-keys")}["rotating"] != old_key
    check_outputs_agree(stack, world)
    adopted = [
        r["urn"] for r in stack.state()["deployment"]["resources"] if (r.get("outputs") or {}).get("adopted")
    ]
    assert adopted == []
    stack.run("preview", "--expect-no-changes")
    stack.run("destroy")
    assert objects(world) == before


def _pending_now(stack: ClientStack) -> list[dict[str, Any]]:
    """The pending operations in the checkpoint as it is being written (a torn read counts as none)."""
    try:
        doc = json.loads(state_file(stack).read_text())
    except (OSError, ValueError):
        return []
    return list((doc.get("checkpoint", {}).get("latest") or {}).get("pending_operations") or [])
