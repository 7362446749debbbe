"""``instantly-pulumi discover`` against the sandbox: the installed console script, a workspace
populated through the API by hand, the file it writes read back and validated as a stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from instantly_pulumi.stack import parse_client
from tests.integration.cli_support import Agency, Api, make_agency, run_cli, writes

pytestmark = pytest.mark.integration

CLIENT = "instantly-clients:client"


def populate(agency: Agency, control: Any) -> dict[str, Any]:
    """Members (one with permissions), keys and tags (one on an account), made by hand."""
    api = agency.as_client()
    slug = agency.client_id[-6:]
    ana = api.member(f"ana-{slug}@client.example", "admin", nickname="Ana (lead)")
    control.accept_member(ana["id"])
    api.member(
        f"sam-{slug}@client.example", "editor", nickname="Sam", permissions=["campaigns.view", "leads.move"]
    )
    api.member(f"vic-{slug}@client.example", "view")
    api.post("/api-keys", {"name": "crm sync", "scopes": ["campaigns:read"]})
    api.post("/api-keys", {"name": "reporting", "scopes": ["all:read"]})
    c, a = agency.campaigns, agency.accounts
    api.tag("Outbound", "SDR team", campaigns=[c[0], c[1]], accounts=[a[0]])
    api.tag("Inboxes", accounts=[a[1]])
    api.tag("Later", "nothing tagged yet")
    logo = f"https://cdn.example.com/{slug}.png"
    api.http.patch("/workspaces/current", json={"org_logo_url": logo}).raise_for_status()
    name = api.get("/workspaces/current")["name"]
    api.close()
    return {
        "workspace_id": agency.client_id,
        "adopt": True,
        "group_membership": {"adopt": True, "wait_for_acceptance": True},
        "profile": {"name": name, "org_logo_url": logo},
        "members": [
            {"email": ana["email"], "role": "admin", "nickname": "Ana (lead)"},
            {
                "email": f"sam-{slug}@client.example",
                "role": "editor",
                "nickname": "Sam",
                "permissions": ["campaigns.view", "leads.move"],
            },
            {"email": f"vic-{slug}@client.example", "role": "view"},
        ],
        "tags": [
            {"label": "Outbound", "description": "SDR team", "campaigns": [c[0], c[1]], "accounts": [a[0]]},
            {"label": "Inboxes", "accounts": [a[1]]},
            {"label": "Later", "description": "nothing tagged yet"},
        ],
    }


def test_discover_writes_the_workspace_as_the_api_has_it(
    agency: Agency, control: Any, tmp_path: Path
) -> None:
    expected = populate(agency, control)
    out = tmp_path / "Pulumi.acme.yaml"
    control.clear_requests()
    run = run_cli(
        "discover", "--workspace-id", agency.client_id, "--output", str(out),
        key=agency.agency_key, base_url=agency.base_url,
    )  # fmt: skip
    assert run.code == 0, run.stderr
    log = control.requests()
    assert writes(log) == []
    assert f"{len(log)} API requests (reads only)" in run.stderr
    text = out.read_text()
    doc = yaml.safe_load(text)
    assert doc["config"] == {"instantly:baseUrl": agency.base_url, CLIENT: expected}
    parse_client(doc["config"][CLIENT])
    assert agency.agency_key not in text
    assert agency.client_key not in text
    # What a stack cannot take over is there as comments: the owner, and each key by name, scopes and id.
    assert "the owner: the API can neither grant nor remove that role" in text
    with agency.as_client() as api:
        keys = {k["name"]: k for k in api.get("/api-keys?limit=100")["items"]}
    for name, scopes in (("crm sync", "campaigns:read"), ("reporting", "all:read")):
        assert f"name: {name}  scopes: [{scopes}]  id: {keys[name]['id']}" in text
    assert "scopes: [all:read]" in next(line for line in text.splitlines() if "reporting" in line)
    assert "<- full access" in next(line for line in text.splitlines() if "reporting" in line)
    assert "pulumi up --stack acme " in text  # the stack's name, from the file's
    # Campaign names as comments beside their ids.
    assert f"{agency.campaigns[0]}  # " in text


def test_discover_prints_to_stdout_or_names_the_file_after_the_client(
    agency: Agency, control: Any, tmp_path: Path
) -> None:
    expected = populate(agency, control)
    args = ("discover", "--workspace-id", agency.client_id)
    env = {"key": agency.agency_key, "base_url": agency.base_url, "cwd": tmp_path}
    to_stdout = run_cli(*args, **env)  # type: ignore[arg-type]
    assert to_stdout.code == 0
    assert yaml.safe_load(to_stdout.stdout)["config"][CLIENT] == expected
    assert run_cli(*args, "--output", "-", **env).stdout.splitlines()[8:] == to_stdout.stdout.splitlines()[8:]  # type: ignore[arg-type]

    named = run_cli(*args, "--client", "acme", **env)  # type: ignore[arg-type]
    path = tmp_path / "stacks" / "Pulumi.acme.yaml"
    assert named.code == 0
    assert named.stdout == ""
    assert yaml.safe_load(path.read_text())["config"][CLIENT] == expected
    assert "pulumi stack init acme" in path.read_text()

    # Never over an existing file without --force; --force keeps the stack's secrets.
    again = run_cli(*args, "--client", "acme", **env)  # type: ignore[arg-type]
    assert again.code == 2
    assert "stacks/Pulumi.acme.yaml exists: pass --force to replace it" in again.stderr
    secret = {"secure": "v1:abc:def"}
    path.write_text(yaml.safe_dump({"encryptionsalt": "v1:salt", "config": {"instantly:apiKey": secret}}))
    forced = run_cli(*args, "--client", "acme", "--force", **env)  # type: ignore[arg-type]
    assert forced.code == 0, forced.stderr
    doc = yaml.safe_load(path.read_text())
    assert doc["encryptionsalt"] == "v1:salt"
    assert doc["config"]["instantly:apiKey"] == secret
    assert doc["config"][CLIENT] == expected

    bad = run_cli(*args, "--client", "a/b", **env)  # type: ignore[arg-type]
    assert bad.code == 2
    assert "--client 'a/b'" in bad.stderr


def test_discover_pages_through_hundreds_of_members_and_tags(
    agency: Agency, control: Any, tmp_path: Path
) -> None:
    control.set_limits(per_second=100_000, per_minute=1_000_000)
    api = agency.as_client()
    for i in range(130):
        api.member(
            f"person{i:03d}-{agency.client_id[-6:]}@client.example", ("admin", "editor", "view")[i % 3]
        )
    for i in range(120):
        if i % 10 == 0:
            api.tag(f"team {i:03d}", accounts=[agency.accounts[i % 20 // 10]])
        else:
            api.tag(f"team {i:03d}")
    api.close()
    control.set_limits(per_second=100, per_minute=6_000)
    out = tmp_path / "Pulumi.big.yaml"
    control.clear_requests()
    run = run_cli(
        "discover", "--workspace-id", agency.client_id, "--output", str(out),
        key=agency.agency_key, base_url=agency.base_url,
    )  # fmt: skip
    assert run.code == 0, run.stderr
    client = parse_client(yaml.safe_load(out.read_text())["config"][CLIENT])
    assert len(client.members) == 130
    assert len(client.tags) == 120
    assert sorted(t.label for t in client.tags) == [f"team {i:03d}" for i in range(120)]
    assert [len(t.accounts) for t in client.tags].count(1) == 12
    pages = [r for r in control.requests() if r["path"] == "/api/v2/workspace-members"]
    assert len(pages) == 2  # 131 members with the owner: 100 + 31
    assert len([r for r in control.requests() if r["path"] == "/api/v2/custom-tags"]) == 2


def test_discover_refuses_a_workspace_the_agency_key_cannot_read(
    sandbox: Any, control: Any, tmp_path: Path
) -> None:
    pending = make_agency(control, sandbox.base_url, "Pending", accept=False)
    run = run_cli(
        "discover", "--workspace-id", pending.client_id, key=pending.agency_key, base_url=sandbox.base_url
    )
    assert run.code == 2
    assert "its owner has not accepted yet" in run.stderr
    _, outsider_key = control.create_workspace("Outsider")
    run = run_cli(
        "discover", "--workspace-id", pending.client_id, key=outsider_key, base_url=sandbox.base_url
    )
    assert run.code == 2
    assert "is not a member of the agency's group" in run.stderr
    no_key = run_cli("discover", "--workspace-id", pending.client_id, key=None, base_url=sandbox.base_url)
    assert no_key.code == 2
    assert "export INSTANTLY_API_KEY" in no_key.stderr
    bad_id = run_cli("discover", "--workspace-id", "acme", key=pending.agency_key, base_url=sandbox.base_url)
    assert bad_id.code == 2
    assert "--workspace-id: 'acme' is not a workspace id" in bad_id.stderr


def test_discover_of_the_keys_own_workspace_declares_it_as_the_agencys(agency: Agency, control: Any) -> None:
    with Api(agency.base_url, agency.agency_key) as api:
        api.member(f"ops-{agency.agency_id[-6:]}@agency.example", "admin")
    run = run_cli(
        "discover", "--workspace-id", agency.agency_id, key=agency.agency_key, base_url=agency.base_url
    )
    assert run.code == 0, run.stderr
    client = yaml.safe_load(run.stdout)["config"][CLIENT]
    assert client["agency_workspace"] is True
    assert "group_membership" not in client
    assert [m["email"] for m in client["members"]] == [f"ops-{agency.agency_id[-6:]}@agency.example"]
    parse_client(client)


def test_discover_leaves_out_the_agency_team_where_it_grants_what_they_have(
    agency: Agency, control: Any, tmp_path: Path
) -> None:
    expected = populate(agency, control)
    ana, sam, vic = (m["email"] for m in expected["members"])
    # The project's agency team: Ana as she is (left out), Sam with less than he has (kept, overriding).
    team = [{"email": ana.upper(), "role": "admin"}, {"email": sam, "access": "viewer"}]
    (tmp_path / "Pulumi.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "instantly-clients",
                "runtime": "python",
                "config": {"instantly-clients:agency": {"value": {"team": team}}},
            }
        )
    )
    run = run_cli(
        "discover", "--workspace-id", agency.client_id, "--output", "-",
        key=agency.agency_key, base_url=agency.base_url, cwd=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.stderr
    value = yaml.safe_load(run.stdout)["config"][CLIENT]
    assert [m["email"] for m in value["members"]] == [sam, vic]
    assert value["members"][0] == expected["members"][1]  # what Sam has here, kept for this client
    assert f"Not declared: {ana}, of the agency team (Pulumi.yaml): it grants what they have." in run.stdout
    assert "a client's entry overrides the team's" in run.stdout
    assert value["profile"] == expected["profile"]

    # A team with a mistake is named, not ignored.
    (tmp_path / "Pulumi.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "instantly-clients",
                "runtime": "python",
                "config": {
                    "instantly-clients:agency": {"value": {"team": [{"email": ana, "access": "mangaer"}]}}
                },
            }
        )
    )
    bad = run_cli(
        "discover", "--workspace-id", agency.client_id, "--output", "-",
        key=agency.agency_key, base_url=agency.base_url, cwd=tmp_path,
    )  # fmt: skip
    assert bad.code == 2
    assert "Pulumi.yaml:" in bad.stderr
    assert "did you mean 'manager'?" in bad.stderr
