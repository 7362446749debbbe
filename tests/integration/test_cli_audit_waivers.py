"""``instantly-pulumi audit`` as a CI gate, against the sandbox: findings at the top level with
stable ids, waivers that hold, expire and go stale, and a waivers file with mistakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.cli_support import Agency, run_cli

pytestmark = pytest.mark.integration

FUTURE, PAST = "2099-12-31", "2020-01-01"


def audit(agency: Agency, cwd: Path, *args: str) -> Any:
    return run_cli(
        "audit", "--all", "--json", *args, key=agency.agency_key, base_url=agency.base_url, cwd=cwd
    )


def findings(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, workspace) → finding, for this test's own workspaces."""
    return {(f["kind"], f["workspace_id"]): f for f in doc["findings"]}


def write(path: Path, waivers: Any) -> Path:
    path.write_text(yaml.safe_dump(waivers, sort_keys=False))
    return path


def test_findings_have_stable_ids_severity_and_a_message(agency: Agency, tmp_path: Path) -> None:
    with agency.as_client() as api:
        invited = api.member(f"pat-{agency.client_id[-6:]}@client.example", "editor")
        api.http.patch("/workspaces/current", json={"org_logo_url": "https://cdn.example.com/c.png"})
    first = audit(agency, tmp_path)
    assert first.code == 1, first.stderr
    doc = first.json()
    # Each workspace's profile, as the WorkspaceProfile resource declares it.
    profiles = {w["id"]: w["profile"] for w in doc["workspaces"]}
    assert profiles[agency.client_id] == {
        "name": doc["workspaces"][1]["name"], "org_logo_url": "https://cdn.example.com/c.png", "managed": None
    }  # fmt: skip
    assert profiles[agency.agency_id]["org_logo_url"] is None
    assert set(doc) >= {"findings", "waivers", "errors", "workspaces", "exit_code"}
    for f in doc["findings"]:
        assert set(f) >= {"id", "severity", "workspace_id", "message"}
        assert f["id"].startswith(f["kind"] + ":")
        assert f["waived"] is False
        assert f["waiver"] is None
    found = findings(doc)
    pending = found[("pending_invitation", agency.client_id)]
    assert pending["severity"] == "low"
    assert pending["subject"] == invited["email"]
    assert found[("full_access_key", agency.client_id)]["severity"] == "high"
    assert (
        found[("full_access_key", agency.agency_id)]["id"]
        != found[("full_access_key", agency.client_id)]["id"]
    )
    assert len({f["id"] for f in doc["findings"]}) == len(doc["findings"])

    # Tomorrow, the same problem: the invitation withdrawn and sent again (a new object, new API id,
    # the email in another case) is the same finding, under the same id.
    with agency.as_client() as api:
        api.delete(f"/workspace-members/{invited['id']}")
        again = api.member(invited["email"].upper(), "editor")
    assert again["id"] != invited["id"]
    later = findings(audit(agency, tmp_path).json())
    assert later[("pending_invitation", agency.client_id)]["id"] == pending["id"]
    assert {f["id"] for f in later.values()} == {f["id"] for f in found.values()}


