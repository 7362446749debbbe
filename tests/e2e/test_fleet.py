"""`instantly-pulumi fleet` over several client stacks: the installed command, the real Pulumi CLI through
the Automation API, the project's program, the sandbox."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from instantly_cli.demo import write_project
from instantly_cli.pulumi_runner import PulumiCLI
from instantly_pulumi import models
from instantly_pulumi.stack import CONFIG_KEY, PROJECT
from instantly_sandbox.seed import api_client
from instantly_sandbox.testing import Fault

from .conftest import REPO, InstalledCopy, count_requests, make_world
from .fleet_support import FLEET, FleetProject, FleetResult, gets_by_path, small_client
from .support import tally

pytestmark = pytest.mark.e2e


@pytest.fixture
def project(tmp_path: Path, pulumi_bin: Path, sandbox: object, control: object) -> FleetProject:
    root = tmp_path / "project"
    write_project(root)
    agency, key = control.create_workspace("Fleet agency")  # type: ignore[attr-defined]
    cli = PulumiCLI(
        project_dir=root,
        state_dir=tmp_path / "state",
        passphrase="fleet-e2e",
        bin_dir=pulumi_bin,
        env={"INSTANTLY_API_KEY": key},  # plain `pulumi` runs get the agency key as the fleet does
    )
    return FleetProject(root, cli, control, sandbox.base_url, (agency["id"], key))  # type: ignore[attr-defined]


def member_emails(project: FleetProject, name: str) -> set[str]:
    return {m["email"] for m in project.worlds[name].list("/workspace-members")}


def test_a_bad_stack_file_and_a_key_without_scope_are_reported_and_the_rest_applied(
    project: FleetProject,
) -> None:
    for name in ("alpha", "bravo", "invalid", "noscope"):
        project.add_stack(name)
    invalid = small_client(project.worlds["invalid"])
    invalid["members"] = [{"email": "x@client.example", "role": "superuser"}]
    project.write("invalid", invalid)
    # The noscope stack carries its own key (a stack secret): an agency key that may only read campaigns.
    with api_client(project.base_url, project.agency[1]) as api:
        created = api.post("/api-keys", json={"name": "read-only", "scopes": ["campaigns:read"]})
        created.raise_for_status()
        read_only = created.json()["key"]
    project.cli.ensure_stack("noscope")
    project.cli.run("config", "set", "--secret", "instantly:apiKey", stack="noscope", stdin=read_only)
    project.write("noscope", small_client(project.worlds["noscope"]))

    result = project.fleet("up", "--parallel", "4")

    assert result.code == 1, result.stderr
    assert result.results() == {
        "alpha": "succeeded",
        "bravo": "succeeded",
        "invalid": "failed",
        "noscope": "failed",
    }
    assert not result.doc["ok"]
    bad = result.stacks["invalid"]
    assert "client.members[0].role" in bad["error"]
    assert bad["api_requests"] == 0  # the program stops before any resource
    denied = result.stacks["noscope"]
    assert "missing one of the scopes" in denied["error"], denied["error"]
    assert denied["api_requests"] > 0
    for failed in (bad, denied):
        log = Path(failed["log"])
        assert log.is_file()
        assert failed["error"].splitlines()[0][:40] in log.read_text()
        assert failed["name"] in result.stderr
        assert str(log) in result.stderr.replace("\n", "")
    for name in ("alpha", "bravo"):
        applied = result.stacks[name]
        assert applied["created"] is True
        assert applied["changes"].get("create", 0) >= 7
        assert applied["api_requests"] > 0
        wanted = {m["email"] for m in small_client(project.worlds[name])["members"]}
        assert wanted <= member_emails(project, name)
    assert result.stacks["noscope"]["created"] is False  # it existed: the test made it to store the key
    logs = [Path(s["log"]).read_text() for s in result.stacks.values()]
    for text in (json.dumps(result.doc), result.stderr, *logs):
        assert read_only not in text
        assert project.agency[1] not in text


def test_shards_cover_every_stack_once_and_a_no_op_preview_makes_no_api_request(
    project: FleetProject,
) -> None:
    names = ["s1", "s2", "s3"]
    for name in names:
        project.add_stack(name)

    project.control.clear_requests()
    nothing = project.fleet("refresh")  # no stack exists on the backend yet: nothing to read
    assert nothing.code == 0, nothing.stderr
    assert set(nothing.results().values()) == {"skipped"}
    assert project.requests() == []

    listed = [project.start("list", "--shard", f"{k}/2", "--json").communicate()[0] for k in (1, 2)]
    shards = [json.loads(out)["stacks"] for out in listed]
    assert sorted(shards[0] + shards[1]) == names
    project.control.clear_requests()
    ran: list[str] = []
    for k in (1, 2):
        result = project.fleet("up", "--shard", f"{k}/2")
        assert result.code == 0, result.stderr
        assert result.doc["shard"] == f"{k}/2"
        assert list(result.stacks) == shards[k - 1]
        assert all(s["created"] and s["changes"].get("create") for s in result.stacks.values())
        ran += list(result.stacks)
    assert sorted(ran) == names  # each stack ran once, in exactly one shard
    count_requests("fleet up (3 stacks, 2 shards)", len(project.requests()))

    project.control.clear_requests()
    preview = project.fleet("preview")
    assert preview.code == 0, preview.stderr
    assert set(preview.results().values()) == {"succeeded"}
    for stack in preview.stacks.values():
        assert set(stack["changes"]) == {"same"}, stack
        assert stack["api_requests"] == 1  # the program proves the agency key still works
    assert tally(project.requests()) == {"GET /workspaces/current": 3}
    count_requests("fleet preview, no changes (3 stacks)", len(project.requests()))

    refused = project.start("destroy")
    _out, err = refused.communicate(timeout=60)
    assert refused.returncode == 2
    assert "--yes" in err
    destroyed = project.fleet("destroy", "--yes")
    assert destroyed.code == 0, destroyed.stderr
    for name in names:
        assert not {m["email"] for m in small_client(project.worlds[name])["members"]} & member_emails(
            project, name
        )


def test_fleet_refresh_reads_each_type_from_lists_once(project: FleetProject) -> None:
    world = project.add_stack("big", client={})
    client = {
        "workspace_id": world.client_id,
        "members": [{"email": f"member{i:03d}@big.example", "role": "view"} for i in range(150)],
        "tags": [{"label": f"Tag {i}", "campaigns": world.campaigns[:1]} for i in range(3)],
    }
    project.write("big", client)
    assert project.fleet("up", "big").code == 0

    project.control.clear_requests()
    refreshed = project.fleet("refresh", "big")
    assert refreshed.code == 0, refreshed.stderr
    assert refreshed.stacks["big"]["changes"] == {"same": 1 + 150 + 3 + 3}
    gets = gets_by_path(project.requests())
    count_requests("fleet refresh, 150 members + 3 tags + 3 assignments", sum(gets.values()))
    assert gets["/api/v2/workspace-members"] == math.ceil(150 / 100)  # one pass, read from the list
    assert gets["/api/v2/custom-tags"] == 1
    assert gets["/api/v2/custom-tag-mappings"] == 1
    assert sum(gets.values()) <= 2 + 1 + 1 + 1  # ...and the key's own workspace, once
    assert refreshed.stacks["big"]["api_requests"] == len(project.requests())

    # Plain `pulumi refresh` previews first: the same reads, twice.
    project.control.clear_requests()
    project.cli.run("refresh", stack="big")
    assert gets_by_path(project.requests())["/api/v2/workspace-members"] == 2 * math.ceil(150 / 100)


def test_ctrl_c_cancels_running_stacks_cleanly_and_the_next_up_finishes(project: FleetProject) -> None:
    names = ["c1", "c2", "c3"]
    for name in names:
        project.add_stack(name)
    project.control.set_faults([Fault.delay(400, method="POST", path="/api/v2/*")])
    project.control.clear_requests()
    running = project.start("up", "--parallel", "2", "--json")
    deadline = time.monotonic() + 120
    while not any(r["method"] == "POST" for r in project.requests()):
        assert running.poll() is None, "the fleet ended before its first write"
        assert time.monotonic() < deadline, "the fleet never wrote"
        time.sleep(0.2)
    running.send_signal(signal.SIGINT)
    out, err = running.communicate(timeout=300)
    project.control.clear_faults()

    assert running.returncode == 130, err
    doc = json.loads(out)
    assert doc["interrupted"] is True
    results = {s["name"]: s for s in doc["stacks"]}
    assert "cancelled" in {s["result"] for s in results.values()}
    assert results["c3"]["result"] == "not started"  # --parallel 2: the third never began
    for stack in results.values():
        if stack["result"] == "cancelled":
            assert stack["pending_operations"] == 0, stack
    assert "Cancelling: no new stack starts" in err
    assert project.locks() == []
    for name in names:
        if results[name]["result"] != "not started":
            exported = project.cli.run("stack", "export", stack=name).stdout
            assert json.loads(exported)["deployment"].get("pending_operations") in (None, [])

    again = project.fleet("up", "--parallel", "2")
    assert again.code == 0, again.stderr
    assert set(again.results().values()) == {"succeeded"}
    for name in names:
        wanted = {m["email"] for m in small_client(project.worlds[name])["members"]}
        assert wanted <= member_emails(project, name)
    plain = project.cli.run("up", "--expect-no-changes", stack="c1")
    assert plain.returncode == 0


def test_parallel_stacks_share_one_rate_budget_and_meet_no_429(project: FleetProject) -> None:
    names = [f"r{i}" for i in range(8)]
    for name in names:
        project.add_stack(name)
    # The pessimistic reading of Instantly's rule: every request of the agency key spends the agency's
    # budget, whichever client workspace it acts in. Eight stack processes with a budget each would
    # send about eight times the limit.
    project.control.set_limits(per_second=10, per_minute=600, per="key_workspace")
    project.control.clear_requests()

    result = project.fleet(
        "up", "--parallel", "8", INSTANTLY_RATE_PER_SECOND="10", INSTANTLY_RATE_PER_MINUTE="600"
    )

    assert result.code == 0, result.stderr
    log = project.requests()
    assert [r for r in log if r["status"] == 429] == []
    assert len(log) == result.doc["api_requests"] > 8 * 8
    assert Path(result.doc["rate_budget_file"]).stat().st_size > 0  # the one budget every stack spent


def test_the_fleet_runs_from_a_fresh_clone_with_its_installed_command(
    installed_copy: InstalledCopy, sandbox: Any, control: Any
) -> None:
    """The README's path: a clone, `pulumi install`, then the project's own `instantly-pulumi` (from the
    clone's .venv) in the project, here from its stacks/ folder (the project is found above)."""
    agency, key = control.create_workspace("Clone agency")
    world = make_world(control, sandbox.base_url, "clonefleet", agency=(agency["id"], key))
    stack_file = installed_copy.root / "stacks" / "Pulumi.clone-fleet.yaml"
    config = {"instantly:baseUrl": sandbox.base_url, f"{PROJECT}:{CONFIG_KEY}": small_client(world)}
    stack_file.write_text(yaml.safe_dump({"config": config}))
    command = [str(installed_copy.root / ".venv" / "bin" / "instantly-pulumi"), "fleet"]
    env = {**installed_copy.cli.environment(), "INSTANTLY_API_KEY": key}
    try:
        up = subprocess.run(
            [*command, "up", "clone-fleet", "--json"],
            cwd=installed_copy.root / "stacks",
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert up.returncode == 0, up.stderr
        stack = json.loads(up.stdout)["stacks"][0]
        assert stack["result"] == "succeeded"
        assert stack["created"] is True
        assert Path(stack["log"]).is_relative_to(installed_copy.root / ".state" / "fleet")
        assert {m["email"] for m in small_client(world)["members"]} <= {
            m["email"] for m in world.list("/workspace-members")
        }
        down = subprocess.run(
            [*command, "destroy", "clone-fleet", "--yes"],
            cwd=installed_copy.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert down.returncode == 0, down.stderr
        assert "clone-fleet" in down.stdout
    finally:
        stack_file.unlink()


def test_preview_with_the_policy_pack_fails_only_the_stack_that_breaks_it(
    project: FleetProject, tmp_path: Path
) -> None:
    project.add_stack("tidy")
    risky = project.add_stack("risky")
    client = small_client(risky)
    client["api_keys"] = [{"name": "root", "scopes": ["all:all"], "allow_full_access": True}]
    project.write("risky", client)
    config = tmp_path / "guardrails.json"
    config.write_text(json.dumps({"keys-declare-rotation": "disabled", "members-have-nicknames": "disabled"}))

    # From a folder below the project root, with paths relative to it: the fleet resolves them
    # (Pulumi itself runs in the project root).
    here = project.root / "stacks"
    pack = os.path.relpath(REPO / "policy", here)
    policies = ["--policy-pack", pack, "--policy-pack-config", "../../guardrails.json"]
    project.control.clear_requests()
    proc = subprocess.run(
        [str(FLEET), "fleet", "preview", "--json", *policies],
        cwd=here,
        env=project.environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    result = FleetResult(proc.returncode, json.loads(proc.stdout), proc.stderr)
    assert result.code == 1, proc.stderr
    assert result.results() == {"risky": "failed", "tidy": "succeeded"}
    error = result.stacks["risky"]["error"]
    assert "policy no-full-access-keys (instantly-access-guardrails)" in error, error
    assert "all:all" in error
    assert "Traceback" not in proc.stderr + error
    assert [r for r in project.requests() if r["method"] != "GET"] == []  # a preview writes nothing

    # Refused before any stack runs: a folder that is no policy pack, a config without its pack.
    for args in (["--policy-pack", str(tmp_path)], ["--policy-pack-config", str(config)]):
        bad = project.fleet("preview", *args)
        assert bad.code == 2, bad.stderr
        assert "--policy-pack" in bad.stderr


def exported_state(project: FleetProject, name: str) -> dict[str, Any]:
    """The stack's state as `pulumi stack export` gives it."""
    doc: dict[str, Any] = json.loads(project.cli.run("stack", "export", stack=name).stdout)
    return doc


def test_detect_drift_names_the_changed_field_and_writes_nothing(project: FleetProject) -> None:
    for name in ("steady", "touched"):
        project.add_stack(name)
    assert project.fleet("up").code == 0
    # Behind the stacks' back: someone makes a viewer of `touched` an editor, in the workspace itself.
    touched = project.worlds["touched"]
    email = small_client(touched)["members"][1]["email"]
    member = next(m for m in touched.list("/workspace-members") if m["email"] == email)
    with touched.api() as api:
        api.patch(f"/workspace-members/{member['id']}", json={"role": "editor"}).raise_for_status()
    before = {name: exported_state(project, name) for name in project.worlds}
    stack_files = {p: p.read_text() for p in (project.root / "stacks").iterdir()}

    project.control.clear_requests()
    result = project.fleet("refresh", "--detect-drift")

    assert result.code == 3, result.stderr
    assert result.doc["detect_drift"] is True
    assert result.doc["drifted"] == ["touched"]
    assert result.stacks["steady"]["drift"] == []
    drifts = result.stacks["touched"]["drift"]
    assert {(d["resource"], d["type"]) for d in drifts} == {(f"member-{email}", "WorkspaceMember")}
    # Read against the state (someone changed it) and against the file (what `up` would do about it).
    assert {(d["found"], d["operation"], tuple(d["fields"])) for d in drifts} == {
        ("changed outside the stack", None, ("role",)),
        ("differs from the file", "update", ("role",)),
    }
    # Nothing written: not the state, not the stack files, not the workspace.
    assert {name: exported_state(project, name) for name in project.worlds} == before
    assert {p: p.read_text() for p in (project.root / "stacks").iterdir()} == stack_files
    assert [r for r in project.requests() if r["method"] != "GET"] == []
    assert next(m for m in touched.list("/workspace-members") if m["email"] == email)["role"] == "editor"

    # For people: the stack, the resource and the field, in the table's notes.
    people = project.start("refresh", "--detect-drift")
    out, err = people.communicate(timeout=600)
    assert people.returncode == 3, err
    assert f"touched: member-{email} (WorkspaceMember): changed outside the stack: role" in out
    assert "1 drifted" in out

    clean = project.fleet("refresh", "--detect-drift", "steady")
    assert clean.code == 0, clean.stderr
    assert clean.doc["drifted"] == []


def history(project: FleetProject, name: str) -> int:
    """How many updates the stack's history holds (`pulumi stack history --json`)."""
    return len(json.loads(project.cli.run("stack", "history", "--json", stack=name).stdout))


def set_agency_team(project: FleetProject, team: list[dict[str, str]]) -> None:
    """The agency team in Pulumi.yaml's project-level config (`instantly-clients:agency`)."""
    path = project.root / "Pulumi.yaml"
    settings = yaml.safe_load(path.read_text())
    settings["config"] = {f"{PROJECT}:agency": {"value": {"team": team}}}
    path.write_text(yaml.safe_dump(settings, sort_keys=False))


def test_up_changed_runs_only_the_stacks_whose_inputs_changed(project: FleetProject) -> None:
    names = ["ch1", "ch2", "ch3"]
    for name in names:
        project.add_stack(name)
    first = project.fleet("up", "--changed")  # nothing recorded yet: every stack runs
    assert first.code == 0, first.stderr
    assert first.results() == dict.fromkeys(names, "succeeded")
    assert {s["why"][0] for s in first.stacks.values()} == {"not on the backend yet"}

    project.control.clear_requests()
    again = project.fleet("up", "--changed")
    assert again.code == 0, again.stderr
    assert again.results() == dict.fromkeys(names, "unchanged"), [s["why"] for s in again.stacks.values()]
    assert project.requests() == []  # no program ran
    assert all(s["log"] is None and s["why"] == [] for s in again.stacks.values())
    before = {name: history(project, name) for name in names}

    # One stack file changes: only that stack runs; the others are reported unchanged.
    client = small_client(project.worlds["ch2"])
    client["members"][0]["role"] = "editor"
    project.write("ch2", client)
    one = project.fleet("up", "--changed")
    assert one.code == 0, one.stderr
    assert one.results() == {"ch1": "unchanged", "ch2": "succeeded", "ch3": "unchanged"}
    assert one.stacks["ch2"]["why"] == ["its stack file changed"]
    assert one.stacks["ch2"]["changes"].get("update") == 1
    after = {name: history(project, name) for name in names}
    assert after == {**before, "ch2": before["ch2"] + 1}

    # The agency config (Pulumi.yaml) is an input of every stack: all of them run.
    set_agency_team(project, [{"email": "ops@agency.example", "access": "viewer"}])
    every = project.fleet("up", "--changed")
    assert every.code == 0, every.stderr
    assert every.results() == dict.fromkeys(names, "succeeded")
    for stack in every.stacks.values():
        assert stack["why"] == [
            "the project settings changed (Pulumi.yaml: the agency config, the program's path)"
        ]
    assert {name: history(project, name) for name in names} == {n: after[n] + 1 for n in names}
    for name in names:
        assert "ops@agency.example" in member_emails(project, name)

    # A failed up records nothing: put back as it was, the stack still runs (it may be half-applied).
    good = project.root / "stacks" / "Pulumi.ch3.yaml"
    text = good.read_text()
    good.write_text(text.replace("role: view", "role: superuser", 1))
    failed = project.fleet("up", "--changed")
    assert failed.code == 1, failed.stderr
    assert failed.results() == {"ch1": "unchanged", "ch2": "unchanged", "ch3": "failed"}
    good.write_text(text)
    retried = project.fleet("up", "--changed")
    assert retried.code == 0, retried.stderr
    assert retried.results() == {"ch1": "unchanged", "ch2": "unchanged", "ch3": "succeeded"}
    assert retried.stacks["ch3"]["why"][0] == "no successful fleet up recorded"


def test_the_summary_says_per_client_who_was_added_and_who_was_removed(project: FleetProject) -> None:
    ops, am, sam = "ops@agency.example", "am@agency.example", "sam@agency.example"
    set_agency_team(project, [{"email": ops, "access": "manager"}, {"email": am, "access": "viewer"}])
    names = ("north", "south")
    for name in names:
        project.add_stack(name)
    # The account manager is in North already, invited by hand: taken over, not invited again.
    role, permissions = models.ACCESS_PRESETS["viewer"]
    with project.worlds["north"].api() as api:
        body = {"email": am, "role": role, "permissions": list(permissions or [])}
        api.post("/workspace-members", json=body).raise_for_status()

    first = project.fleet("up")
    assert first.code == 0, first.stderr
    own = {name: sorted(m["email"] for m in small_client(project.worlds[name])["members"]) for name in names}
    assert first.stacks["north"]["members"] == {
        "added": sorted([ops, *own["north"]]),
        "adopted": [am],
        "reinvited": [],
        "removed": [],
        "left": [],
    }
    assert first.stacks["south"]["members"]["added"] == sorted([am, ops, *own["south"]])

    # Offboarding: one line out of the team, one fleet up; the summary names her in every client.
    set_agency_team(project, [{"email": ops, "access": "manager"}])
    gone = project.fleet("up")
    assert gone.code == 0, gone.stderr
    for name in names:
        assert gone.stacks[name]["members"] == {
            "added": [],
            "adopted": [],
            "reinvited": [],
            "removed": [am],
            "left": [],
        }
        assert am not in member_emails(project, name)
        assert ops in member_emails(project, name)

    # For people, per client: who came and who went.
    set_agency_team(project, [{"email": sam, "access": "viewer"}])
    people = project.start("up")
    out, err = people.communicate(timeout=600)
    assert people.returncode == 0, err
    for name in names:
        assert f"{name}: added {sam}; removed {ops}" in out
        assert member_emails(project, name) & {ops, sam, am} == {sam}
