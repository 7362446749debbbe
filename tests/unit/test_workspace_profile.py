"""WorkspaceProfile over a fake API: always adopted, one PATCH for what differs, drift, destroy keeps."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from instantly_pulumi.errors import NotFoundError
from instantly_pulumi.resources.workspace_profile import WorkspaceProfileProvider

from .conftest import OTHER_WS, WS, FakeApi, configured, failures, iso, lost

INPUTS: dict[str, Any] = {
    "name": "Hooli",
    "org_logo_url": "https://cdn.example.com/hooli.png",
    "workspace_id": WS,
    "allow_agency_workspace": False,
}


def workspace(**over: Any) -> dict[str, Any]:
    return {
        "id": WS,
        "name": "Hooli",
        "org_logo_url": "https://cdn.example.com/hooli.png",
        "owner": "u-owner",
        "plan_id": "pid_1",
        "timestamp_created": iso(86400),
        "timestamp_updated": iso(3600),
        **over,
    }


def in_client(client_ws: dict[str, Any]) -> Any:
    """Answers ``client_ws`` acting in the client (``x-as-workspace``), the agency's own without."""
    agency = workspace(id=OTHER_WS, name="The agency")
    return lambda r: httpx.Response(200, json=client_ws if r.headers.get("x-as-workspace") else agency)


def state(**over: Any) -> dict[str, Any]:
    return {**INPUTS, **{k: v for k, v in workspace().items() if k != "id"}, "adopted": True, **over}


def test_check_names_each_bad_field_and_reads_once_to_announce(fake: FakeApi) -> None:
    p = configured(WorkspaceProfileProvider)
    bad = failures(p.check({}, {**INPUTS, "name": "  ", "org_logo_url": "cdn.example.com/x.png"}))
    assert set(bad) == {"name", "org_logo_url"}
    assert "leave org_logo_url out" in bad["org_logo_url"]
    assert set(failures(p.check({}, {**INPUTS, "name": None}))) == {"name"}
    assert fake.calls == []  # nothing is read for a stack that is wrong
    fake.on("GET", "/workspaces/current", in_client(workspace(name="Old name")))
    assert failures(p.check({}, INPUTS)) == {}
    # Whether WS is the agency's own workspace (no header), then the client's profile, to say what
    # `up` writes: two reads for a new profile, none afterwards.
    assert [(c.url.path, c.headers.get("x-as-workspace")) for c in fake.calls] == [
        ("/api/v2/workspaces/current", None),
        ("/api/v2/workspaces/current", WS),
    ]


def test_a_workspace_not_yet_reachable_is_announced_at_up_not_refused(fake: FakeApi) -> None:
    # A client whose group invitation is pending: its profile cannot be read at preview.
    agency = workspace(id=OTHER_WS, name="The agency")
    pending = {"statusCode": 403, "error": "Forbidden", "message": "not an accepted sub-workspace"}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("x-as-workspace"):
            return httpx.Response(403, json=pending)
        return httpx.Response(200, json=agency)

    fake.on("GET", "/workspaces/current", answer)
    assert failures(configured(WorkspaceProfileProvider).check({}, INPUTS)) == {}


def test_the_first_up_takes_the_workspace_over_with_one_patch(fake: FakeApi) -> None:
    fake.on("GET", "/workspaces/current", (200, workspace(name="Old name", org_logo_url=None)))
    fake.on("PATCH", "/workspaces/current", (200, workspace()))
    result = configured(WorkspaceProfileProvider).create(dict(INPUTS))
    assert (result.id, result.outs["adopted"], result.outs["name"]) == (WS, True, "Hooli")
    assert fake.writes() == [("PATCH", "/api/v2/workspaces/current")]
    assert fake.body(1) == {"name": "Hooli", "org_logo_url": "https://cdn.example.com/hooli.png"}
    assert fake.calls[1].headers["x-as-workspace"] == WS


def test_a_profile_that_matches_is_adopted_with_no_write(fake: FakeApi) -> None:
    fake.on("GET", "/workspaces/current", (200, workspace()))
    result = configured(WorkspaceProfileProvider).create(dict(INPUTS))
    assert result.outs["adopted"] is True
    assert fake.writes() == []


def test_an_unreachable_workspace_is_not_created_but_named(fake: FakeApi) -> None:
    with pytest.raises(NotFoundError, match="check workspace_id"):
        configured(WorkspaceProfileProvider).create(dict(INPUTS))
    assert fake.writes() == []


def test_each_field_changes_in_place_and_a_workspace_change_replaces(fake: FakeApi) -> None:
    p = configured(WorkspaceProfileProvider)
    for field, value in [("name", "Hooli XYZ"), ("org_logo_url", None)]:
        result = p.diff(WS, state(), {**INPUTS, field: value})
        assert (result.changes, result.replaces) == (True, []), field
    assert p.diff(WS, state(), dict(INPUTS)).changes is False
    assert p.diff(WS, state(), {**INPUTS, "workspace_id": OTHER_WS}).replaces == ["workspace_id"]
    fake.on("PATCH", "/workspaces/current", (200, workspace(name="Hooli XYZ")))
    result = p.update(WS, state(), {**INPUTS, "name": "Hooli XYZ"})
    assert fake.body(0) == {"name": "Hooli XYZ"}
    assert result.outs["name"] == "Hooli XYZ"


def test_a_lost_patch_is_checked_by_reading_not_sent_twice(fake: FakeApi) -> None:
    fake.on("PATCH", "/workspaces/current", lost)
    fake.on("GET", "/workspaces/current", (200, workspace(name="Hooli XYZ")))
    configured(WorkspaceProfileProvider).update(WS, state(), {**INPUTS, "name": "Hooli XYZ"})
    assert fake.writes() == [("PATCH", "/api/v2/workspaces/current")]


def test_refresh_shows_drift_from_the_api(fake: FakeApi) -> None:
    fake.on("GET", "/workspaces/current", (200, workspace(name="Renamed by hand", org_logo_url=None)))
    result = configured(WorkspaceProfileProvider).read(WS, state())
    assert result.id == WS
    assert (result.inputs["name"], result.inputs["org_logo_url"]) == ("Renamed by hand", None)
    assert result.outs["adopted"] is True


def test_destroy_leaves_the_workspace_as_it_is(fake: FakeApi) -> None:
    configured(WorkspaceProfileProvider).delete(WS, state())
    assert fake.calls == []
