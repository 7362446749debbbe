"""The operator's commands with the real Pulumi CLI: ``discover`` → ``pulumi up`` adopts a
hand-made workspace with zero writes (the sandbox's request log is the witness) and ``preview``
shows no changes; ``audit`` in the project directory reads the stacks' state and flags what no
stack declares; ``leave-group`` shows as drift on the agency stack's next ``refresh``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from instantly_cli.demo import write_project
from instantly_cli.pulumi_runner import PulumiCLI
from tests.e2e.conftest import ClientStack, InstalledCopy, World, count_requests
from tests.e2e.support import tally
from tests.integration.cli_support import Api, run_cli, writes

pytestmark = pytest.mark.e2e


def populate(world: World) -> dict[str, str]:
    """By hand, through the API: an accepted admin, a pending editor with permissions, keys,
    a tag on campaigns and an account, a tag on an account only."""
    slug = world.client_id[-6:]
    with Api(world.base_url, world.agency_key, world.client_id) as api:
        ana = api.member(f"ana-{slug}@client.example", "admin", nickname="Ana")
        world.control.accept_member(ana["id"])
        sam = api.member(f"sam-{slug}@client.example", "editor", permissions=["campaigns.view", "leads.move"])
        api.post("/api-keys", {"name": "crm sync", "scopes": ["campaigns:read"]})
        api.tag("Outbound", "SDR team", campaigns=world.campaigns[:2], accounts=world.accounts[:1])
        api.tag("Inboxes", accounts=world.accounts[1:])
    return {"ana": ana["email"], "sam": sam["email"]}


def test_discover_then_up_adopts_everything_with_zero_writes(
    tmp_path: Path, pulumi_bin: Path, world: World
) -> None:
    people = populate(world)
    project = tmp_path / "project"
    write_project(project)
    control = world.control

    control.clear_requests()
    run = run_cli(
        "discover", "--workspace-id", world.client_id, "--client", "acme",
        key=world.agency_key, base_url=world.base_url, cwd=project,
    )  # fmt: skip
    assert run.code == 0, run.stderr
    discovered = control.requests()
    assert writes(discovered) == []
    count_requests("discover → up: discover (GET)", len(discovered))
    stack_file = project / "stacks" / "Pulumi.acme.yaml"
    assert "instantly:apiKey" not in yaml.safe_load(stack_file.read_text())["config"]

    # The user's next steps, as the file's header says.
    cli = PulumiCLI(project_dir=project, state_dir=tmp_path / "state", passphrase="acme", bin_dir=pulumi_bin)
    cli.ensure_stack("acme")
    cli.run("config", "set", "--secret", "instantly:apiKey", stack="acme", stdin=world.agency_key)
    assert "# API keys (2): not declared" in stack_file.read_text()  # Pulumi kept the comments

    before = world.snapshot()
    control.clear_requests()
    up = cli.run("up", "--skip-preview", stack="acme")
    log = control.requests()
    assert writes(log) == [], up.stdout
    count_requests("discover → up: up GETs (writes: 0)", len(log))
    assert world.snapshot() == before
    # The stack, the group membership, the profile, 2 members, 2 tags and 3 assignments: all adopted.
    assert "+ 10 created" in up.stdout
    resources = ClientStack(cli=cli, world=world, name="acme").state()["deployment"]["resources"]
    ours = [r for r in resources if "instantly:" in r["type"]]
    assert sorted(r["type"].rsplit(":", 1)[-1] for r in ours) == sorted(
        ["SubWorkspace", "WorkspaceProfile", "WorkspaceMember", "WorkspaceMember", "CustomTag", "CustomTag"]
        + ["TagAssignment"] * 3
    )
    assert all(r["outputs"].get("adopted") for r in ours if not r["type"].endswith("TagAssignment"))
    assert all(r["outputs"]["adopted_ids"] for r in ours if r["type"].endswith("TagAssignment"))

    control.clear_requests()
    cli.run("preview", "--expect-no-changes", stack="acme")
    count_requests("discover → up: preview after up", len(control.requests()))
    assert tally(control.requests()) == {"GET /workspaces/current": 1}  # the program proves the key

    # audit, in the project directory, reads the stack's state: the members are managed, the keys
    # (which discover cannot adopt) and a member added by hand since are not.
    with Api(world.base_url, world.agency_key, world.client_id) as api:
        late = api.member(f"late-{world.client_id[-6:]}@client.example", "view")
    env = cli.environment()
    pulumi_env = {k: v for k, v in env.items() if k.startswith("PULUMI_") or k == "PATH"}
    audit = run_cli(
        "audit", "--workspace-id", world.client_id, "--json",
        key=world.agency_key, base_url=world.base_url, cwd=project, env=pulumi_env,
    )  # fmt: skip
    assert audit.code == 1, audit.stderr
    doc = audit.json()
    assert doc["stacks"] == {
        "checked": True,
        "note": f"the state of 1 stack(s) of {project}",
        "names": ["acme"],
    }
    (ws,) = doc["workspaces"]
    assert ws["stacks"] == ["acme"]
    managed = {m["email"]: m["managed"] for m in ws["members"]}
    assert managed == {
        ws["owner"]["email"]: None,
        people["ana"]: True,
        people["sam"]: True,
        late["email"]: False,
    }
    unmanaged = sorted(f["message"] for f in doc["findings"] if f["kind"].startswith("unmanaged"))
    assert unmanaged == sorted(
        [
            "API key 'Sandbox full access' is declared by no stack",
            "API key 'crm sync' is declared by no stack",
            f"member {late['email']} is declared by no stack",
        ]
    )


def test_leave_group_shows_as_drift_on_the_agency_stacks_refresh(client_stack: ClientStack) -> None:
    world = client_stack.world
    client_stack.write({"workspace_id": world.client_id, "adopt": True, "group_membership": {}})
    client_stack.run("up", "--skip-preview")
    assert len(client_stack.resources(":SubWorkspace")) == 1

    run = run_cli(
        "leave-group",
        "--workspace-id",
        world.client_id,
        "--yes",
        key=world.client_key,
        base_url=world.base_url,
    )
    assert run.code == 0, run.stderr
    refresh = client_stack.run("refresh", "--skip-preview", step="refresh after leave-group")
    assert client_stack.resources(":SubWorkspace") == []
    assert "1 deleted" in refresh.stdout
    assert world.memberships() == []
    # The stack file still declares the membership: the next `up` would invite the workspace again.
    assert "+ 1 to create" in client_stack.run("preview").stdout


def test_the_commands_run_from_a_fresh_clones_install(installed_copy: InstalledCopy, world: World) -> None:
    """`pulumi install` in a copy of the repository installs the console script with the package."""
    script = installed_copy.root / ".venv" / "bin" / "instantly-pulumi"
    assert script.is_file()
    listed = run_cli("--help", key=None, base_url=world.base_url, script=script)
    for command in ("discover", "audit", "transfer-owner", "leave-group", "demo"):
        assert command in listed.stdout
    run = run_cli(
        "discover",
        "--workspace-id",
        world.client_id,
        key=world.agency_key,
        base_url=world.base_url,
        script=script,
    )
    assert run.code == 0, run.stderr
    assert yaml.safe_load(run.stdout)["config"]["instantly-clients:client"]["workspace_id"] == world.client_id
