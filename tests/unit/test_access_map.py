"""The access map's view model and page, from an audit document (no sockets, no browser: the
browser test is tests/e2e/test_access_map.py)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from instantly_cli import access_map
from instantly_pulumi import models

REPO = Path(__file__).parents[2]
AGENCY, ACME, GLOBEX = (f"019a0000-0000-7000-8000-00000000000{i}" for i in (1, 2, 3))


def member(email: str, role: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"m-{email}",
        "email": email,
        "role": role,
        "accepted": True,
        "nickname": None,
        "permissions": None,
        "managed": True,
        **extra,
    }


def document() -> dict[str, Any]:
    manager = list(models.ACCESS_PRESETS["manager"][1] or ())
    return {
        "generated_at": "2026-12-06T23:59:01.000Z",
        "stacks": {"checked": True, "note": "the state of 2 stack(s) of /p", "names": ["acme", "globex"]},
        "group_memberships": [
            {"id": "g1", "sub_workspace_id": ACME, "sub_workspace_name": "Acme", "status": "accepted"},
            {
                "id": "g3",
                "sub_workspace_id": "019a-pending",
                "sub_workspace_name": "Initech",
                "status": "pending",
            },
        ],
        "workspaces": [
            {
                "id": AGENCY,
                "name": "Agency",
                "stacks": None,
                "members": [member("boss@agency.example", "owner", managed=None)],
                "api_keys": [],
            },
            {
                "id": ACME,
                "name": "Acme <Corp>",
                "stacks": ["acme"],
                "members": [
                    member("Ops@Agency.example", "editor", permissions=manager),
                    member("intruder@x.example", "admin", managed=False),
                    member("new@acme.example", "view", accepted=False, permissions=["dashboard.view"]),
                ],
                "api_keys": [
                    {
                        "id": "k1",
                        "name": "crm",
                        "scopes": ["campaigns:read"],
                        "full_access": [],
                        "managed": True,
                    },
                    {
                        "id": "k2",
                        "name": "god",
                        "scopes": ["all:all"],
                        "full_access": ["all:all"],
                        "managed": False,
                    },
                ],
            },
            {
                "id": GLOBEX,
                "name": "Globex",
                "stacks": ["globex"],
                "members": [member("ops@agency.example", "view")],
            },
        ],
        "findings": [
            {"kind": "full_access_key", "workspace_id": ACME, "object_id": "k2", "message": "API key 'god'"},
            {
                "id": "f-123",
                "severity": "high",
                "kind": "group_invitation_pending",
                "workspace_id": "019a-pending",
                "object_id": "g3",
                "message": "Initech has not accepted",
                "waiver": {"reason": "signing next week", "expires": "2026-12-31", "expired": False},
            },
        ],
        "errors": [{"workspace_id": GLOBEX, "section": "API keys", "message": "403 forbidden"}],
        "exit_code": 2,
    }


@pytest.mark.parametrize(
    ("role", "permissions", "expected"),
    [
        ("admin", None, "admin"),
        ("admin", ["dashboard.view"], "admin"),
        ("editor", list(reversed(models.ACCESS_PRESETS["sdr"][1] or ())), "sdr"),
        ("view", list(models.ACCESS_PRESETS["viewer"][1] or ()), "viewer"),
        ("editor", list(models.ACCESS_PRESETS["viewer"][1] or ()), None),  # the viewer's rights, not its role
        ("editor", [*(models.ACCESS_PRESETS["sdr"][1] or ()), "organization.billing"], None),
        ("view", None, None),
        ("owner", None, None),
    ],
)
def test_a_preset_is_named_only_when_role_and_permissions_match_it_exactly(
    role: str, permissions: list[str] | None, expected: str | None
) -> None:
    assert access_map.preset_of(role, permissions) == expected


def test_people_are_rows_across_workspaces_with_their_access_in_each() -> None:
    view = access_map.build(document())
    assert [w.name for w in view.workspaces] == ["Agency", "Acme <Corp>", "Globex"]
    assert view.workspaces[0].agency
    assert not view.workspaces[1].agency
    people = {p.email.lower(): p for p in view.people}
    # One person whatever the case of the email, with a cell in each workspace they are in.
    ops = people["ops@agency.example"]
    assert set(ops.cells) == {ACME, GLOBEX}
    assert (ops.cells[ACME].label, ops.cells[GLOBEX].label) == ("manager", "view")
    assert people["intruder@x.example"].cells[ACME].undeclared
    assert not people["new@acme.example"].cells[ACME].accepted
    # Who has undeclared access comes first.
    assert view.people[0].email == "intruder@x.example"
    assert (view.undeclared_cells, view.pending_cells, view.flagged_keys) == (1, 1, 1)
    assert view.workspaces[2].keys is None  # could not be read, not "no keys"
    assert view.taken_at_text == "6 Dec 2026, 23:59 UTC"


def test_findings_carry_their_ids_and_waivers_and_name_their_workspace() -> None:
    view = access_map.build(document())
    plain, waived = view.findings
    assert (plain.id, plain.status, plain.workspace) == (None, "open", "Acme <Corp>")
    assert (waived.id, waived.severity, waived.status, waived.workspace) == (
        "f-123",
        "high",
        "waived",
        "Initech",
    )
    assert view.open_findings == 1


def test_the_page_escapes_what_the_api_says_and_fetches_nothing() -> None:
    doc = document()
    doc["workspaces"][1]["members"][1]["nickname"] = "<script>alert(1)</script>"
    page = access_map.render(access_map.build(doc))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Acme &lt;Corp&gt;" in page
    # Self-contained: nothing loaded from elsewhere, and the policy forbids it anyway.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page
    assert "default-src 'none'" in page
    assert page.count("<script>") == 1  # the filter, inline


def test_the_page_marks_undeclared_pending_and_over_privileged() -> None:
    page = access_map.render(access_map.build(document()))
    assert re.search(r'<td class="c u"[^>]*><span class="role">admin</span>.*?undeclared</span></td>', page)
    pending = r'<td class="c d p"[^>]*><span class="role">view</span><span class="mark pending">'
    assert re.search(pending, page)
    # The owner: neither declared (green) nor undeclared, whatever the stacks say.
    assert (
        '<td class="c" title="role owner; the workspace&#39;s owner"><span class="role">owner</span>' in page
    )
    over = r'<tr class="key over" data-key-id="k2">.*?over-privileged: all:all.*?undeclared</span>'
    assert re.search(over, page, re.S)
    assert '<tr class="key" data-key-id="k1">' in page
    assert "signing next week" in page
    assert "2026-12-31" in page
    assert "403 forbidden" in page


def test_the_template_ships_with_the_package() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["instantly_cli"]
    package = REPO / "provider" / "instantly_cli"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    assert package / "templates" / access_map.TEMPLATE in shipped


def test_the_audits_own_status_wins_and_stale_waivers_are_listed() -> None:
    doc = document()
    doc["findings"][0]["status"] = "waiver expired"
    doc["waivers"] = {
        "file": "/p/audit-waivers.yaml",
        "count": 2,
        "stale": [{"id": "f-gone", "reason": "old exception", "expires": "2027-01-31"}],
    }
    view = access_map.build(doc)
    assert view.findings[0].status == "waiver expired"
    page = access_map.render(view)
    assert '<td class="status-waiver-expired">waiver expired</td>' in page
    assert "<code>f-gone</code> old exception <small>(until 2027-01-31)</small>" in page
