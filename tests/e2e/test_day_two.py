"""The second day of a client stack, through the real CLI from the project root (issue 16 §2).

Each test edits a stack that is already applied, as an agency does every week: a rotated agency key,
a wrong key, a workspace the key cannot reach, an adoption the preview must name, a re-invitation
the API refuses after the old member is gone, and `fleet preview`, which must write nothing.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from instantly_sandbox.testing import Fault

from .change_matrix import check_outputs_agree
from .conftest import ClientStack, InstalledCopy, World, make_world
from .support import fleet_json, writes

pytestmark = pytest.mark.e2e


def stack_in(copy: InstalledCopy, world: World, name: str) -> ClientStack:
    copy.cli.ensure_stack(name)
    copy.cli.run("config", "set", "--secret", "instantly:apiKey", stack=name, stdin=world.agency_key)
    return ClientStack(cli=copy.cli, world=world, name=name)


def base(world: World) -> dict[str, Any]:
    return {
        "workspace_id": world.client_id,
        "members": [{"email": "ana@day2.example", "role": "editor", "permissions": ["campaigns.view"]}],
        "api_keys": [{"name": "reader", "scopes": ["campaigns:read"]}],
        "tags": [{"label": "Outbound", "campaigns": world.campaigns[:1]}],
    }


def new_agency_key(world: World) -> tuple[str, str]:
    """A second full-access key of the agency (id, value), made with the current one."""
    with world.api(as_client=False) as api:
        resp = api.post("/api-keys", json={"name": "agency key 2026-12", "scopes": ["all:all"]})
        resp.raise_for_status()
        return resp.json()["id"], resp.json()["key"]


def revoke(world: World, key: str, key_id: str) -> None:
    with world.api(key, as_client=False) as api:
        api.delete(f"/api-keys/{key_id}").raise_for_status()


def other_agency_key_id(world: World, key: str) -> str:
    """The id of the agency's first key (the world's), listed with the second one."""
    with world.api(key, as_client=False) as api:
        items = api.get("/api-keys", params={"limit": 100}).json()["items"]
    (found,) = [k["id"] for k in items if k["name"] != "agency key 2026-12"]
    return str(found)


def test_a_rotated_agency_key_needs_no_manual_step(
    installed_copy: InstalledCopy, sandbox: Any, control: Any
) -> None:
    # New key in the stack's config, the old one revoked: refresh, preview, the deletion of an object
    # removed from the file, and destroy all use the key the stack has now. (Refresh and destroy do
    # not run the program: Pulumi hands the provider the config saved by the last `up`.)
    world = make_world(control, sandbox.base_url, "rotate")
    stack = stack_in(installed_copy, world, "day2-rotate")
    stack.write(base(world))
    stack.run("up")
    old_key = world.agency_key
    _, new_key = new_agency_key(world)
    old_id = other_agency_key_id(world, new_key)
    stack.cli.run("config", "set", "--secret", "instantly:apiKey", stack=stack.name, stdin=new_key)
    revoke(world, new_key, old_id)
    world.agency_key = new_key
    with world.api(old_key, as_client=False) as api:
        assert api.get("/workspaces/current").status_code == 401

    refreshed = stack.run("refresh", "--expect-no-changes")
    assert "401" not in refreshed.stdout + refreshed.stderr
    stack.run("preview", "--expect-no-changes")
    spec = base(world)
    spec["tags"] = []
    stack.write(spec)
    stack.run("up")
    assert [w for w in writes(stack.requests()) if "custom-tags" in w and w.startswith("DELETE")]
    check_outputs_agree(stack, world)
    stack.run("destroy")
    assert "ana@day2.example" not in {m["email"] for m in world.list("/workspace-members")}
    assert "reader" not in {k["name"] for k in world.list("/api-keys")}


def test_a_refused_key_fails_preview_and_up_and_writes_nothing(
    installed_copy: InstalledCopy, sandbox: Any, control: Any
) -> None:
    world = make_world(control, sandbox.base_url, "wrongkey")
    stack = stack_in(installed_copy, world, "day2-wrongkey")
    stack.write(base(world))
    stack.run("up")
    state_before = stack.state()["deployment"]["resources"]
    stack.cli.run("config", "set", "--secret", "instantly:apiKey", stack=stack.name, stdin="not-a-key-0000")
    for command in ("preview", "up"):
        proc = stack.run(command, check=False)
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0, command
        assert "instantly:apiKey" in out, out
        assert "INSTANTLY_API_KEY" in out, out
        assert "refused the agency key (401" in out, out
        assert "Traceback" not in out
        assert "not-a-key-0000" not in out
    assert writes(stack.requests()) == []
    assert stack.state()["deployment"]["resources"] == state_before


def test_a_workspace_the_key_cannot_reach_fails_preview(
    installed_copy: InstalledCopy, sandbox: Any, control: Any
) -> None:
    world = make_world(control, sandbox.base_url, "unreached", accept=False)
    stack = stack_in(installed_copy, world, "day2-unreached")
    for workspace in (world.client_id, "019a8c3e-0000-7000-8000-0000000dead0"):
        stack.write({"workspace_id": workspace, "members": [{"email": "x@day2.example", "role": "view"}]})
        proc = stack.run("preview", check=False)
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0
        assert f"client.workspace_id: the agency key cannot act in workspace {workspace}" in out, out
        assert "group_membership: {}" in out
    # Invited by the stack, the same workspace previews (it will be reachable once its owner accepts).
    stack.write({"workspace_id": world.client_id, "group_membership": {}})
    stack.run("preview")


def test_the_preview_names_what_will_be_adopted(
    installed_copy: InstalledCopy, sandbox: Any, control: Any
) -> None:
    world = make_world(control, sandbox.base_url, "announce")
    with world.api() as api:
        api.post("/workspace-members", json={"email": "old@day2.example", "role": "view"}).raise_for_status()
        api.post("/custom-tags", json={"label": "Existing"}).raise_for_status()
    stack = stack_in(installed_copy, world, "day2-announce")
    stack.write(
        {
            "workspace_id": world.client_id,
            "adopt": True,
            "members": [
                {"email": "old@day2.example", "role": "editor"},
                {"email": "new@day2.example", "role": "view"},
            ],
            "tags": [{"label": "Existing"}],
        }
    )
    out = stack.run("preview").stdout
    assert "adopt: workspace member 'old@day2.example' exists (" in out
    assert "takes it over as it is; one update sets role" in out
    assert "adopt: no workspace member 'new@day2.example' exists yet, so `pulumi up` invites it" in out
    assert "adopt: custom tag 'Existing' exists (" in out
    assert "nothing is written" in out
    stack.run("up")
    adopted = {r["urn"].split("::")[-1]: r["outputs"]["adopted"] for r in stack.resources("WorkspaceMember")}
    assert adopted == {"member-old@day2.example": True, "member-new@day2.example": False}


def test_a_refused_reinvitation_says_the_member_is_gone_and_up_brings_them_back(
    installed_copy: InstalledCopy, sandbox: Any, control: Any
) -> None:
    world = make_world(control, sandbox.base_url, "reinvite")
    stack = stack_in(installed_copy, world, "day2-reinvite")
    spec = base(world)
    stack.write(spec)
    stack.run("up")
    spec["members"][0]["permissions"] = ["campaigns.view", "analytics.view"]
    stack.write(spec)
    control.set_faults([Fault.status(403, method="POST", path="/api/v2/workspace-members")])
    try:
        proc = stack.run("up", check=False)
    finally:
        control.clear_faults()
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "workspace member 'ana@day2.example'" in out
    assert "was removed so that permissions could change, and creating it again failed" in out
    assert "`pulumi up` invites it again" in out
    assert "ana@day2.example" not in {m["email"] for m in world.list("/workspace-members")}
    stack.run("up")
    ana = next(m for m in world.list("/workspace-members") if m["email"] == "ana@day2.example")
    assert set(ana["permissions"]) == {"campaigns.view", "analytics.view"}
    check_outputs_agree(stack, world)
    stack.run("preview", "--expect-no-changes")


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".state" not in p.parts and ".venv" not in p.parts and "__pycache__" not in p.parts
    }


def test_fleet_preview_writes_nothing(installed_copy: InstalledCopy, sandbox: Any, control: Any) -> None:
    # One stack on the backend, one only in a file: `fleet preview` previews both, creates no stack,
    # rewrites no file (the new stack's `stack init` would write its encryption salt) and writes no API.
    world = make_world(control, sandbox.base_url, "fleetro")
    stack = stack_in(installed_copy, world, "day2-fleet-old")
    stack.write(base(world))
    stack.run("up")
    fresh = ClientStack(cli=installed_copy.cli, world=world, name="day2-fleet-new")
    fresh.write({**base(world), "api_keys": [{"name": "other", "scopes": ["leads:read"]}]})
    stacks_before = json.loads(installed_copy.cli.run("stack", "ls", "--json").stdout)
    files_before = _digest(installed_copy.root)
    control.clear_requests()
    doc = fleet_json(installed_copy.cli, world.agency_key, "preview", "day2-fleet-old", "day2-fleet-new")
    report = {s["name"]: s for s in doc["stacks"]}
    assert report["day2-fleet-new"]["new"] is True
    assert report["day2-fleet-new"]["changes"].get("create", 0) >= 4
    assert report["day2-fleet-old"]["changes"] == {"same": report["day2-fleet-old"]["changes"]["same"]}
    assert writes(control.requests()) == []
    assert json.loads(installed_copy.cli.run("stack", "ls", "--json").stdout) == stacks_before
    assert _digest(installed_copy.root) == files_before
    (installed_copy.root / "stacks" / "Pulumi.day2-fleet-new.yaml").unlink()


def test_a_fresh_clone_has_no_stacks_but_the_users() -> None:
    # The examples live in examples/stacks/: `fleet up` on a fresh clone applies what the user wrote.
    repo = Path(__file__).resolve().parents[2]
    tracked = subprocess.run(
        ["git", "ls-files", "stacks", "examples/stacks"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(tracked) == [
        "examples/stacks/Pulumi.acme.yaml",
        "examples/stacks/Pulumi.globex.yaml",
        "examples/stacks/Pulumi.initech.yaml",
        "stacks/README.md",
    ]
