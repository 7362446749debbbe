"""``instantly-pulumi audit`` against the sandbox: flags, the one JSON document, exit codes,
a plan without audit logs, --since, --all with progress, and what it refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli_support import Agency, Api, make_agency, run_cli

pytestmark = pytest.mark.integration

READ_SCOPES = [
    "workspaces:read",
    "workspace_members:read",
    "api_keys:read",
    "custom_tags:read",
    "custom_tag_mappings:read",
    "campaigns:read",
    "audit_logs:read",
    "workspace_group_members:read",
]


def kinds(doc: dict[str, Any]) -> list[tuple[str, str | None]]:
    return sorted((f["kind"], f["object_id"]) for f in doc["findings"])


def test_audit_flags_full_access_keys_and_pending_invitations(
    agency: Agency, control: Any, tmp_path: Path
) -> None:
    with agency.as_client() as api:
        pending = api.member(
            f"new-{agency.client_id[-6:]}@client.example", "editor", permissions=["campaigns.view"]
        )
        narrow = api.post("/api-keys", {"name": "crm", "scopes": ["campaigns:read", "leads:read"]})
        wide = api.post("/api-keys", {"name": "reporting", "scopes": ["all:read"]})
        full = next(k for k in api.get("/api-keys?limit=100")["items"] if k["scopes"] == ["all:all"])
        tag = api.tag("Outbound", "SDR team", campaigns=[agency.campaigns[0]], accounts=[agency.accounts[1]])
    control.record_audit_log(
        agency.client_id, 4, user_name="Dana Scully", campaign_id=agency.campaigns[0],
        timestamp="2026-11-20T10:00:00Z",
    )  # fmt: skip
    control.record_audit_log(agency.client_id, 1, user_name="Fox Mulder", timestamp="2026-11-21T09:00:00Z")
    run = run_cli(
        "audit", "--workspace-id", agency.client_id, "--json",
        key=agency.agency_key, base_url=agency.base_url, cwd=tmp_path, secrets=(agency.client_key,),
    )  # fmt: skip
    assert run.code == 1, run.stderr
    doc = run.json()
    assert doc["exit_code"] == 1
    assert doc["errors"] == []
    assert kinds(doc) == sorted(
        [
            ("full_access_key", full["id"]),
            ("full_access_key", wide["id"]),
            ("pending_invitation", pending["id"]),
        ]
    )
    (ws,) = doc["workspaces"]
    assert ws["id"] == agency.client_id
    assert ws["name"].endswith("Client")
    keys = {k["name"]: k for k in ws["api_keys"]}
    assert keys["crm"] == {
        "id": narrow["id"], "name": "crm", "scopes": ["campaigns:read", "leads:read"], "full_access": [],
        "managed": None, "timestamp_created": narrow["timestamp_created"],
    }  # fmt: skip
    assert keys["reporting"]["full_access"] == ["all:read"]
    assert "key" not in keys["crm"]  # not even masked
    members = {m["email"]: m for m in ws["members"]}
    assert members[pending["email"]]["accepted"] is False
    assert members[pending["email"]]["permissions"] == ["campaigns.view"]
    assert [m["role"] for m in ws["members"]] == ["owner", "editor"]
    assert ws["owner"]["email"] == ws["members"][0]["email"]
    assert ws["tags"] == [
        {
            "id": tag["id"], "label": "Outbound", "description": "SDR team",
            "campaigns": [{"id": agency.campaigns[0], "name": f"{ws['name'].split()[0]} campaign 0"}],
            "accounts": [agency.accounts[1]],
        }
    ]  # fmt: skip
    events = ws["audit_logs"]["events"]  # newest first: the two keys just created, then the recorded ones
    assert [(e["activity"], e["user_name"]) for e in events] == [
        ("API key created", None),
        ("API key created", None),
        ("User login", "Fox Mulder"),
        ("Campaign launch", "Dana Scully"),
    ]
    assert events[0]["affected"] == {"api_key_id": wide["id"]}
    assert events[3]["affected"] == {"campaign_id": agency.campaigns[0]}
    assert doc["group_memberships"] == [
        {
            "id": doc["group_memberships"][0]["id"], "sub_workspace_id": agency.client_id,
            "sub_workspace_name": ws["name"], "status": "accepted",
            "timestamp_created": doc["group_memberships"][0]["timestamp_created"],
        }
    ]  # fmt: skip
    assert doc["stacks"]["checked"] is False
    assert "no Pulumi.yaml here" in doc["stacks"]["note"]
    assert "****" not in run.stdout

    people = run_cli(
        "audit", "--workspace-id", agency.client_id, key=agency.agency_key, base_url=agency.base_url,
        cwd=tmp_path,
    )  # fmt: skip
    assert people.code == 1
    for text in ("API keys by scope", "FULL ACCESS", "PENDING INVITATION", "Campaign launch", "Dana Scully"):
        assert text in people.stdout


def test_audit_says_a_plan_without_audit_logs_is_not_an_error_and_exits_0_when_clean(
    agency: Agency, control: Any, tmp_path: Path
) -> None:
    # A workspace with nothing to flag: its one full-access key replaced by a narrow one.
    with Api(agency.base_url, agency.client_key) as api:
        reader = api.post("/api-keys", {"name": "auditor", "scopes": [*READ_SCOPES, "api_keys:delete"]})
    with Api(agency.base_url, reader["key"]) as api:
        full = next(k for k in api.get("/api-keys?limit=100")["items"] if k["scopes"] == ["all:all"])
        api.delete(f"/api-keys/{full['id']}")
    control.set_plan(agency.client_id, audit_logs=False)
    run = run_cli(
        "audit", "--workspace-id", agency.client_id, "--json", key=reader["key"], base_url=agency.base_url,
        cwd=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.stdout + run.stderr
    doc = run.json()
    assert doc["findings"] == []
    assert doc["errors"] == []
    logs = doc["workspaces"][0]["audit_logs"]
    assert logs["available"] is False
    assert logs["note"] == (
        "audit logs are not on this workspace's plan (Workspace plan does not include audit logs)"
    )
    people = run_cli(
        "audit", "--workspace-id", agency.client_id, key=reader["key"], base_url=agency.base_url, cwd=tmp_path
    )
    assert people.code == 0
    assert "Audit log: audit logs are not on this workspace's plan" in people.stdout
    assert "Nothing flagged." in people.stdout


def test_audit_all_walks_the_agency_and_every_accepted_client(
    sandbox: Any, control: Any, tmp_path: Path
) -> None:
    first = make_agency(control, sandbox.base_url, "Walk")
    second, _ = control.create_workspace("Walk Pending")
    with Api(sandbox.base_url, first.agency_key) as api:
        invite = api.post("/workspace-group-members", {"sub_workspace_id": second["id"]})
    run = run_cli("audit", "--all", "--json", key=first.agency_key, base_url=sandbox.base_url, cwd=tmp_path)
    assert run.code == 1, run.stderr
    doc = run.json()
    assert [w["id"] for w in doc["workspaces"]] == [first.agency_id, first.client_id]
    assert [(g["sub_workspace_id"], g["status"]) for g in doc["group_memberships"]] == [
        (first.client_id, "accepted"),
        (second["id"], "pending"),
    ]
    assert ("group_invitation_pending", invite["id"]) in kinds(doc)
    # Progress on stderr, one line per workspace when it is not a terminal; stdout stays one document.
    assert "auditing 1/2: the agency's own workspace" in run.stderr
    assert "auditing 2/2: Walk Client" in run.stderr


def test_audit_since_keeps_the_events_from_that_date(agency: Agency, control: Any, tmp_path: Path) -> None:
    control.record_audit_log(agency.client_id, 5, user_name="Old", timestamp="2025-01-02T00:00:00Z")
    control.record_audit_log(agency.client_id, 4, user_name="New", timestamp="2026-10-02T00:00:00Z")
    for since in ("2026-01-01", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00"):
        run = run_cli(
            "audit", "--workspace-id", agency.client_id, "--since", since, "--json",
            key=agency.agency_key, base_url=agency.base_url, cwd=tmp_path,
        )  # fmt: skip
        doc = run.json()
        assert doc["since"] == "2026-01-01T00:00:00.000Z"
        names = [e["user_name"] for e in doc["workspaces"][0]["audit_logs"]["events"]]
        assert "New" in names
        assert "Old" not in names
    bad = run_cli(
        "audit", "--workspace-id", agency.client_id, "--since", "last week",
        key=agency.agency_key, base_url=agency.base_url,
    )  # fmt: skip
    assert bad.code == 2
    assert "--since 'last week' is not a date: give YYYY-MM-DD or an ISO 8601 date-time" in bad.stderr


def test_audit_refuses_what_it_cannot_do(agency: Agency, control: Any, tmp_path: Path) -> None:
    common = {"key": agency.agency_key, "base_url": agency.base_url, "cwd": tmp_path}
    neither = run_cli("audit", **common)  # type: ignore[arg-type]
    both = run_cli("audit", "--all", "--workspace-id", agency.client_id, **common)  # type: ignore[arg-type]
    for run in (neither, both):
        assert run.code == 2
        assert "give either --workspace-id ID or --all" in run.stderr
    outsider, _ = control.create_workspace("Not In The Group")
    run = run_cli("audit", "--workspace-id", outsider["id"], "--json", **common)  # type: ignore[arg-type]
    assert run.code == 2
    assert run.json()["errors"][0]["message"] == (
        f"the agency key cannot read workspace {outsider['id']}: it is not in the group"
    )
    wrong = run_cli("audit", "--all", key="sk_not_a_key", base_url=agency.base_url, cwd=tmp_path)
    assert wrong.code == 2
    assert "HTTP 401" in wrong.stderr
