"""The agency team and exclusive collections (issue 18 §1-§2), through the real CLI and the fleet.

The agency config lives in the project-level `config:` block of `Pulumi.yaml`, so these tests run in
a project of their own: the fresh copy's program, venv and CLI, with its own `Pulumi.yaml` and
`stacks/` (the layout a user has), so that editing the team touches no other test's project.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from instantly_cli.pulumi_runner import PulumiCLI
from instantly_pulumi import models

from .change_matrix import check_outputs_agree
from .conftest import ClientStack, InstalledCopy, World, make_world
from .support import fleet_json, tally, writes

pytestmark = pytest.mark.e2e

TEAM = [
    {"email": "ops@agency.example", "access": "manager"},
    {"email": "am@agency.example", "access": "viewer", "nickname": "Account manager"},
]


@pytest.fixture
def project(installed_copy: InstalledCopy, tmp_path: Path) -> Iterator[PulumiCLI]:
    """A project beside the fresh copy: its program and venv (linked), its own Pulumi.yaml."""
    root = tmp_path / "agency-project"
    (root / "stacks").mkdir(parents=True)
    (root / "provider").symlink_to(installed_copy.root / "provider")
    (root / ".venv").symlink_to(installed_copy.root / ".venv")
    (root / "Pulumi.yaml").write_text((installed_copy.root / "Pulumi.yaml").read_text())
    return PulumiCLI(
        project_dir=root,
        state_dir=tmp_path / "state",
        passphrase="agency",
        bin_dir=installed_copy.cli.bin_dir,
    )


def set_agency(cli: PulumiCLI, agency: dict[str, Any] | None) -> None:
    """Write the agency config into Pulumi.yaml's project-level `config:` block (or remove it)."""
    path = cli.project_dir / "Pulumi.yaml"
    settings = yaml.safe_load(path.read_text())
    settings.pop("config", None)
    if agency is not None:
        settings["config"] = {"instantly-clients:agency": {"value": agency}}
    path.write_text(yaml.safe_dump(settings, sort_keys=False))


def client_stack(cli: PulumiCLI, world: World, name: str, client: dict[str, Any]) -> ClientStack:
    cli.ensure_stack(name)
    cli.run("config", "set", "--secret", "instantly:apiKey", stack=name, stdin=world.agency_key)
    stack = ClientStack(cli=cli, world=world, name=name)
    stack.write(client)
    return stack


def fleet(cli: PulumiCLI, world: World, *args: str) -> dict[str, Any]:
    return fleet_json(cli, world.agency_key, *args)


def members(world: World) -> dict[str, dict[str, Any]]:
    return {m["email"]: m for m in world.list("/workspace-members")}


def test_the_agency_team_reaches_every_client_and_leaves_them_in_one_line(
    project: PulumiCLI, sandbox: Any, control: Any
) -> None:
    acme = make_world(control, sandbox.base_url, "teamacme")
    agency = (acme.agency_id, acme.agency_key)
    globex = make_world(control, sandbox.base_url, "teamglobex", agency=agency)
    initech = make_world(control, sandbox.base_url, "teaminitech", agency=agency)
    # The account manager is in Acme already (someone invited her by hand, with the viewer's access):
    # adopted, not re-invited.
    role, permissions = models.ACCESS_PRESETS["viewer"]
    with acme.api() as api:
        api.post(
            "/workspace-members",
            json={"email": "am@agency.example", "role": role, "permissions": list(permissions or [])},
        ).raise_for_status()
    existing_am = members(acme)["am@agency.example"]["id"]

    set_agency(project, {"team": TEAM})
    stacks = {
        "acme": client_stack(project, acme, "acme", {"workspace_id": acme.client_id}),
        # Globex gives ops more (its own entry wins); Initech opts out.
        "globex": client_stack(
            project,
            globex,
            "globex",
            {"workspace_id": globex.client_id, "members": [{"email": "ops@agency.example", "role": "admin"}]},
        ),
        "initech": client_stack(
            project, initech, "initech", {"workspace_id": initech.client_id, "team": False}
        ),
    }
    control.clear_requests()
    fleet(project, acme, "up")
    assert writes(control.requests()).count("POST /workspace-members") == 3  # ops twice, am in Globex
    assert members(acme)["am@agency.example"]["id"] == existing_am
    assert members(acme)["ops@agency.example"]["role"] == "editor"  # the manager preset
    assert members(globex)["ops@agency.example"]["role"] == "admin"
    assert {"ops@agency.example", "am@agency.example"} & set(members(initech)) == set()
    for name, world in (("acme", acme), ("globex", globex)):
        out = check_outputs_agree(stacks[name], world)
        assert out["members"]["am@agency.example"]["team"] is True
    assert "team" not in check_outputs_agree(stacks["globex"], globex)["members"]["ops@agency.example"]

    # Offboarding: one line out of the team, one fleet run: gone from every client, adopted or not.
    set_agency(project, {"team": TEAM[:1]})
    control.clear_requests()
    fleet(project, acme, "up")
    assert tally(control.requests()).get("DELETE /workspace-members/{id}") == 2
    for world in (acme, globex):
        assert "am@agency.example" not in members(world)
        assert "ops@agency.example" in members(world)
    for name in stacks:
        stacks[name].run("preview", "--expect-no-changes")


