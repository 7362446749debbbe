"""SubWorkspace over a fake API: invitation, 409 explained, adoption among near misses, waiting."""

from __future__ import annotations

from typing import Any

import pytest

from instantly_pulumi.errors import AcceptanceError, ConflictError
from instantly_pulumi.resources import sub_workspace
from instantly_pulumi.resources.sub_workspace import SubWorkspaceProvider

from .conftest import OTHER_WS, WS, FakeApi, configured, error, failures, iso, lost, page

INPUTS: dict[str, Any] = {
    "sub_workspace_id": WS,
    "wait_for_acceptance": False,
    "acceptance_timeout": None,
    "adopt": False,
    "on_destroy": None,
    "__provider": "pickled",
}


def gm(**over: Any) -> dict[str, Any]:
    return {
        "id": "g1",
        "admin_workspace_id": "a",
        "sub_workspace_id": WS,
        "status": "pending",
        "timestamp_created": iso(3600),
        "timestamp_updated": iso(3600),
        "sub_workspace_name": "Acme",
        **over,
    }


NEAR_MISSES = [
    gm(id="g-other", sub_workspace_id=OTHER_WS, status="accepted"),
    gm(id="g-rej", status="rejected"),
]


@pytest.fixture(autouse=True)
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sub_workspace, "REPORT_SECONDS", 0.0)


def test_check_and_diff(fake: FakeApi) -> None:
    p = configured(SubWorkspaceProvider)
    assert set(failures(p.check({}, {"sub_workspace_id": "x", "acceptance_timeout": -1}))) == {
        "sub_workspace_id",
        "acceptance_timeout",
    }
    assert p.diff("g1", INPUTS, {**INPUTS, "sub_workspace_id": OTHER_WS}).replaces == ["sub_workspace_id"]
    waiting = p.diff("g1", INPUTS, {**INPUTS, "wait_for_acceptance": True})
    assert (waiting.changes, waiting.replaces) == (True, [])
    assert p.diff("g1", INPUTS, {**INPUTS, "adopt": True}).changes is False


def test_the_agency_cannot_be_its_own_sub_workspace(fake: FakeApi) -> None:
    fake.on("GET", "/workspaces/current", (200, {"id": WS}))
    p = configured(SubWorkspaceProvider)
    assert "API key's own workspace" in failures(p.check({}, INPUTS))["sub_workspace_id"]
    assert "x-as-workspace" not in fake.calls[0].headers


def test_create_invites_once_from_the_admin_workspace(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-group-members", (200, gm(timestamp_created=iso())))
    result = configured(SubWorkspaceProvider).create(INPUTS)
    assert (result.id, result.outs["status"], result.outs["sub_workspace_name"]) == ("g1", "pending", "Acme")
    assert len(fake.calls) == 1
    assert "x-as-workspace" not in fake.calls[0].headers


def test_conflict_is_explained(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-group-members", error(409, "The sub workspace already has an active parent"))
    fake.on("GET", "/workspace-group-members", page(*NEAR_MISSES))
    with pytest.raises(ConflictError, match="cannot be an admin and a sub at once"):
        configured(SubWorkspaceProvider).create(INPUTS)


def test_own_pending_invitation_is_taken_after_a_409(fake: FakeApi) -> None:
    # An earlier `pulumi up` was interrupted while it waited: its invitation is still pending.
    fake.on("POST", "/workspace-group-members", error(409, "The sub workspace already has an active parent"))
    fake.on("GET", "/workspace-group-members", page(*NEAR_MISSES, gm(id="g-pending")))
    result = configured(SubWorkspaceProvider).create(INPUTS)
    assert (result.id, result.outs["adopted"]) == ("g-pending", False)


def test_adopt_takes_exactly_this_workspaces_live_membership(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-group-members", page(*NEAR_MISSES, gm(id="g-real", status="accepted")))
    result = configured(SubWorkspaceProvider).create({**INPUTS, "adopt": True})
    assert (result.id, result.outs["adopted"], result.outs["status"]) == ("g-real", True, "accepted")
    assert fake.writes() == []


def test_lost_invitation_is_found_not_repeated(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-group-members", lost)
    fake.on("GET", "/workspace-group-members", page(*NEAR_MISSES, gm(id="g-ours", timestamp_created=iso())))
    assert configured(SubWorkspaceProvider).create(INPUTS).id == "g-ours"
    assert fake.writes() == [("POST", "/api/v2/workspace-group-members")]


def test_wait_reports_progress_and_returns_once_accepted(fake: FakeApi, capsys: Any) -> None:
    fake.on("POST", "/workspace-group-members", (200, gm(timestamp_created=iso())))
    fake.on("GET", "/workspace-group-members/g1", (200, gm()), (200, gm()), (200, gm(status="accepted")))
    result = configured(SubWorkspaceProvider).create({**INPUTS, "wait_for_acceptance": True})
    assert result.outs["status"] == "accepted"
    progress = capsys.readouterr().err
    assert progress.count("waiting for Acme") == 2
    assert "accepts it in Instantly" in progress


def test_wait_timing_out_keeps_the_invitation_in_the_state(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-group-members", (200, gm(timestamp_created=iso())))
    fake.on("GET", "/workspace-group-members/g1", (200, gm()))
    with pytest.raises(AcceptanceError, match="not accepted within 0s") as info:
        configured(SubWorkspaceProvider).create(
            {**INPUTS, "wait_for_acceptance": True, "acceptance_timeout": 0.01}
        )
    kept_id, kept = info.value.partial  # type: ignore[attr-defined]
    assert (kept_id, kept["status"], kept["sub_workspace_id"]) == ("g1", "pending", WS)
    assert "destroy` withdraws it" in str(info.value)


def test_next_up_waits_again_for_the_same_invitation(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-group-members/g1", (200, gm(status="accepted")))
    olds = {**INPUTS, "wait_for_acceptance": True, "status": "pending", "adopted": False}
    outs = configured(SubWorkspaceProvider).update("g1", olds, {**INPUTS, "wait_for_acceptance": True}).outs
    assert outs["status"] == "accepted"
    assert fake.writes() == []


def test_rejection_while_waiting_is_explained(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-group-members", (200, gm(timestamp_created=iso())))
    fake.on("GET", "/workspace-group-members/g1", (200, gm(status="rejected")))
    with pytest.raises(AcceptanceError, match="rejected"):
        configured(SubWorkspaceProvider).create({**INPUTS, "wait_for_acceptance": True})


def test_read_rejected_or_missing_is_gone(fake: FakeApi) -> None:
    p = configured(SubWorkspaceProvider)
    fake.on("GET", "/workspace-group-members", page(gm(status="rejected")))
    assert p.read("g1", INPUTS).id == ""
    fake.routes.clear()
    p.client.invalidate(p.path, None)
    fake.on("GET", "/workspace-group-members", page(gm(status="accepted")))
    assert p.read("g1", INPUTS).outs["status"] == "accepted"


def test_destroy_withdraws_what_it_created_and_keeps_what_it_adopted(fake: FakeApi) -> None:
    p = configured(SubWorkspaceProvider)
    p.delete("g1", {**INPUTS, "adopted": True})
    assert fake.writes() == []
    p.delete("g1", {**INPUTS, "adopted": False})
    assert fake.writes() == [("DELETE", "/api/v2/workspace-group-members/g1")]
    assert "x-as-workspace" not in fake.calls[-1].headers
