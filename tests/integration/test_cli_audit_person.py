"""``instantly-pulumi audit --person`` against the sandbox: one person across the agency and its
clients — declared by a client's own file, by the agency team, by nobody, pending — with the stack
files read from a project directory, one member listing per workspace, and its exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.cli_support import Agency, Api, make_agency, run_cli

pytestmark = pytest.mark.integration


@dataclass
class Fleet:
    """An agency with three accepted clients, and Sam (in whatever case) in three of its workspaces."""

    agency: Agency
    acme: str
    globex: str
    initech: str
    sam: str
    seats: dict[str, dict[str, Any]]


def fleet(control: Any, base_url: str, name: str) -> Fleet:
    agency = make_agency(control, base_url, name)
    clients = [agency.client_id]
    for suffix in ("Globex", "Initech"):
        ws, _ = control.create_workspace(f"{name} {suffix}")
        with Api(base_url, agency.agency_key) as api:
            invite = api.post("/workspace-group-members", {"sub_workspace_id": ws["id"]})
        control.accept_group_member(invite["id"])
        clients.append(ws["id"])
    sam = f"sam-{agency.client_id[-6:]}@agency.example"
    seats = {}
    # The agency's own workspace (no stack declares him there), accepted.
    with Api(base_url, agency.agency_key) as api:
        seats["agency"] = api.member(sam.upper(), "editor", permissions=["campaigns.view"])
    control.accept_member(seats["agency"]["id"])
    # Acme (its own file declares him), accepted; Globex (the agency team does), still pending.
    with Api(base_url, agency.agency_key, clients[0]) as api:
        seats["acme"] = api.member(sam, "editor")
    control.accept_member(seats["acme"]["id"])
    with Api(base_url, agency.agency_key, clients[1]) as api:
        seats["globex"] = api.member(sam, "view", permissions=["dashboard.view"])
    return Fleet(agency, *clients, sam=sam, seats=seats)


def project(root: Path, f: Fleet, *, team: bool = True) -> Path:
    """A project whose agency team holds Sam; Acme declares him itself, Globex only through the
    team, Initech opts out of the team."""
    (root / "stacks").mkdir(parents=True)
    settings: dict[str, Any] = {"name": "instantly-clients", "runtime": "python", "stackConfigDir": "stacks"}
    if team:
        settings["config"] = {
            "instantly-clients:agency": {"value": {"team": [{"email": f.sam.title(), "access": "viewer"}]}}
        }
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    clients = {
        "acme": {"workspace_id": f.acme, "members": [{"email": f.sam, "role": "editor"}]},
        "globex": {"workspace_id": f.globex},
        "initech": {"workspace_id": f.initech, "team": False},
    }
    for name, client in clients.items():
        doc = {"config": {"instantly-clients:client": client}}
        (root / "stacks" / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(doc))
    return root


def by_workspace(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {w["workspace_id"]: w for w in doc["workspaces"]}


def test_person_across_the_agency_and_its_clients(sandbox: Any, control: Any, tmp_path: Path) -> None:
    f = fleet(control, sandbox.base_url, "Person")
    root = project(tmp_path / "project", f)
    control.clear_requests()
    run = run_cli(
        "audit", "--person", f.sam.capitalize(), "--json",
        key=f.agency.agency_key, base_url=sandbox.base_url, cwd=root / "stacks",
    )  # fmt: skip
    log = control.requests()
    assert run.code == 1, run.stderr  # access no stack declares: the agency's own workspace
    doc = run.json()
    assert doc["person"] == f.sam.capitalize()
    assert doc["project"] == str(root.resolve())
    seats = by_workspace(doc)
    assert list(seats) == [f.agency.agency_id, f.acme, f.globex, f.initech]

    agency = seats[f.agency.agency_id]
    assert (agency["agency"], agency["status"], agency["declared"], agency["stacks"]) == (
        True, "undeclared", [], []
    )  # fmt: skip
    assert agency["member"] == {
        "id": f.seats["agency"]["id"], "email": f.sam.upper(), "role": "editor",
        "permissions": ["campaigns.view"], "accepted": True, "nickname": None,
    }  # fmt: skip

    acme = seats[f.acme]
    assert (acme["status"], acme["member"]["accepted"], acme["member"]["role"]) == (
        "declared",
        True,
        "editor",
    )
    assert acme["declared"] == [
        {"stack": "acme", "file": "stacks/Pulumi.acme.yaml", "via": "members",
         "line_in": "stacks/Pulumi.acme.yaml", "role": "editor"}
    ]  # fmt: skip

    globex = seats[f.globex]
    assert (globex["status"], globex["member"]["accepted"]) == ("declared", False)
    assert globex["member"]["permissions"] == ["dashboard.view"]
    assert globex["declared"] == [
        {"stack": "globex", "file": "stacks/Pulumi.globex.yaml", "via": "team",
         "line_in": "Pulumi.yaml", "role": "view"}
    ]  # fmt: skip

    initech = seats[f.initech]  # opted out of the team, and Sam is not there
    assert (initech["status"], initech["member"], initech["declared"], initech["stacks"]) == (
        "absent", None, [], ["initech"]
    )  # fmt: skip
    assert doc["summary"] == {
        "workspaces": 4, "member_of": 3, "pending": 1, "declared": 2, "undeclared": 1,
        "missing": 0, "unreachable": 0, "unreadable": 0,
    }  # fmt: skip
    assert (doc["errors"], doc["notes"], doc["exit_code"]) == ([], [], 1)

    # One listing per workspace, plus the key's own workspace and the group: N + 3 for N clients.
    lists = [r for r in log if r["method"] == "GET" and r["path"].endswith("/workspace-members")]
    assert len(lists) == 4
    assert len(log) == doc["requests"] == 6

    people = run_cli("audit", "--person", f.sam, key=f.agency.agency_key, base_url=sandbox.base_url, cwd=root)
    assert people.code == 1
    lines = people.stdout.splitlines()
    row = {name: next(line for line in lines if name in line) for name in ("Agency", "Client", "Globex")}
    assert "NO STACK DECLARES" in row["Agency"]
    assert "stacks/Pulumi.acme.yaml" in row["Client"]
    assert "PENDING" in row["Globex"]
    assert "Pulumi.yaml (team, stack globex)" in row["Globex"]
    assert not any("Initech" in line for line in lines)  # absent: left out of the table
    assert (
        f"{f.sam}: member of 3 of 4 workspaces (1 pending); 2 declared, 1 undeclared, 0 declared but "
        "missing; 6 API requests." in " ".join(people.stdout.split())
    )


def test_person_without_a_team_or_a_project(sandbox: Any, control: Any, tmp_path: Path) -> None:
    f = fleet(control, sandbox.base_url, "NoTeam")
    root = project(tmp_path / "project", f, team=False)
    doc = run_cli(
        "audit", "--person", f.sam, "--json", key=f.agency.agency_key, base_url=sandbox.base_url, cwd=root
    ).json()
    seats = by_workspace(doc)
    # Without the team Globex's file no longer declares him: his pending seat there is undeclared.
    assert seats[f.globex]["status"] == "undeclared"
    assert seats[f.acme]["status"] == "declared"
    assert doc["summary"]["undeclared"] == 2

    outside = run_cli(
        "audit", "--person", f.sam, "--json", key=f.agency.agency_key, base_url=sandbox.base_url,
        cwd=tmp_path,
    )  # fmt: skip
    assert outside.code == 1
    odoc = outside.json()
    assert odoc["project"] is None
    assert "which stack declares the person was not looked up" in odoc["notes"][0]
    assert odoc["summary"]["undeclared"] == 3


def test_person_declared_where_they_are_not_and_nowhere_at_all(
    sandbox: Any, control: Any, tmp_path: Path
) -> None:
    f = fleet(control, sandbox.base_url, "Missing")
    root = project(tmp_path / "project", f)
    newcomer = f"new-{f.acme[-6:]}@agency.example"
    run = run_cli(
        "audit", "--person", newcomer, "--json", key=f.agency.agency_key, base_url=sandbox.base_url,
        cwd=root,
    )  # fmt: skip
    assert run.code == 0, run.stderr  # nowhere, and declared nowhere
    assert run.json()["summary"]["member_of"] == 0
    # The team member is declared in Acme (the team) and Globex but is in neither yet.
    ops = f"ops-{f.acme[-6:]}@agency.example"
    settings = yaml.safe_load((root / "Pulumi.yaml").read_text())
    settings["config"]["instantly-clients:agency"]["value"]["team"].append(
        {"email": ops, "access": "manager"}
    )
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    doc = run_cli(
        "audit", "--person", ops, "--json", key=f.agency.agency_key, base_url=sandbox.base_url, cwd=root
    ).json()
    seats = by_workspace(doc)
    assert [seats[w]["status"] for w in (f.acme, f.globex, f.initech)] == ["missing", "missing", "absent"]
    assert doc["exit_code"] == 0
    # A client whose invitation into the group is still pending: its stack declares the team, and
    # the key cannot read it yet.
    hooli, _ = control.create_workspace("Missing Hooli")
    with Api(sandbox.base_url, f.agency.agency_key) as api:
        api.post("/workspace-group-members", {"sub_workspace_id": hooli["id"]})
    doc_ = {"config": {"instantly-clients:client": {"workspace_id": hooli["id"], "group_membership": {}}}}
    (root / "stacks" / "Pulumi.hooli.yaml").write_text(yaml.safe_dump(doc_))
    pending = run_cli(
        "audit", "--person", ops, "--json", key=f.agency.agency_key, base_url=sandbox.base_url, cwd=root
    )
    assert pending.code == 0, pending.stderr
    seat = by_workspace(pending.json())[hooli["id"]]
    assert (seat["status"], seat["reachable"], seat["member"]) == ("unreachable", False, None)
    assert seat["declared"][0]["via"] == "team"
    assert pending.json()["summary"]["unreachable"] == 1


def test_person_refuses_a_bad_email_and_reports_a_bad_stack_file(
    sandbox: Any, control: Any, tmp_path: Path
) -> None:
    f = fleet(control, sandbox.base_url, "BadFile")
    root = project(tmp_path / "project", f)
    common = {"key": f.agency.agency_key, "base_url": sandbox.base_url, "cwd": root}
    bad = run_cli("audit", "--person", "not-an-email", **common)  # type: ignore[arg-type]
    assert bad.code == 2
    assert "--person 'not-an-email' is not an email address" in bad.stderr
    mixed = run_cli("audit", "--person", f.sam, "--all", **common)  # type: ignore[arg-type]
    assert mixed.code == 2
    assert "--person goes alone" in mixed.stderr
    (root / "stacks" / "Pulumi.broken.yaml").write_text(
        yaml.safe_dump({"config": {"instantly-clients:client": {"workspace_id": f.acme, "memberz": []}}})
    )
    run = run_cli("audit", "--person", f.sam, "--json", **common)  # type: ignore[arg-type]
    assert run.code == 2
    doc = run.json()
    assert doc["errors"] == [
        "stacks/Pulumi.broken.yaml: invalid client stack:\n"
        "  client.memberz: unknown key (did you mean 'members'?)"
    ]
    assert by_workspace(doc)[f.acme]["status"] == "declared"  # the other files still count
