"""Every call a resource makes for an object of a client workspace acts in that workspace
(``x-as-workspace``) — on the first try and on every read that reconciles a lost write — and
every write drops the workspace's cached list, so the next read sees it. Acting in the wrong
workspace would read or change the agency's own members, keys and tags."""

from __future__ import annotations

import httpx
import pytest

from instantly_pulumi.resources import api_key
from instantly_pulumi.resources.api_key import ApiKeyProvider
from instantly_pulumi.resources.custom_tag import CustomTagProvider
from instantly_pulumi.resources.tag_assignment import TagAssignmentProvider
from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider

from . import test_api_key as keys
from . import test_custom_tag as tags
from . import test_tag_assignment as assignments
from . import test_workspace_member as members
from .conftest import WS, FakeApi, configured, error, iso, lost, page


def assert_all_in_client_workspace(fake: FakeApi) -> None:
    acted = [
        (r.method, r.url.path, r.headers.get("x-as-workspace"))
        for r in fake.calls
        if r.url.path != "/api/v2/workspaces/current"  # the agency's own, by design
    ]
    assert acted, "no call was made"
    assert [a for a in acted if a[2] != WS] == []


def test_member_lifecycle_with_lost_writes_acts_in_the_client_workspace(fake: FakeApi) -> None:
    fresh = members.member(timestamp_created=iso())
    fake.on("POST", "/workspace-members", lost)
    fake.on("GET", "/workspace-members", page(fresh), page(members.member(role="view")))
    fake.on("PATCH", "/workspace-members/m1", lost)
    fake.on("GET", "/workspace-members/m1", (200, members.member(role="view")))
    fake.on("DELETE", "/workspace-members/m1", lost)
    p = configured(WorkspaceMemberProvider)
    created = p.create(members.INPUTS)  # the lost invite is found by email
    assert created.outs["adopted"] is False
    p.update("m1", created.outs, {**members.INPUTS, "role": "view"})  # the lost PATCH had landed
    assert p.read("m1", created.outs).outs["role"] == "view"
    fake.on("GET", "/workspace-members/m1", (404, {"message": "Resource not found"}))
    p.delete("m1", created.outs)  # the lost DELETE had landed
    assert_all_in_client_workspace(fake)


