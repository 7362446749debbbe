"""Each provider's lifecycle against the sandbox over a real socket, with the request log
as the witness of the request economy (create: one write, no read; update: one write per
aspect; delete: one write; reads share one listing per type and workspace, so N objects
cost ceil(N/100) list calls)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from instantly_pulumi.errors import ConflictError
from instantly_pulumi.resources.api_key import ApiKeyProvider, SelfRevocationError
from instantly_pulumi.resources.custom_tag import CustomTagProvider
from instantly_pulumi.resources.sub_workspace import SubWorkspaceProvider
from instantly_pulumi.resources.tag_assignment import TagAssignmentProvider
from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider

pytestmark = pytest.mark.integration


def provider(cls: type, base_url: str, key: str) -> Any:
    p = cls()
    p.configure(ConfigureRequest(Config({"instantly:apiKey": key, "instantly:baseUrl": base_url}, "it")))
    return p


def api(base_url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base_url}/api/v2", headers={"Authorization": f"Bearer {key}"}, timeout=30)


def calls(control: Any) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in control.requests()]


@pytest.fixture
def agency(sandbox: Any, control: Any, workspace_factory: Callable[..., Any]) -> dict[str, Any]:
    """An agency whose group holds one accepted client workspace."""
    agency_ws, key = workspace_factory("Agency")
    client_ws, client_key = workspace_factory("Client")
    with api(sandbox.base_url, key) as c:
        invite = c.post("/workspace-group-members", json={"sub_workspace_id": client_ws["id"]}).json()
    control.accept_group_member(invite["id"])
    control.clear_requests()
    return {
        "key": key,
        "id": agency_ws["id"],
        "client": client_ws["id"],
        "client_key": client_key,
        "url": sandbox.base_url,
    }


def test_workspace_member_lifecycle_drift_and_adoption(agency: dict[str, Any], control: Any) -> None:
    p = provider(WorkspaceMemberProvider, agency["url"], agency["key"])
    inputs = {
        "email": "ana@c.example",
        "role": "editor",
        "nickname": None,
        "permissions": None,
        "workspace_id": agency["client"],
        "adopt": False,
    }
    created = p.create(inputs)
    assert calls(control) == [("POST", "/api/v2/workspace-members")]

    control.clear_requests()
    with api(agency["url"], agency["client_key"]) as c:
        c.patch(f"/workspace-members/{created.id}", json={"role": "view"})
    control.clear_requests()
    read = p.read(created.id, created.outs)
    assert read.outs["role"] == "view"
    assert calls(control) == [("GET", "/api/v2/workspace-members")]  # the workspace's listing

    control.clear_requests()
    updated = p.update(created.id, read.outs, {**inputs, "role": "admin", "nickname": "Ana"})
    assert updated.outs["role"] == "admin"
    assert calls(control) == [("PATCH", f"/api/v2/workspace-members/{created.id}")]

    control.clear_requests()
    # The same email again, as declared now: taken over, not re-invited, nothing to patch.
    adopted = p.create({**inputs, "role": "admin", "nickname": "Ana", "adopt": True})
    assert adopted.id == created.id
    assert adopted.outs["adopted"] is True
    assert [m for m, _ in calls(control)] == ["GET"]
    # Adopted: destroy keeps it.
    control.clear_requests()
    p.delete(created.id, adopted.outs)
    assert calls(control) == []

    control.clear_requests()
    p.delete(created.id, updated.outs)
    p.delete(created.id, updated.outs)  # already gone: fine
    assert calls(control) == [("DELETE", f"/api/v2/workspace-members/{created.id}")] * 2
    assert p.read(created.id, updated.outs).id == ""


def test_api_keys_read_with_one_list_call_per_100(agency: dict[str, Any], control: Any) -> None:
    control.set_limits(per_second=100_000, per_minute=1_000_000)
    p = provider(ApiKeyProvider, agency["url"], agency["key"])
    base = {
        "scopes": ["campaigns:read"],
        "rotation": None,
        "allow_full_access": False,
        "workspace_id": agency["client"],
    }
    keys = [p.create({**base, "name": f"k{i}"}) for i in range(130)]
    assert [m for m, _ in calls(control)] == ["POST"] * 130
    control.clear_requests()
    reader = provider(ApiKeyProvider, agency["url"], agency["key"])
    # A fresh process's view (nothing cached): four threads reading all keys share one listing.
    reader.client.invalidate("/api-keys", agency["client"])
    threads = [
        threading.Thread(target=lambda ks=keys[i::4]: [reader.read(k.id, k.outs) for k in ks])
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lists = [c for c in calls(control) if c == ("GET", "/api/v2/api-keys")]
    assert len(lists) == math.ceil(131 / 100)  # 130 + the client workspace's own key
    value = reader.read(keys[0].id, keys[0].outs).outs["key"]
    assert value == keys[0].outs["key"]
    assert not value.startswith("*")


def test_api_key_cannot_revoke_the_providers_own_key(agency: dict[str, Any]) -> None:
    with api(agency["url"], agency["key"]) as c:
        own = next(k for k in c.get("/api-keys").json()["items"] if k["name"] == "Sandbox full access")
    p = provider(ApiKeyProvider, agency["url"], agency["key"])
    with pytest.raises(SelfRevocationError, match="authenticates with"):
        p.delete(own["id"], {"name": own["name"], "key": "masked-in-state", "workspace_id": None})


def test_sub_workspace_invites_explains_conflicts_and_waits(
    sandbox: Any, control: Any, workspace_factory: Callable[..., Any]
) -> None:
    _, key = workspace_factory("Agency 2")
    sub, _ = workspace_factory("Sub 2")
    p = provider(SubWorkspaceProvider, sandbox.base_url, key)
    inputs = {
        "sub_workspace_id": sub["id"],
        "wait_for_acceptance": False,
        "acceptance_timeout": None,
        "adopt": False,
    }
    control.clear_requests()
    created = p.create(inputs)
    assert (created.outs["status"], calls(control)) == (
        "pending",
        [("POST", "/api/v2/workspace-group-members")],
    )
    # Its own invitation, still pending (an earlier run interrupted while it waited): taken as
    # created, with no second invitation.
    control.clear_requests()
    again = p.create(inputs)
    assert (again.id, again.outs["adopted"]) == (created.id, False)
    assert [m for m, _ in calls(control)] == ["POST", "GET"]  # the 409, then the look
    assert p.create({**inputs, "adopt": True}).id == created.id
    # Another agency's invitation of the same workspace is a conflict, explained.
    _, other_key = workspace_factory("Agency 3")
    other = provider(SubWorkspaceProvider, sandbox.base_url, other_key)
    with pytest.raises(ConflictError, match="cannot be an admin and a sub at once"):
        other.create(inputs)

    def accept_soon() -> None:
        control.accept_group_member(created.id)

    timer = threading.Timer(0.5, accept_soon)
    timer.start()
    waited = p.create({**inputs, "adopt": True, "wait_for_acceptance": True, "acceptance_timeout": 10})
    timer.join()
    assert waited.outs["status"] == "accepted"
    p.delete(created.id, waited.outs)  # taken over with adopt: kept by destroy
    assert p.read(created.id, waited.outs).outs["status"] == "accepted"
    p.delete(created.id, {**waited.outs, "on_destroy": "delete"})
    p.client.invalidate(p.path, None)
    assert p.read(created.id, waited.outs).id == ""


def test_custom_tag_and_assignments(agency: dict[str, Any], control: Any) -> None:
    ws = agency["client"]
    with api(agency["url"], agency["client_key"]) as c:
        schedule = {
            "schedules": [
                {
                    "name": "s",
                    "timing": {"from": "09:00", "to": "17:00"},
                    "days": {"1": True},
                    "timezone": "Etc/GMT+12",
                }
            ]
        }
        campaigns = [
            c.post("/campaigns", json={"name": f"c{i}", "campaign_schedule": schedule}).json()["id"]
            for i in range(3)
        ]
    tags = provider(CustomTagProvider, agency["url"], agency["key"])
    control.clear_requests()
    tag = tags.create({"label": " Outbound ", "description": None, "workspace_id": ws, "adopt": False})
    assert calls(control) == [("POST", "/api/v2/custom-tags")]

    control.clear_requests()
    adopted = tags.create({"label": "Outbound", "description": "Q4", "workspace_id": ws, "adopt": True})
    assert adopted.id == tag.id
    assert calls(control) == [("GET", "/api/v2/custom-tags"), ("PATCH", f"/api/v2/custom-tags/{tag.id}")]

    assign = provider(TagAssignmentProvider, agency["url"], agency["key"])
    inputs = {
        "tag_id": tag.id,
        "resource_type": "campaign",
        "resource_ids": campaigns[:2],
        "workspace_id": ws,
    }
    control.clear_requests()
    created = assign.create(inputs)
    assert calls(control) == [("POST", "/api/v2/custom-tags/toggle-resource")]
    control.clear_requests()
    assign.update(created.id, created.outs, {**inputs, "resource_ids": campaigns[1:]})
    assert calls(control) == [("POST", "/api/v2/custom-tags/toggle-resource")] * 2
    assign.client.invalidate("/custom-tag-mappings", ws)
    control.clear_requests()
    read = assign.read(created.id, {**inputs, "resource_ids": campaigns[1:]})
    assert sorted(read.outs["resource_ids"]) == sorted(campaigns[1:])
    assert calls(control) == [("GET", "/api/v2/custom-tag-mappings")]

    control.clear_requests()
    tags.delete(tag.id, adopted.outs)  # as adopted: kept
    assert calls(control) == []
    tags.delete(tag.id, tag.outs)  # as created: deleted
    assert calls(control) == [("DELETE", f"/api/v2/custom-tags/{tag.id}")]
    assign.client.invalidate("/custom-tag-mappings", ws)
    assert assign.read(created.id, read.outs).id == ""  # the tag's mappings went with it


def test_retries_and_a_dropped_create_make_no_duplicate(agency: dict[str, Any], control: Any) -> None:
    ws = agency["client"]
    tags = provider(CustomTagProvider, agency["url"], agency["key"])
    control.set_faults(
        [{"method": "POST", "path": "/api/v2/custom-tags", "probability": 1, "action": "drop_after_commit"}]
    )
    control.clear_requests()
    created = tags.create({"label": "Dropped", "description": None, "workspace_id": ws, "adopt": False})
    control.clear_faults()
    # One POST (it landed; its answer was lost), then the look that found it: never a second POST,
    # and the tag counts as created by the stack (destroy deletes it).
    assert [(m, p) for m, p in calls(control)] == [
        ("POST", "/api/v2/custom-tags"),
        ("GET", "/api/v2/custom-tags"),
    ]
    with api(agency["url"], agency["client_key"]) as c:
        (only,) = [
            t for t in c.get("/custom-tags", params={"limit": 100}).json()["items"] if t["label"] == "Dropped"
        ]
    assert (created.id, created.outs["adopted"]) == (only["id"], False)

    control.set_faults(
        [
            {"method": "GET", "probability": 0.5, "status": 503},
            {"method": "GET", "probability": 0.3, "status": 429, "retry_after": 0},
        ],
        seed=3,
    )
    control.clear_requests()
    assert tags.read(created.id, created.outs).id == created.id
    statuses = [r["status"] for r in control.requests()]
    assert statuses[-1] == 200
