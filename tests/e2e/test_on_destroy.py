"""What `pulumi destroy` leaves behind, through the real CLI (issue 8): by default it keeps what the
stack adopted and deletes what it created; `on_destroy` per object, or for the whole client,
overrides that both ways. Asserted on the sandbox's objects (read with the client's own key, which
needs no group membership) and on the DELETE requests made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import World, new_client_stack
from .support import tally

pytestmark = pytest.mark.e2e


def own_view(world: World) -> dict[str, Any]:
    """The client's members, keys, tags and tag mappings, read with the client's own key."""
    out = world.own_items()
    labels = {t["id"]: t["label"] for t in out["/custom-tags"]}
    return {
        "members": {m["email"] for m in out["/workspace-members"]},
        "keys": {k["name"] for k in out["/api-keys"]},
        "tags": set(labels.values()),
        "mappings": {(labels[m["tag_id"]], m["resource_id"]) for m in out["/custom-tag-mappings"]},
    }


def existing(world: World, emails: list[str], tag: str, campaigns: list[str]) -> None:
    """Objects made outside the stack (on the dashboard, say), for the stack to adopt."""
    with world.api() as api:
        for email in emails:
            api.post("/workspace-members", json={"email": email, "role": "view"}).raise_for_status()
        created = api.post("/custom-tags", json={"label": tag})
        created.raise_for_status()
        api.post(
            "/custom-tags/toggle-resource",
            json={
                "tag_ids": [created.json()["id"]],
                "resource_type": 2,
                "resource_ids": campaigns,
                "assign": True,
            },
        ).raise_for_status()


def test_destroy_keeps_what_was_adopted_and_deletes_what_was_created(
    tmp_path: Path, pulumi_bin: Path, world: World
) -> None:
    c0, c1, c2 = world.campaigns
    existing(world, ["kept@client.example", "gone@client.example"], "Adopted", [c0])
    before = own_view(world)
    stack = new_client_stack(tmp_path, pulumi_bin, world)
    stack.write(
        {
            "workspace_id": world.client_id,
            "adopt": True,
            "group_membership": {},  # the accepted membership: adopted
            "members": [
                {"email": "kept@client.example", "role": "view"},  # adopted: kept
                {"email": "gone@client.example", "role": "view", "on_destroy": "delete"},
                {"email": "new@client.example", "role": "view"},  # created: deleted
                {"email": "stay@client.example", "role": "view", "on_destroy": "keep"},
            ],
            "api_keys": [
                {"name": "temp", "scopes": ["campaigns:read"]},
                {"name": "lasting", "scopes": ["campaigns:read"], "on_destroy": "keep"},
            ],
            "tags": [
                {"label": "Adopted", "campaigns": [c0, c1]},  # c0 was assigned before the stack
                {"label": "Created", "accounts": world.accounts[:1]},
                {"label": "Pinned", "campaigns": [c2], "on_destroy": "keep"},
            ],
        }
    )
    stack.run("up")
    ids = {m["email"]: m["id"] for m in world.list("/workspace-members")}
    key_ids = {k["name"]: k["id"] for k in world.list("/api-keys")}
    tag_ids = {t["label"]: t["id"] for t in world.list("/custom-tags")}

    stack.run("destroy", step="destroy keeping adopted objects (per-object overrides)")
    log = stack.requests()
    assert tally(log) == {
        "DELETE /workspace-members/{id}": 2,  # gone@ (adopted, told to delete), new@ (created)
        "DELETE /api-keys/{id}": 1,  # temp
        "DELETE /custom-tags/{id}": 1,  # Created
        # Unassign c1 from Adopted (c0 was adopted: kept) and the account from Created.
        "POST /custom-tags/toggle-resource": 2,
    }
    deleted = {r["path"].rsplit("/", 1)[-1] for r in log if r["method"] == "DELETE"}
    assert deleted == {
        ids["gone@client.example"],
        ids["new@client.example"],
        key_ids["temp"],
        tag_ids["Created"],
    }

    after = own_view(world)
    assert after["members"] == before["members"] - {"gone@client.example"} | {"stay@client.example"}
    assert after["keys"] == before["keys"] | {"lasting"}
    assert after["tags"] == {"Adopted", "Pinned"}
    assert after["mappings"] == {("Adopted", c0), ("Pinned", c2)}
    assert [g["status"] for g in world.memberships()] == ["accepted"]
    assert stack.state()["deployment"].get("resources", []) == []


@pytest.mark.parametrize("client_wide", ["delete", "keep"])
def test_on_destroy_for_the_whole_client_and_one_member_overriding_it(
    tmp_path: Path, pulumi_bin: Path, world: World, client_wide: str
) -> None:
    c0, c1, _ = world.campaigns
    existing(world, ["kept@client.example", "flip@client.example"], "Adopted", [c0])
    before = own_view(world)
    opposite = "keep" if client_wide == "delete" else "delete"
    stack = new_client_stack(tmp_path, pulumi_bin, world)
    stack.write(
        {
            "workspace_id": world.client_id,
            "adopt": True,
            "on_destroy": client_wide,
            "group_membership": {},
            "members": [
                {"email": "kept@client.example", "role": "view"},
                {"email": "flip@client.example", "role": "view", "on_destroy": opposite},
                {"email": "new@client.example", "role": "view"},
            ],
            "api_keys": [{"name": "temp", "scopes": ["campaigns:read"]}],
            "tags": [{"label": "Adopted", "campaigns": [c0, c1]}],
        }
    )
    stack.run("up")
    created = own_view(world)

    stack.run("destroy", step=f"destroy with on_destroy: {client_wide} for the client")
    log = stack.requests()  # before the reads below add to it
    after = own_view(world)
    if client_wide == "delete":
        assert tally(log) == {
            "POST /custom-tags/toggle-resource": 1,  # c0 and c1, adopted or not
            "DELETE /custom-tags/{id}": 1,
            "DELETE /api-keys/{id}": 1,
            "DELETE /workspace-members/{id}": 2,  # kept@ (adopted) and new@; flip@ says keep
            "DELETE /workspace-group-members/{id}": 1,  # adopted, and deleted last
        }
        assert after["members"] == before["members"] - {"kept@client.example"}
        assert after["keys"] == before["keys"]
        assert after["tags"] == set()
        assert after["mappings"] == set()
        assert world.memberships() == []
    else:
        # Everything stays but flip@, which says delete.
        assert tally(log) == {"DELETE /workspace-members/{id}": 1}
        assert after["members"] == created["members"] - {"flip@client.example"}
        assert after["keys"] == created["keys"] == before["keys"] | {"temp"}
        assert after["mappings"] == {("Adopted", c0), ("Adopted", c1)}
        assert [g["status"] for g in world.memberships()] == ["accepted"]
    assert stack.state()["deployment"].get("resources", []) == []