def test_waivers_hold_expire_and_go_stale(agency: Agency, tmp_path: Path) -> None:
    with agency.as_client() as api:
        api.member(f"lee-{agency.client_id[-6:]}@client.example", "view")
    found = findings(audit(agency, tmp_path).json())
    client_key = found[("full_access_key", agency.client_id)]["id"]
    agency_key = found[("full_access_key", agency.agency_id)]["id"]
    pending = found[("pending_invitation", agency.client_id)]["id"]
    gone = "full_access_key:" + "0" * 12
    write(
        tmp_path / "audit-waivers.yaml",  # the default file: no project here, so the working directory
        [
            {"id": client_key, "reason": "the client's own integration (TICKET-1)", "expires": FUTURE},
            {"id": agency_key, "reason": "bootstrap key, rotated in Q1", "expires": FUTURE},
            {"id": pending, "reason": "Lee starts next month", "expires": PAST},
            {"id": gone, "reason": "a key deleted since", "expires": FUTURE},
        ],
    )
    run = audit(agency, tmp_path)
    assert run.code == 1, run.stderr  # the expired waiver counts again
    doc = run.json()
    by_id = {f["id"]: f for f in doc["findings"]}
    assert by_id[client_key]["waived"] is True
    assert by_id[client_key]["waiver"] == {
        "reason": "the client's own integration (TICKET-1)", "expires": FUTURE, "expired": False
    }  # fmt: skip
    assert by_id[pending]["waived"] is False
    assert by_id[pending]["waiver"] == {"reason": "Lee starts next month", "expires": PAST, "expired": True}
    assert doc["waivers"]["file"] == str(tmp_path / "audit-waivers.yaml")
    assert doc["waivers"]["stale"] == [{"id": gone, "reason": "a key deleted since", "expires": FUTURE}]

    people = run_cli("audit", "--all", key=agency.agency_key, base_url=agency.base_url, cwd=tmp_path)
    assert people.code == 1
    text = " ".join(people.stdout.split())
    assert f"waived until {FUTURE}: the client's own integration (TICKET-1)" in text
    assert f"EXPIRED {PAST}, counts again: Lee starts next month" in text
    assert f"stale waiver {gone} (a key deleted since): no such finding any more" in text
    assert "profile: name" in text

    # Every finding waived (in a file named with --waivers): exit 0, the stale waiver notwithstanding.
    other = tmp_path / "ci"
    other.mkdir()
    entries = [{"id": i, "reason": "accepted", "expires": FUTURE} for i in by_id]
    write(other / "accepted.yaml", [*entries, {"id": gone, "reason": "stale", "expires": FUTURE}])
    clean = audit(agency, tmp_path, "--waivers", str(other / "accepted.yaml"))
    assert clean.code == 0, clean.stdout
    assert all(f["waived"] for f in clean.json()["findings"])
    assert [w["id"] for w in clean.json()["waivers"]["stale"]] == [gone]

    # One workspace cannot tell another's finding is gone: no stale waivers there.
    one = run_cli(
        "audit", "--workspace-id", agency.client_id, "--json", "--waivers", str(other / "accepted.yaml"),
        key=agency.agency_key, base_url=agency.base_url, cwd=tmp_path,
    )  # fmt: skip
    assert one.code == 0, one.stdout
    assert one.json()["waivers"]["stale"] == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            [
                {"id": "full_access_key:0123456789ab", "reason": "ok", "expires": FUTURE},
                {"id": "full_access_key:0123456789ac", "reason": "x", "expires": "soon"},
            ],
            "entry 2 (id 'full_access_key:0123456789ac'): expires: 'soon' is not a date: give YYYY-MM-DD",
        ),
        (
            [{"id": "full_access_key:0123456789ab", "expires": FUTURE}],
            "entry 1 (id 'full_access_key:0123456789ab'): reason: missing",
        ),
        (
            [{"id": "full_access_key:0123456789ab", "reason": " ", "expires": FUTURE}],
            "reason: must say why the finding is accepted",
        ),
        (
            [{"id": "pending_invitation:0123456789ab", "reason": "r", "expires": FUTURE, "owner": "me"}],
            "entry 1 (id 'pending_invitation:0123456789ab'): owner: unknown key (a waiver has id, reason, "
            "expires)",
        ),
        (
            [{"id": "FULL-ACCESS", "reason": "r", "expires": FUTURE}],
            "entry 1 (id 'FULL-ACCESS'): id: 'FULL-ACCESS' is not a finding id",
        ),
        (
            [{"id": "no_such_kind:0123456789ab", "reason": "r", "expires": FUTURE}],
            "no finding is of kind 'no_such_kind'",
        ),
        (
            [{"id": "full_access_key:0123456789ab", "reason": "r", "expires": "2027-02-30"}],
            "expires: '2027-02-30' is not a day of the calendar",
        ),
        (
            [{"id": "full_access_key:0123456789ab", "reason": "r", "expires": 20270101}],
            "expires: 20270101 is not a date",
        ),
        (
            [{"id": "full_access_key:0123456789ab", "reason": "a", "expires": FUTURE}] * 2,
            "waiver full_access_key:0123456789ab is listed twice",
        ),
        ({"id": "full_access_key:0123456789ab"}, "must be a list of waivers"),
        ("- id: [unclosed", "not valid YAML"),
    ],
)
def test_a_waivers_file_with_a_mistake_stops_the_audit_naming_it(
    sandbox: Any, content: Any, expected: str, tmp_path: Path
) -> None:
    path = tmp_path / "audit-waivers.yaml"
    path.write_text(content) if isinstance(content, str) else write(path, content)
    # Checked before any API call: no key is needed to be told.
    run = run_cli("audit", "--all", key="sk_unused", base_url=sandbox.base_url, cwd=tmp_path)
    assert run.code == 2
    assert str(path) in run.stderr
    assert expected in " ".join(run.stderr.split())


def test_a_waivers_file_named_must_exist_and_is_found_at_the_project_root(
    agency: Agency, tmp_path: Path
) -> None:
    run = run_cli(
        "audit", "--all", "--waivers", str(tmp_path / "nope.yaml"), key=agency.agency_key,
        base_url=agency.base_url, cwd=tmp_path,
    )  # fmt: skip
    assert run.code == 2
    assert f"--waivers {tmp_path / 'nope.yaml'}: no such file" in run.stderr
    # In a project's sub-directory, the file beside Pulumi.yaml is the one read.
    (tmp_path / "Pulumi.yaml").write_text("name: instantly-clients\nruntime: python\n")
    (tmp_path / "stacks").mkdir()
    write(
        tmp_path / "audit-waivers.yaml", [{"id": "full_access_key:0123456789ab", "reason": "r", "expires": 1}]
    )
    nested = run_cli(
        "audit", "--all", key=agency.agency_key, base_url=agency.base_url, cwd=tmp_path / "stacks"
    )
    assert nested.code == 2
    assert str(tmp_path / "audit-waivers.yaml") in nested.stderr
