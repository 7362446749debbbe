"""SubWorkspace provider over a fake API: invitation, 409 explained, waiting, adoption."""

from __future__ import annotations

import pytest

from instantly_pulumi.errors import ConflictError
from instantly_pulumi.resources import sub_workspace
from instantly_pulumi.resources.sub_workspace import AcceptanceError, SubWorkspaceProvider

from .conftest import WS, FakeApi, configured, failures

INPUTS = {"sub_workspace_id": WS, "wait_for_acceptance": False, "acceptance_timeout": None, "adopt": False}
GM = {
    "id": "g1",
    "admin_workspace_id": "a",
    "sub_workspace_id": WS,
    "status": "pending",
    "timestamp_created": "t",
    "timestamp_updated": "t",
    "sub_workspace_name": "Acme",
}


def test_check_and_diff(fake: FakeApi) -> None:
    p = configured(SubWorkspaceProvider)
    assert set(failures(p.check({}, {"sub_workspace_id": "x", "acceptance_timeout": -1}))) == {
        "sub_workspace_id",
        "acceptance_timeout",
    }
    assert p.diff(
        "g1", INPUTS, {**INPUTS, "sub_workspace_id": "019a8c3e-0000-7000-8000-000000000001"}
    ).replaces == ["sub_workspace_id"]
    assert p.diff("g1", INPUTS, {**INPUTS, "wait_for_acceptance": True}).changes is False
    assert fake.calls == []


def test_create_invites_once_without_x_as_workspace(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-group-members", (200, GM))
    result = configured(SubWorkspaceProvider).create(INPUTS)
    assert (result.id, result.outs["status"], result.outs["sub_workspace_name"]) == ("g1", "pending", "Acme")
    assert len(fake.calls) == 1
    assert "x-as-workspace" not in fake.calls[0].headers


def test_conflict_is_explained(fake: FakeApi) -> None:
    fake.on(
        "POST",
        "/workspace-group-members",
        (
            409,
            {
                "statusCode": 409,
                "error": "Conflict",
                "message": "The sub workspace already has an active parent or invitation",
            },
        ),
    )
    with pytest.raises(ConflictError) as info:
        configured(SubWorkspaceProvider).create(INPUTS)
    text = str(info.value)
    assert WS in text
    assert "cannot be an admin and a sub" in text
    assert "adopt: true" in text


def test_wait_for_acceptance(fake: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sub_workspace, "POLL_SECONDS", 0)
    fake.on("POST", "/workspace-group-members", (200, GM))
    fake.on("GET", "/workspace-group-members/g1", (200, GM), (200, {**GM, "status": "accepted"}))
    result = configured(SubWorkspaceProvider).create(
        {**INPUTS, "wait_for_acceptance": True, "acceptance_timeout": 5}
    )
    assert result.outs["status"] == "accepted"
    fake.routes.clear()
    fake.on("POST", "/workspace-group-members", (200, GM))
    fake.on("GET", "/workspace-group-members/g1", (200, {**GM, "status": "rejected"}))
    with pytest.raises(AcceptanceError, match="rejected"):
        configured(SubWorkspaceProvider).create({**INPUTS, "wait_for_acceptance": True})


def test_wait_times_out_naming_the_invitation(fake: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sub_workspace, "POLL_SECONDS", 0)
    fake.on("POST", "/workspace-group-members", (200, GM))
    fake.on("GET", "/workspace-group-members/g1", (200, GM))
    with pytest.raises(AcceptanceError, match=r"g1 .* not accepted within 0s"):
        configured(SubWorkspaceProvider).create(
            {**INPUTS, "wait_for_acceptance": True, "acceptance_timeout": 0.01}
        )


def test_adopt_takes_the_pending_invitation(fake: FakeApi) -> None:
    fake.on(
        "GET", "/workspace-group-members", (200, {"items": [{**GM, "id": "old", "status": "rejected"}, GM]})
    )
    result = configured(SubWorkspaceProvider).create({**INPUTS, "adopt": True})
    assert result.id == "g1"
    assert fake.writes() == []


def test_read_rejected_or_missing_is_gone(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-group-members/g1", (200, {**GM, "status": "rejected"}))
    assert configured(SubWorkspaceProvider).read("g1", INPUTS).id == ""
    assert configured(SubWorkspaceProvider).read("g2", INPUTS).id == ""
    fake.on("GET", "/workspace-group-members/g3", (200, {**GM, "id": "g3", "status": "accepted"}))
    assert configured(SubWorkspaceProvider).read("g3", INPUTS).outs["status"] == "accepted"
