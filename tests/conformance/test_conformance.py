"""Every operation of the subset, success and error answers, checked against the official schemas.

The ``api`` fixture validates each response body; these tests drive every
operation and assert the statuses (and, where the API documents them, the messages).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import SEEN, SPEC, validate_response

pytestmark = pytest.mark.conformance

SCHEDULE = {
    "schedules": [
        {
            "name": "Office hours",
            "timing": {"from": "09:00", "to": "17:00"},
            "days": {"1": True, "2": True},
            "timezone": "Etc/GMT+12",
        }
    ]
}


def account_body(email: str) -> dict[str, Any]:
    return {
        "email": email,
        "first_name": "Sam",
        "last_name": "Sender",
        "provider_code": 1,
        "imap_username": email,
        "imap_password": "pw",
        "imap_host": "imap.example.com",
        "imap_port": 993,
        "smtp_username": email,
        "smtp_password": "pw",
        "smtp_host": "smtp.example.com",
        "smtp_port": 587,
    }


Api = Callable[..., httpx.Client]


def test_workspace_members(api: Api, workspace_factory: Any) -> None:
    _, key = workspace_factory()
    c = api(key)
    created = c.post(
        "/workspace-members", json={"email": "ana@x.example", "role": "editor", "nickname": "Ana"}
    )
    assert created.status_code == 200
    member = created.json()
    assert member["accepted"] is False
    assert c.get("/workspace-members", params={"accepted": "false"}).json()["items"] == [member]
    assert [m["email"] for m in c.get("/workspace-members", params={"search": "ANA"}).json()["items"]] == [
        "ana@x.example"
    ]
    assert c.get(f"/workspace-members/{member['id']}").json() == member
    patched = c.patch(f"/workspace-members/{member['id']}", json={"role": "admin"})
    assert patched.json()["role"] == "admin"
    assert c.delete(f"/workspace-members/{member['id']}").json()["id"] == member["id"]

    assert c.post("/workspace-members", json={"role": "view"}).json()["message"] == (
        "body must have required property 'email'"
    )
    assert c.post("/workspace-members", json={"email": "b@x.example", "role": "boss"}).json()["message"] == (
        "body/role must be equal to one of the allowed values"
    )
    assert c.post("/workspace-members", json={"email": "b@x.example", "role": "owner"}).status_code == 400
    assert c.post("/workspace-members", json={"email": "nope", "role": "view"}).status_code == 400
    c.post("/workspace-members", json={"email": "dup@x.example", "role": "view"})
    dup = c.post("/workspace-members", json={"email": "DUP@x.example", "role": "view"})
    assert (dup.status_code, dup.json()["message"]) == (
        400,
        "A member with this email already exists in the workspace",
    )
    assert c.get("/workspace-members/00000000-0000-7000-8000-000000000000").status_code == 404
    assert (
        c.patch("/workspace-members/00000000-0000-7000-8000-000000000000", json={"role": "view"}).status_code
        == 404
    )
    assert c.delete("/workspace-members/00000000-0000-7000-8000-000000000000").status_code == 404
    assert api(None).get("/workspace-members").status_code == 401
    assert (
        api("sk_wrong").post("/workspace-members", json={"email": "a@b.co", "role": "view"}).status_code
        == 401
    )


def test_api_keys_and_audit_logs(api: Api, workspace_factory: Any) -> None:
    _, key = workspace_factory()
    c = api(key)
    created = c.post("/api-keys", json={"name": "reader", "scopes": ["campaigns:read"]})
    assert created.status_code == 200
    full = created.json()["key"]
    listed = {k["id"]: k for k in c.get("/api-keys").json()["items"]}
    assert full not in str(listed)
    assert listed[created.json()["id"]]["key"].endswith(full[-4:])
    assert c.post("/api-keys", json={"name": "x", "scopes": ["campaigns:reed"]}).status_code == 400
    assert c.post("/api-keys", json={"scopes": ["campaigns:read"]}).json()["message"] == (
        "body must have required property 'name'"
    )
    deleted = c.delete(f"/api-keys/{created.json()['id']}")
    assert deleted.status_code == 200
    assert full not in deleted.text
    assert c.delete(f"/api-keys/{created.json()['id']}").status_code == 404
    own_id = next(k["id"] for k in c.get("/api-keys").json()["items"] if k["name"] == "Sandbox full access")
    own = c.delete(f"/api-keys/{own_id}")
    assert (own.status_code, own.json()["message"]) == (400, "An API key cannot delete itself")

    logs = c.get("/audit-logs", params={"limit": 1000}).json()["items"]
    assert [entry["activity_type"] for entry in logs] == [38, 37]
    assert [
        e["activity_type"] for e in c.get("/audit-logs", params={"activity_type": 37}).json()["items"]
    ] == [37]
    assert (
        c.get("/audit-logs", params={"limit": 1001}).json()["message"] == "querystring/limit must be <= 1000"
    )
    assert c.get("/audit-logs", params={"search": "reader"}).status_code == 200
    assert c.get("/audit-logs", params={"start_date": "2999-01-01T00:00:00.000Z"}).json()["items"] == []

    reader = api(created.json()["key"])
    assert reader.get("/api-keys").status_code == 401  # deleted keys stop working


def test_scopes_are_enforced(api: Api, workspace_factory: Any) -> None:
    _, key = workspace_factory()
    narrow = api(key).post("/api-keys", json={"name": "n", "scopes": ["campaigns:read"]}).json()["key"]
    denied = api(narrow).get("/workspace-members")
    assert denied.status_code == 403
    assert denied.json()["message"] == (
        "API key is missing one of the scopes: "
        "workspace_members:read, workspace_members:all, all:read, all:all"
    )
    assert api(narrow).get("/campaigns").status_code == 200
    assert (
        api(narrow)
        .post(
            "/custom-tags/toggle-resource",
            json={"tag_ids": ["t"], "resource_type": 2, "resource_ids": ["c"], "assign": True},
        )
        .status_code
        == 403
    )
    assert api(narrow).get("/workspace-group-members/admin").status_code == 403


def test_workspace_group(api: Api, workspace_factory: Any, control: Any) -> None:
    admin, admin_key = workspace_factory()
    sub, sub_key = workspace_factory()
    other, other_key = workspace_factory()
    a = api(admin_key)
    invited = a.post("/workspace-group-members", json={"sub_workspace_id": sub["id"]})
    assert invited.status_code == 200
    inv = invited.json()
    assert (inv["status"], inv["admin_workspace_id"], inv["sub_workspace_name"]) == (
        "pending",
        admin["id"],
        sub["name"],
    )
    again = a.post("/workspace-group-members", json={"sub_workspace_id": sub["id"]})
    assert (again.status_code, again.json()["message"]) == (
        409,
        "The sub workspace already has an active parent or invitation",
    )
    # The sub may not be an admin too, nor the admin a sub.
    assert (
        api(sub_key).post("/workspace-group-members", json={"sub_workspace_id": other["id"]}).status_code
        == 409
    )
    assert (
        api(other_key).post("/workspace-group-members", json={"sub_workspace_id": admin["id"]}).status_code
        == 409
    )
    assert a.post("/workspace-group-members", json={"sub_workspace_id": admin["id"]}).status_code == 400
    assert a.post("/workspace-group-members", json={}).status_code == 400
    missing = a.post(
        "/workspace-group-members", json={"sub_workspace_id": "00000000-0000-7000-8000-000000000000"}
    )
    assert missing.status_code == 404

    # Pending: the admin may not act as the sub yet.
    assert api(admin_key, sub["id"]).get("/workspace-members").status_code == 403
    assert api(sub_key).get("/workspace-group-members/admin").json() == {
        "workspace_name": "Undefined",
        "has_admin_workspace": False,
    }
    control.accept_group_member(inv["id"])
    assert api(admin_key, sub["id"]).get("/workspace-members").status_code == 200
    assert api(sub_key).get("/workspace-group-members/admin").json() == {
        "workspace_name": admin["name"],
        "has_admin_workspace": True,
        "workspace_group_member_id": inv["id"],
    }
    assert a.get("/workspace-group-members").json()["items"][0]["status"] == "accepted"
    assert a.get(f"/workspace-group-members/{inv['id']}").json()["id"] == inv["id"]
    assert api(other_key).get(f"/workspace-group-members/{inv['id']}").status_code == 404
    # The other workspace is no admin of anyone: x-as-workspace refused.
    assert api(other_key, sub["id"]).get("/workspace-members").status_code == 403
    assert a.delete(f"/workspace-group-members/{inv['id']}").json()["id"] == inv["id"]
    assert a.get(f"/workspace-group-members/{inv['id']}").status_code == 404
    assert a.delete(f"/workspace-group-members/{inv['id']}").status_code == 404


def test_custom_tags_mappings_campaigns_accounts(api: Api, workspace_factory: Any) -> None:
    _, key = workspace_factory()
    c = api(key)
    campaign = c.post("/campaigns", json={"name": "Q4", "campaign_schedule": SCHEDULE})
    assert campaign.status_code == 200
    cid = campaign.json()["id"]
    assert c.post("/campaigns", json={"name": "no schedule"}).status_code == 400
    account = c.post("/accounts", json=account_body("sam@mail.example"))
    assert account.status_code == 200
    assert c.get(f"/campaigns/{cid}").json()["name"] == "Q4"
    assert c.get("/accounts/sam@mail.example").json()["email"] == "sam@mail.example"
    assert c.get("/accounts/nobody@mail.example").status_code == 404
    assert c.get("/campaigns/00000000-0000-7000-8000-000000000000").status_code == 404

    tag = c.post("/custom-tags", json={"label": "  Outbound ", "description": "Q4"}).json()
    assert tag["label"] == "Outbound"
    dup = c.post("/custom-tags", json={"label": "Outbound"})
    assert (dup.status_code, dup.json()["message"]) == (409, "A tag with this name already exists.")
    assert c.post("/custom-tags", json={"label": "   "}).status_code == 400
    other = c.post("/custom-tags", json={"label": "Other"}).json()
    assert c.patch(f"/custom-tags/{other['id']}", json={"label": " Outbound"}).status_code == 409
    assert c.patch(f"/custom-tags/{other['id']}", json={"description": "d"}).json()["description"] == "d"
    assert c.get(f"/custom-tags/{tag['id']}").json()["id"] == tag["id"]

    toggle = {"tag_ids": [tag["id"]], "resource_type": 2, "resource_ids": [cid], "assign": True}
    assert c.post("/custom-tags/toggle-resource", json=toggle).json() == {"success": True}
    assert c.post("/custom-tags/toggle-resource", json=toggle).json() == {"success": True}  # idempotent
    acct = {**toggle, "resource_type": 1, "resource_ids": ["sam@mail.example"]}
    assert c.post("/custom-tags/toggle-resource", json=acct).status_code == 200
    assert (
        c.post("/custom-tags/toggle-resource", json={**acct, "resource_ids": ["ghost@x.example"]}).status_code
        == 404
    )
    assert (
        c.post("/custom-tags/toggle-resource", json={**toggle, "tag_ids": [other["id"] + "0"]}).status_code
        == 404
    )
    mappings = c.get("/custom-tag-mappings").json()["items"]
    assert {(m["resource_id"], m["resource_type"]) for m in mappings} == {(cid, 2), ("sam@mail.example", 1)}
    assert len(c.get("/custom-tag-mappings", params={"resource_ids": cid}).json()["items"]) == 1
    assert [t["id"] for t in c.get("/custom-tags", params={"resource_ids": f"{cid},x"}).json()["items"]] == [
        tag["id"]
    ]
    assert [t["id"] for t in c.get("/custom-tags", params={"tag_ids": other["id"]}).json()["items"]] == [
        other["id"]
    ]
    assert [t["label"] for t in c.get("/custom-tags", params={"search": "out"}).json()["items"]] == [
        "Outbound"
    ]
    assert [x["id"] for x in c.get("/campaigns", params={"tag_ids": tag["id"]}).json()["items"]] == [cid]
    assert [x["email"] for x in c.get("/accounts", params={"tag_ids": tag["id"]}).json()["items"]] == [
        "sam@mail.example"
    ]
    assert c.post("/custom-tags/toggle-resource", json={**toggle, "assign": False}).status_code == 200
    assert len(c.get("/custom-tag-mappings").json()["items"]) == 1
    assert c.delete(f"/custom-tags/{tag['id']}").json()["id"] == tag["id"]
    assert c.get("/custom-tag-mappings").json()["items"] == []  # deleting a tag deletes its mappings
    assert c.get(f"/custom-tags/{tag['id']}").status_code == 404
    assert c.patch(f"/custom-tags/{tag['id']}", json={"label": "x"}).status_code == 404
    assert c.delete(f"/custom-tags/{tag['id']}").status_code == 404


def test_current_workspace(api: Api, workspace_factory: Any, control: Any) -> None:
    ws, key = workspace_factory()
    c = api(key)
    assert c.get("/workspaces/current").json()["id"] == ws["id"]
    assert c.patch("/workspaces/current", json={"name": "Renamed"}).json()["name"] == "Renamed"
    sec = control.security_token(ws["id"])
    wrong = c.post("/workspaces/current/change-owner", json={"email": "new@x.example", "sec": "t"})
    assert (wrong.status_code, wrong.json()["message"]) == (403, "Invalid security token")
    refused = c.post("/workspaces/current/change-owner", json={"email": "new@x.example", "sec": sec})
    assert refused.status_code == 400
    member = c.post("/workspace-members", json={"email": "new@x.example", "role": "admin"}).json()
    control.accept_member(member["id"])
    changed = c.post("/workspaces/current/change-owner", json={"email": "new@x.example", "sec": sec})
    assert changed.status_code == 200
    assert changed.json()["owner"] == member["user_id"]
    roles = {m["email"]: m["role"] for m in c.get("/workspace-members").json()["items"]}
    assert roles["new@x.example"] == "owner"
    assert list(roles.values()).count("owner") == 1


def test_audit_logs_recorded_events_and_plan(api: Api, workspace_factory: Any, control: Any) -> None:
    ws, key = workspace_factory()
    c = api(key)
    control.record_audit_log(ws["id"], 1, user_name="Ana", user_id="u-1", audit_metadata={"method": "sso"})
    control.record_audit_log(
        ws["id"], 4, campaign_id="c-1", affected_count=1, timestamp="2026-03-01T10:00:00.000Z"
    )
    c.post("/api-keys", json={"name": "reader", "scopes": ["campaigns:read"]})
    logged = c.get("/audit-logs", params={"limit": 1000})
    assert logged.status_code == 200  # every event validated against AuditLog by the api fixture
    assert sorted(e["activity_type"] for e in logged.json()["items"]) == [1, 4, 37]
    control.set_plan(ws["id"], audit_logs=False)
    refused = c.get("/audit-logs")
    assert (refused.status_code, refused.json()["message"]) == (
        402,
        "Workspace plan does not include audit logs",
    )
    control.set_plan(ws["id"], audit_logs=True)


def test_rate_limit_answer(api: Api, workspace_factory: Any, control: Any) -> None:
    _, key = workspace_factory()
    control.set_limits(per_second=3, per_minute=6_000)
    c = api(key)
    statuses = [c.get("/workspaces/current").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses[3:]


def test_every_operation_was_checked() -> None:
    """Runs last in this module: every operation of the subset answered at least once, and every
    documented error status of the core operations was produced and validated."""
    ops = {op["operationId"] for o in SPEC["paths"].values() for op in o.values() if isinstance(op, dict)}
    seen_ops = {op for op, _ in SEEN}
    assert ops - seen_ops == set()
    for status in (400, 401, 402, 403, 404, 409, 429):
        assert any(s == status for _, s in SEEN), f"no {status} was validated"


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/api/v2/workspaces/current", 200, {"id": 1}),
        ("GET", "/api/v2/api-keys", 200, {"items": [], "total": 3}),
        ("POST", "/api/v2/custom-tags", 409, {"statusCode": 409, "message": "dup"}),
        ("GET", "/api/v2/workspace-members", 201, {"items": []}),
    ],
)
def test_the_checker_catches_a_mismatch(method: str, path: str, status: int, body: Any) -> None:
    response = httpx.Response(status, json=body, request=httpx.Request(method, f"http://sandbox{path}"))
    with pytest.raises(AssertionError):
        validate_response(response)