def test_exclusive_members_keys_and_tags_keep_the_workspace_to_the_file(
    project: PulumiCLI, sandbox: Any, control: Any
) -> None:
    world = make_world(control, sandbox.base_url, "exclusive")
    with world.api() as api:
        for email in ("stray@client.example", "kept@client.example"):
            api.post("/workspace-members", json={"email": email, "role": "view"}).raise_for_status()
        api.post("/api-keys", json={"name": "zapier", "scopes": ["leads:read"]}).raise_for_status()
        api.post("/api-keys", json={"name": "forgotten", "scopes": ["all:all"]}).raise_for_status()
        api.post("/custom-tags", json={"label": "Old campaign"}).raise_for_status()
    owner = next(m["email"] for m in world.list("/workspace-members") if m["role"] == "owner")
    set_agency(project, {"exclusive": ["members"]})
    client = {
        "workspace_id": world.client_id,
        "exclusive": ["members", "api_keys", "tags"],  # the client's own list wins over the agency's
        "keep": ["kept@client.example", "zapier", "Sandbox full access"],
        "members": [{"email": "ana@client.example", "role": "editor"}],
        "api_keys": [{"name": "reader", "scopes": ["campaigns:read"]}],
        "tags": [{"label": "Outbound"}],
    }
    stack = client_stack(project, world, "exclusive", client)

    preview = stack.run("preview")
    out = preview.stdout + preview.stderr
    assert "members are exclusive: `pulumi up` removes stray@client.example (view, invited)" in out
    assert "api_keys are exclusive: `pulumi up` removes forgotten (scopes all:all)" in out
    assert "tags are exclusive: `pulumi up` removes Old campaign (tag)" in out
    for kept in ("kept@client.example", "zapier", owner, "Sandbox full access"):
        assert f"removes {kept} " not in out
    assert writes(stack.requests()) == []

    stack.run("up")
    assert set(members(world)) == {owner, "kept@client.example", "ana@client.example"}
    assert sorted(k["name"] for k in world.list("/api-keys")) == ["Sandbox full access", "reader", "zapier"]
    assert [t["label"] for t in world.list("/custom-tags")] == ["Outbound"]
    check_outputs_agree(stack, world)
    stack.run("preview", "--expect-no-changes")

    # A member added by hand since shows as drift, and the next up removes it.
    with world.api() as api:
        api.post(
            "/workspace-members", json={"email": "late@client.example", "role": "admin"}
        ).raise_for_status()
    drift = stack.run("refresh", "--expect-no-changes", "--diff", check=False)
    assert drift.returncode != 0
    assert "late@client.example" in drift.stdout
    (exclusive,) = [
        r for r in stack.state()["deployment"]["resources"] if r["urn"].endswith("exclusive-members")
    ]
    assert [s["name"] for s in exclusive["outputs"]["strays"]] == ["late@client.example"]
    stack.run("up")
    assert "late@client.example" not in members(world)
    stack.run("preview", "--expect-no-changes")