def test_adopting_a_member_searches_and_patches_in_the_client_workspace(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-members", page(members.member(role="view")))
    fake.on("PATCH", "/workspace-members/m1", (200, members.member()))
    configured(WorkspaceMemberProvider).create({**members.INPUTS, "adopt": True})
    assert_all_in_client_workspace(fake)


def test_tag_lifecycle_with_lost_writes_acts_in_the_client_workspace(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags", error(500, "boom"), (200, tags.tag(timestamp_created=iso())))
    fake.on("GET", "/custom-tags", page())
    fake.on("PATCH", "/custom-tags/t1", error(503, "busy"), (200, tags.tag(description="Q1")))
    fake.on("GET", "/custom-tags/t1", (200, tags.tag()))
    p = configured(CustomTagProvider)
    created = p.create(tags.INPUTS)
    p.update("t1", created.outs, {**tags.INPUTS, "description": "Q1"})
    p.delete("t1", created.outs)
    assert_all_in_client_workspace(fake)


def test_key_lifecycle_with_a_lost_create_acts_in_the_client_workspace(
    fake: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_key, "_MINTED", set())
    fake.on("POST", "/api-keys", lost, (200, keys.key_doc("k-kept", "v", timestamp_created=iso())))
    fake.on("GET", "/api-keys", page(keys.key_doc("k-orphan", timestamp_created=iso())))
    fake.on("DELETE", "/api-keys/k-orphan", (200, keys.key_doc("k-orphan")))
    p = configured(ApiKeyProvider)
    created = p.create(keys.INPUTS)
    assert created.id == "k-kept"
    # The create sends the name and scopes (nothing else: the API has no other field).
    posts = [fake.body(i) for i, r in enumerate(fake.calls) if r.method == "POST"]
    assert posts == [{"name": "crm", "scopes": ["campaigns:read"]}] * 2
    p.delete("k-kept", {**created.outs, "key": "other"})
    assert_all_in_client_workspace(fake)


def test_assignment_lifecycle_with_lost_toggles_acts_in_the_client_workspace(fake: FakeApi) -> None:
    fake.on("GET", "/campaigns", assignments.campaigns(assignments.C1, assignments.C2, assignments.C3))
    fake.on("POST", "/custom-tags/toggle-resource", lost, assignments.OK)
    fake.on("GET", "/custom-tag-mappings", page(assignments.mapping(assignments.C1)))
    p = configured(TagAssignmentProvider)
    inputs = assignments.INPUTS
    assert p.check({}, inputs).failures == []
    created = p.create({**inputs, "adopt": True})
    p.update("id", created.outs, {**inputs, "resource_ids": [assignments.C3]})
    p.read("id", created.outs)
    p.delete("id", {**created.outs, "on_destroy": "delete"})
    assert_all_in_client_workspace(fake)
    # The reconciling reads ask only about the ids being toggled.
    fresh = [r for r in fake.calls if r.url.path.endswith("/custom-tag-mappings") and r.url.params]
    assert fresh[0].url.params["resource_ids"] == f"{assignments.C1},{assignments.C2}"


# -- a write drops the cached list: the next read in the process sees it -------------------------


def list_calls(fake: FakeApi, path: str) -> int:
    return sum(1 for r in fake.calls if r.method == "GET" and r.url.path == "/api/v2" + path)


@pytest.mark.parametrize("write", ["create", "update", "delete"])
def test_a_member_write_drops_the_cached_list(fake: FakeApi, write: str) -> None:
    fake.on("GET", "/workspace-members", page(members.member()), page(members.member(role="view")))
    fake.on("POST", "/workspace-members", (200, members.member(id="m2", timestamp_created=iso())))
    fake.on("PATCH", "/workspace-members/m1", (200, members.member(role="view")))
    fake.on("DELETE", "/workspace-members/m1", (200, members.member()))
    p = configured(WorkspaceMemberProvider)
    state = members.state()
    assert p.read("m1", state).outs["role"] == "editor"
    if write == "create":
        p.create({**members.INPUTS, "email": "bo@x.example"})
    elif write == "update":
        p.update("m1", state, {**members.INPUTS, "role": "view"})
    else:
        p.delete("m1", state)
    assert p.read("m1", state).outs["role"] == "view"  # listed again, not from the cache
    assert list_calls(fake, "/workspace-members") == 2


def test_a_key_create_drops_the_cached_list(fake: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_key, "_MINTED", set())
    fake.on("GET", "/api-keys", page(keys.key_doc()), page(keys.key_doc(name="renamed")))
    fake.on("POST", "/api-keys", (200, keys.key_doc("k2", "v", timestamp_created=iso())))
    p = configured(ApiKeyProvider)
    assert p.read("k1", keys.INPUTS).outs["name"] == "crm"
    p.create(keys.INPUTS)
    assert p.read("k1", keys.INPUTS).outs["name"] == "renamed"


def test_a_toggle_drops_the_cached_mappings(fake: FakeApi) -> None:
    a = assignments
    fake.on("GET", "/custom-tag-mappings", page(a.mapping(a.C1)), page(a.mapping(a.C1), a.mapping(a.C2)))
    fake.on("POST", "/custom-tags/toggle-resource", a.OK)
    p = configured(TagAssignmentProvider)
    assert p.read("id", a.INPUTS).outs["resource_ids"] == [a.C1]
    p.update("id", {**a.INPUTS, "resource_ids": [a.C1]}, a.INPUTS)
    assert p.read("id", a.INPUTS).outs["resource_ids"] == [a.C1, a.C2]


def test_a_tag_write_drops_the_cached_list(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tags", page(tags.tag()), page(tags.tag(description="new")))
    fake.on("PATCH", "/custom-tags/t1", (200, tags.tag(description="new")))
    p = configured(CustomTagProvider)
    state = tags.state()
    assert p.read("t1", state).outs["description"] == "Q4"
    p.update("t1", state, {**tags.INPUTS, "description": "new"})
    assert p.read("t1", state).outs["description"] == "new"


def test_requests_without_a_client_workspace_send_no_header(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags", (200, tags.tag(timestamp_created=iso())))
    configured(CustomTagProvider).create({**tags.INPUTS, "workspace_id": None})
    assert [r.headers.get("x-as-workspace") for r in fake.calls] == [None]
    assert isinstance(fake.calls[0], httpx.Request)
