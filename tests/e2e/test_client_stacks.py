"""Full lifecycles of client stacks through the real Pulumi CLI against the sandbox.

Every case asserts the sandbox's state afterwards (through the API and its
request log), not only exit codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ClientStack, World, make_world, new_client_stack
from .support import POLL, Acceptor, audit_secrets, tally

pytestmark = pytest.mark.e2e


def base_client(world: World) -> dict[str, Any]:
    return {
        "workspace_id": world.client_id,
        # The world's invitation is accepted already: take it over.
        "group_membership": {"adopt": True},
        "members": [
            {"email": "ana@client.example", "role": "editor", "nickname": "Ana"},
            {"email": "bo@client.example", "role": "view"},
        ],
        "api_keys": [{"name": "reader", "scopes": ["campaigns:read"]}],
        "tags": [
            {
                "label": "Outbound",
                "description": "Q4 push",
                "campaigns": world.campaigns[:2],
                "accounts": world.accounts[:1],
            }
        ],
    }


# One GET /workspaces/current per run of the program: it proves the agency key works (and, for a client
# the stack does not invite into the agency's group, that it can act in the client's workspace).
# `pulumi up` runs the program twice (a preview pass and an update pass); a preview once.
VERIFY = {"GET /workspaces/current": 1}
VERIFY_UP = {"GET /workspaces/current": 2}
# Plus one per provider process (again two in an `up`) in which a new resource's workspace is compared
# with the agency's own (read once, then remembered). Resources already in the state are not read.
CHECK_WORKSPACE = {"GET /workspaces/current": 4}

REPLACE_KEY = {**CHECK_WORKSPACE, "POST /api-keys": 1, "DELETE /api-keys/{id}": 1}
"""A key replaced (scopes changed, or rotated): Pulumi checks the replacement again as a new resource
(no old inputs), then creates it before it deletes the old one."""

FIRST_UP = {
    **CHECK_WORKSPACE,
    # adopt: the accepted membership is found by sub-workspace id in the agency's list (one page per
    # pass: the preview says it will be adopted, the update pass's create takes it from the same list).
    "GET /workspace-group-members": 2,
    # Each assignment's ids are checked at check time against the workspace's campaigns and accounts,
    # in both passes; one list per process, whatever the number of ids.
    "GET /campaigns": 2,
    "GET /accounts": 2,
    # One create per declared object, one toggle call per assignment (2 campaigns in one call).
    "POST /workspace-members": 2,
    "POST /api-keys": 1,
    "POST /custom-tags": 1,
    "POST /custom-tags/toggle-resource": 2,
}
"""The requests of the first `up` of :func:`base_client`."""


def members_by_email(world: World) -> dict[str, dict[str, Any]]:
    return {m["email"]: m for m in world.list("/workspace-members")}


def writes(requests: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in requests if r["method"] != "GET"]


def test_first_up_creates_exactly_the_declared_objects(client_stack: ClientStack, world: World) -> None:
    before = world.snapshot()
    membership_before = world.memberships()
    client_stack.write(base_client(world))
    client_stack.run("up", step="first up (2 members, 1 key, 1 tag, 2 assignments, adopt membership)")
    assert tally(client_stack.requests()) == FIRST_UP

    after = world.snapshot()
    new_members = {(e, r) for (_, e, r) in after["members"]} - {(e, r) for (_, e, r) in before["members"]}
    assert new_members == {("ana@client.example", "editor"), ("bo@client.example", "view")}
    new_keys = set(after["keys"]) - set(before["keys"])
    assert [name for _, name in new_keys] == ["reader"]
    assert [label for _, label in after["tags"]] == ["Outbound"]
    ((tag_id, _),) = after["tags"]
    assert set(after["mappings"]) == {(tag_id, c) for c in world.campaigns[:2]} | {
        (tag_id, world.accounts[0])
    }
    # The accepted membership was adopted, not re-invited.
    assert world.memberships() == membership_before

    # The exported key is real: it reads campaigns, and nothing beyond its scopes.
    key = client_stack.outputs()["api_keys"]["reader"]["key"]
    with world.api(key) as api:
        assert api.get("/campaigns", params={"limit": 10}).status_code == 200
        assert api.get("/workspace-members", params={"limit": 10}).status_code == 403


def test_preview_and_up_after_up_make_no_request(client_stack: ClientStack, world: World) -> None:
    client_stack.write(base_client(world))
    client_stack.run("up")

    preview = client_stack.run("preview", "--expect-no-changes", step="preview right after up")
    assert tally(client_stack.requests()) == VERIFY
    assert "to create" not in preview.stdout
    assert "to update" not in preview.stdout

    up = client_stack.run("up", step="up with nothing changed")
    assert tally(client_stack.requests()) == VERIFY_UP
    assert "unchanged" in up.stdout
    assert "created" not in up.stdout.split("Resources:")[-1]


def test_role_change_updates_in_place_and_scope_change_replaces_key(
    client_stack: ClientStack, world: World
) -> None:
    spec = base_client(world)
    client_stack.write(spec)
    client_stack.run("up")
    ana_before = members_by_email(world)["ana@client.example"]
    old_key_id = client_stack.outputs()["api_keys"]["reader"]["id"]
    old_key = client_stack.outputs()["api_keys"]["reader"]["key"]

    spec["members"][0]["role"] = "admin"
    client_stack.write(spec)
    client_stack.run("up", step="role change (in place)")
    # One PATCH and nothing else: an existing member needs no read at check, and update sends only
    # what changed. (The log is read before the test's own API calls below add to it.)
    log = client_stack.requests()
    assert tally(log) == {**VERIFY_UP, "PATCH /workspace-members/{id}": 1}
    assert writes(log) == [("PATCH", f"/api/v2/workspace-members/{ana_before['id']}")]
    ana_after = members_by_email(world)["ana@client.example"]
    assert ana_after["id"] == ana_before["id"]
    assert ana_after["role"] == "admin"

    spec["api_keys"][0]["scopes"] = ["campaigns:read", "leads:read"]
    client_stack.write(spec)
    client_stack.run("up", step="scope change (replace key)")
    assert tally(client_stack.requests()) == REPLACE_KEY
    new = client_stack.outputs()["api_keys"]["reader"]
    assert new["id"] != old_key_id
    log = writes(client_stack.requests())
    create_at = log.index(("POST", "/api/v2/api-keys"))
    delete_at = log.index(("DELETE", f"/api/v2/api-keys/{old_key_id}"))
    assert create_at < delete_at, "the new key must exist before the old one is deleted"
    keys = {k["id"]: k for k in world.list("/api-keys")}
    assert old_key_id not in keys
    assert keys[new["id"]]["scopes"] == ["campaigns:read", "leads:read"]
    with world.api(old_key) as api:
        assert api.get("/campaigns").status_code == 401
    with world.api(new["key"]) as api:
        assert api.get("/campaigns").status_code == 200

    # Rotation: same name and scopes, a new value.
    spec["api_keys"][0]["rotation"] = "2026-12"
    client_stack.write(spec)
    client_stack.run("up", step="rotation (replace key)")
    # A rotation is a replacement like a scope change.
    assert tally(client_stack.requests()) == REPLACE_KEY
    rotated = client_stack.outputs()["api_keys"]["reader"]
    assert rotated["id"] != new["id"]
    assert rotated["key"] != new["key"]
    assert [k["name"] for k in world.list("/api-keys")].count("reader") == 1


def test_removing_a_member_removes_it_and_adding_one_invites_it(
    client_stack: ClientStack, world: World
) -> None:
    spec = base_client(world)
    client_stack.write(spec)
    client_stack.run("up")

    spec["members"] = [m for m in spec["members"] if m["email"] != "bo@client.example"]
    spec["members"].append({"email": "cy@client.example", "role": "view"})
    client_stack.write(spec)
    client_stack.run("up", step="remove one member, add one")
    # The new member is checked (its workspace) in both passes; one invite, one removal.
    assert tally(client_stack.requests()) == {
        **CHECK_WORKSPACE,
        "POST /workspace-members": 1,
        "DELETE /workspace-members/{id}": 1,
    }
    members = members_by_email(world)
    assert "bo@client.example" not in members
    assert members["cy@client.example"]["accepted"] is False
    assert members["cy@client.example"]["role"] == "view"


def test_refresh_shows_out_of_band_changes_and_up_repairs_them(
    client_stack: ClientStack, world: World
) -> None:
    spec = base_client(world)
    spec["tags"].append({"label": "Warm-up", "accounts": world.accounts})
    client_stack.write(spec)
    client_stack.run("up")
    members = members_by_email(world)
    tags = {t["label"]: t["id"] for t in world.list("/custom-tags")}

    with world.api() as api:
        # Dashboard edits: a role changed, a member removed, a tag deleted, an assignment removed.
        api.patch(f"/workspace-members/{members['ana@client.example']['id']}", json={"role": "view"})
        api.delete(f"/workspace-members/{members['bo@client.example']['id']}").raise_for_status()
        api.delete(f"/custom-tags/{tags['Outbound']}").raise_for_status()
        api.post(
            "/custom-tags/toggle-resource",
            json={
                "tag_ids": [tags["Warm-up"]],
                "resource_type": 1,
                "resource_ids": [world.accounts[1]],
                "assign": False,
            },
        ).raise_for_status()
    # Ana accepts her invitation meanwhile.
    world.control.accept_member(members["ana@client.example"]["id"])

    client_stack.run("refresh", step="refresh after 5 out-of-band changes")
    # `pulumi refresh` shows a preview first, then refreshes: two provider processes, each reading
    # every collection once (one list per workspace, shared by the resources that live in it).
    assert tally(client_stack.requests()) == {
        "GET /workspace-group-members": 2,
        "GET /workspace-members": 2,
        "GET /api-keys": 2,
        "GET /custom-tags": 2,
        "GET /custom-tag-mappings": 2,
    }
    state = {r["urn"].split("::")[-1]: r for r in client_stack.state()["deployment"]["resources"]}
    assert state["member-ana@client.example"]["outputs"]["role"] == "view"
    assert state["member-ana@client.example"]["outputs"]["accepted"] is True
    assert "member-bo@client.example" not in state
    assert "tag-Outbound" not in state
    assert state["tag-Warm-up-accounts"]["outputs"]["resource_ids"] == [world.accounts[0]]

    client_stack.run("up", step="up repairing the drift")
    assert tally(client_stack.requests()) == {
        # Bo and the Outbound tag are new again; so are Outbound's two assignments, whose ids are
        # checked in both passes (one campaigns and one accounts list per process).
        **CHECK_WORKSPACE,
        "GET /campaigns": 2,
        "GET /accounts": 2,
        "PATCH /workspace-members/{id}": 1,  # Ana back to editor
        "POST /workspace-members": 1,  # Bo invited again
        "POST /custom-tags": 1,  # Outbound created again
        # Outbound's campaigns and accounts, and the Warm-up account that was unassigned.
        "POST /custom-tags/toggle-resource": 3,
    }
    members = members_by_email(world)
    assert members["ana@client.example"]["role"] == "editor"
    assert members["bo@client.example"]["role"] == "view"
    tags = {t["label"]: t["id"] for t in world.list("/custom-tags")}
    assert set(tags) == {"Outbound", "Warm-up"}
    mappings = {(m["tag_id"], m["resource_id"]) for m in world.list("/custom-tag-mappings")}
    assert mappings == (
        {(tags["Outbound"], c) for c in world.campaigns[:2]}
        | {(tags["Outbound"], world.accounts[0])}
        | {(tags["Warm-up"], a) for a in world.accounts}
    )
    client_stack.run("preview", "--expect-no-changes")


@pytest.fixture
def pending_world(sandbox: Any, control: Any) -> World:
    return make_world(control, sandbox.base_url, "pending", accept=False)


def test_group_invitation_rejected_then_reinvited_and_accepted(
    tmp_path: Path, pulumi_bin: Path, pending_world: World
) -> None:
    world = pending_world
    stack = new_client_stack(tmp_path, pulumi_bin, world)
    stack.write({"workspace_id": world.client_id, "group_membership": {"wait_for_acceptance": False}})
    stack.run("up", step="invite into the group")
    # The membership's workspace is checked against the agency's in each pass; one invitation; no wait.
    assert tally(stack.requests()) == {
        **CHECK_WORKSPACE,
        "POST /workspace-group-members": 1,
    }
    (invite,) = world.memberships()
    assert invite["status"] == "pending"

    world.control.reject_group_member(invite["id"])
    stack.run("refresh", step="refresh after a rejection")
    # One list of the agency's memberships per pass (preview, refresh): the rejected one reads as gone.
    assert tally(stack.requests()) == {"GET /workspace-group-members": 2}
    assert stack.resources("SubWorkspace") == []
    stack.run("up", step="up after a rejection (re-invite)")
    assert tally(stack.requests()) == {
        **CHECK_WORKSPACE,
        "POST /workspace-group-members": 1,
    }
    pending = [g for g in world.memberships() if g["status"] == "pending"]
    assert len(pending) == 1
    assert pending[0]["id"] != invite["id"]

    world.control.accept_group_member(pending[0]["id"])
    stack.run("refresh", step="refresh after an acceptance")
    assert tally(stack.requests()) == {"GET /workspace-group-members": 2}
    (membership,) = stack.resources("SubWorkspace")
    assert membership["outputs"]["status"] == "accepted"


def test_destroy_leaves_the_workspace_as_before(
    tmp_path: Path, pulumi_bin: Path, pending_world: World
) -> None:
    world = pending_world
    before = world_snapshot_own_key(world)
    stack = new_client_stack(tmp_path, pulumi_bin, world)
    spec = base_client(world)
    spec["group_membership"] = {"wait_for_acceptance": True, "acceptance_timeout": 60}
    stack.write(spec)
    with Acceptor(world, after_polls=1):
        stack.run("up", step="first up waiting for acceptance")
    assert tally(stack.requests()) == {
        **CHECK_WORKSPACE,
        "POST /workspace-group-members": 1,
        POLL: 2,  # accepted after the first read; the second sees it
        # The preview pass checks the assignments' ids while the client is not yet in the group: the
        # API refuses to list them (the check is left to create). The update pass registers the
        # assignments only once their tag exists, that is after acceptance: the lists succeed.
        "GET /campaigns 403": 1,
        "GET /accounts 403": 1,
        "GET /campaigns": 1,
        "GET /accounts": 1,
        "POST /workspace-members": 2,
        "POST /api-keys": 1,
        "POST /custom-tags": 1,
        "POST /custom-tags/toggle-resource": 2,
    }
    assert world.memberships()[0]["status"] == "accepted"
    assert world_snapshot_own_key(world) != before

    stack.run("destroy", step="destroy")
    # Everything was created by the stack, so everything goes: one call per object, no read.
    assert tally(stack.requests()) == {
        "POST /custom-tags/toggle-resource": 2,  # unassign, per assignment
        "DELETE /custom-tags/{id}": 1,
        "DELETE /api-keys/{id}": 1,
        "DELETE /workspace-members/{id}": 2,
        "DELETE /workspace-group-members/{id}": 1,  # last: the others act in the client through it
    }
    assert world_snapshot_own_key(world) == before
    assert world.memberships() == []
    assert stack.state()["deployment"].get("resources", []) == []


def world_snapshot_own_key(world: World) -> dict[str, Any]:
    """The client's objects read with the client's own key (no group membership needed)."""
    return {path: sorted(item["id"] for item in items) for path, items in world.own_items().items()}


def test_adopting_a_workspace_makes_no_duplicate_and_no_reinvite(
    client_stack: ClientStack, world: World
) -> None:
    with world.api() as api:
        ana = api.post(
            "/workspace-members", json={"email": "ana@client.example", "role": "editor", "nickname": "Ana"}
        )
        bo = api.post("/workspace-members", json={"email": "bo@client.example", "role": "editor"})
        tag = api.post("/custom-tags", json={"label": "  Outbound ", "description": "Q4 push"})
        for r in (ana, bo, tag):
            r.raise_for_status()
        api.post(
            "/custom-tags/toggle-resource",
            json={
                "tag_ids": [tag.json()["id"]],
                "resource_type": 2,
                "resource_ids": world.campaigns[:2],
                "assign": True,
            },
        ).raise_for_status()
    world.control.accept_member(bo.json()["id"])
    before = world.snapshot()

    spec = base_client(world)
    spec["adopt"] = True
    spec["tags"][0]["accounts"] = []
    client_stack.write(spec)  # declares bo as `view`: one PATCH to reach it
    client_stack.run("up", step="up adopting 2 members, 1 tag, its assignments, membership")
    assert tally(client_stack.requests()) == {
        **CHECK_WORKSPACE,
        # adopt: each collection is listed once per pass — the preview says what will be adopted, and the
        # update pass's creates take their objects from the same list.
        "GET /workspace-group-members": 2,
        "GET /workspace-members": 2,
        "GET /custom-tags": 2,
        "GET /custom-tag-mappings": 1,  # which campaigns carry the adopted tag already
        "GET /campaigns": 2,  # the assignment's ids checked in both passes
        "PATCH /workspace-members/{id}": 1,  # Bo: editor → view
        "POST /api-keys": 1,  # a key's value cannot be read back: keys are never adopted
    }

    log = writes(client_stack.requests())
    assert ("POST", "/api/v2/workspace-members") not in log, "no re-invite"
    assert ("POST", "/api/v2/custom-tags") not in log, "no duplicate tag"
    assert ("POST", "/api/v2/workspace-group-members") not in log
    assert log.count(("PATCH", f"/api/v2/workspace-members/{bo.json()['id']}")) == 1
    after = world.snapshot()
    assert {m[0] for m in after["members"]} == {m[0] for m in before["members"]}
    assert after["tags"] == before["tags"]
    assert set(after["mappings"]) == set(before["mappings"])
    assert members_by_email(world)["bo@client.example"]["role"] == "view"
    client_stack.run("preview", "--expect-no-changes")


def test_no_key_in_plain_text_in_state_output_or_stack_files(client_stack: ClientStack, world: World) -> None:
    spec = base_client(world)
    client_stack.write(spec)
    client_stack.run("up")
    first_key = client_stack.outputs()["api_keys"]["reader"]["key"]
    spec["api_keys"][0]["rotation"] = "2026-12"
    client_stack.write(spec)
    client_stack.run("up")
    client_stack.run("refresh")
    client_stack.run("preview")
    rotated = client_stack.outputs()["api_keys"]["reader"]["key"]
    assert rotated != first_key
    plain = client_stack.cli.run("stack", "output", "--json", stack=client_stack.name).stdout
    assert rotated not in plain
    assert "[secret]" in plain
    keys = [world.agency_key, first_key, rotated]
    scanned = audit_secrets(client_stack, keys)
    assert scanned["stack files"] == 1
    assert scanned["outputs"] == 8  # stdout and stderr of the 4 runs
    assert scanned["state files"] > 0
    assert scanned["pickled providers"] == 14  # inputs and outputs of each of the 7 resources

    client_stack.run("destroy")
    assert audit_secrets(client_stack, keys)["outputs"] == 10


def test_several_client_stacks_share_one_agency_key(
    tmp_path: Path, pulumi_bin: Path, sandbox: Any, control: Any
) -> None:
    first = make_world(control, sandbox.base_url, "multi1")
    second = make_world(control, sandbox.base_url, "multi2", agency=(first.agency_id, first.agency_key))
    stacks = [new_client_stack(tmp_path, pulumi_bin, w, name=n) for w, n in ((first, "one"), (second, "two"))]
    for stack, world in zip(stacks, (first, second), strict=True):
        stack.write(base_client(world))
        stack.run("up", step="up of one of two client stacks")
        assert tally(stack.requests()) == FIRST_UP  # the other stack changes nothing
        acted_in = {r["workspace_id"] for r in stack.requests() if r["method"] != "GET"}
        assert acted_in == {world.client_id}
    for world in (first, second):
        assert set(members_by_email(world)) >= {"ana@client.example", "bo@client.example"}
        assert [k["name"] for k in world.list("/api-keys")].count("reader") == 1


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (
            lambda s: s["members"].append({"email": "x@client.example", "role": "owner"}),
            "client.members[2].role",
        ),
        (lambda s: s["api_keys"][0].update(scopes=["campaigns:reed"]), "client.api_keys[0].scopes"),
        (lambda s: s["api_keys"][0].update(scopes=["all:all"]), "client.api_keys[0]"),
        (lambda s: s.update(workspace_id="not-a-uuid"), "client.workspace_id"),
        (lambda s: s["tags"][0].update(colour="red"), "client.tags[0].colour"),
    ],
)
def test_bad_stack_file_fails_at_preview_naming_the_path(
    client_stack: ClientStack, world: World, mutate: Any, path: str
) -> None:
    spec = base_client(world)
    mutate(spec)
    client_stack.write(spec)
    proc = client_stack.run("preview", check=False, step="preview of a bad stack file")
    assert proc.returncode != 0
    assert path in proc.stdout + proc.stderr
    assert client_stack.requests() == []


def test_exported_key_value_is_a_secret_output(client_stack: ClientStack, world: World) -> None:
    client_stack.write(base_client(world))
    client_stack.run("up")
    (key_res,) = client_stack.resources("ApiKey")
    assert "key" in key_res.get("additionalSecretOutputs", []) or (
        isinstance(key_res["outputs"]["key"], dict)
        and key_res["outputs"]["key"].get("4dabf18193072939515e22adb298388d")
    )
    value = client_stack.outputs()["api_keys"]["reader"]["key"]
    with httpx.Client(
        base_url=f"{world.base_url}/api/v2", headers={"Authorization": f"Bearer {value}"}
    ) as api:
        assert api.get("/campaigns").status_code == 200
