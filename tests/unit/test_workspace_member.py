"""WorkspaceMember provider over a fake API: validation, diff, one write per change, adoption."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from instantly_pulumi.errors import BadRequestError
from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider

from .conftest import WS, FakeApi, configured, failures

MEMBER = {
    "id": "m1",
    "email": "ana@x.example",
    "user_id": "u1",
    "role": "editor",
    "timestamp_created": "t",
    "workspace_id": WS,
    "accepted": False,
    "nickname": "Ana",
}
INPUTS = {
    "email": "ana@x.example",
    "role": "editor",
    "nickname": "Ana",
    "permissions": None,
    "workspace_id": WS,
    "adopt": False,
}


def test_check_names_each_bad_field_and_makes_no_call(fake: FakeApi) -> None:
    p = configured(WorkspaceMemberProvider)
    bad = p.check(
        {},
        {
            "email": "nope",
            "role": "owner",
            "nickname": "x" * 81,
            "permissions": ["fly"],
            "workspace_id": "ws",
        },
    )
    assert set(failures(bad)) == {"email", "role", "nickname", "permissions", "workspace_id"}
    assert "owner" in failures(bad)["role"]
    assert failures(p.check({}, {"email": Unknown(), "role": Unknown(), "workspace_id": Unknown()})) == {}
    assert failures(p.check({}, INPUTS)) == {}
    assert fake.calls == []


@pytest.mark.parametrize(
    ("change", "replaces"),
    [
        ({"role": "admin"}, []),
        ({"nickname": "A"}, []),
        ({"email": "bo@x.example"}, ["email"]),
        ({"email": "ANA@x.example"}, None),
        ({"permissions": ["dashboard.view"]}, ["permissions"]),
        ({"workspace_id": "019a8c3e-0000-7000-8000-000000000001"}, ["workspace_id"]),
        ({"adopt": True}, None),
        ({"__provider": "other"}, None),
        ({"role": Unknown()}, []),
    ],
)
def test_diff(fake: FakeApi, change: dict[str, Any], replaces: list[str] | None) -> None:
    result = configured(WorkspaceMemberProvider).diff(
        "m1", {**INPUTS, **MEMBER, "__provider": "p"}, {**INPUTS, **change}
    )
    if replaces is None:
        assert result.changes is False
    else:
        assert result.changes is True
        assert result.replaces == replaces
    assert fake.calls == []


def test_create_is_one_post_and_echoes_inputs(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-members", (200, MEMBER))
    result = configured(WorkspaceMemberProvider).create(INPUTS)
    assert result.id == "m1"
    assert result.outs["email"] == "ana@x.example"
    assert (result.outs["accepted"], result.outs["user_id"], result.outs["adopt"]) == (False, "u1", False)
    assert fake.writes() == [("POST", "/api/v2/workspace-members")]
    assert len(fake.calls) == 1
    assert fake.calls[0].headers["x-as-workspace"] == WS
    assert fake.body(0) == {"email": "ana@x.example", "role": "editor", "nickname": "Ana"}


def test_create_of_an_existing_email_suggests_adopt(fake: FakeApi) -> None:
    fake.on(
        "POST",
        "/workspace-members",
        (
            400,
            {
                "statusCode": 400,
                "error": "Bad Request",
                "message": "A member with this email already exists in the workspace",
            },
        ),
    )
    with pytest.raises(BadRequestError, match="set adopt: true"):
        configured(WorkspaceMemberProvider).create(INPUTS)


def test_adopt_takes_over_with_one_list_and_one_patch(fake: FakeApi) -> None:
    fake.on(
        "GET", "/workspace-members", (200, {"items": [{**MEMBER, "email": "ANA@x.example", "role": "view"}]})
    )
    fake.on("PATCH", "/workspace-members/m1", (200, {**MEMBER, "role": "editor"}))
    result = configured(WorkspaceMemberProvider).create({**INPUTS, "adopt": True})
    assert result.id == "m1"
    assert fake.writes() == [("PATCH", "/api/v2/workspace-members/m1")]
    assert fake.calls[0].url.params["search"] == "ana@x.example"
    assert fake.body(1) == {"role": "editor"}


def test_read_detects_drift_and_deletion(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-members/m1", (200, {**MEMBER, "role": "view", "accepted": True}))
    read = configured(WorkspaceMemberProvider).read("m1", {**INPUTS, **MEMBER})
    assert (read.id, read.outs["role"], read.outs["accepted"], read.inputs["role"]) == (
        "m1",
        "view",
        True,
        "view",
    )
    fake.on("GET", "/workspace-members/m2", (404, {"statusCode": 404, "error": "Not Found", "message": "x"}))
    gone = configured(WorkspaceMemberProvider).read("m2", INPUTS)
    assert gone.id == ""


def test_update_patches_only_what_changed_and_returns_full_outputs(fake: FakeApi) -> None:
    fake.on("PATCH", "/workspace-members/m1", (200, {**MEMBER, "role": "admin"}))
    result = configured(WorkspaceMemberProvider).update(
        "m1", {**INPUTS, **MEMBER}, {**INPUTS, "role": "admin"}
    )
    assert fake.writes() == [("PATCH", "/api/v2/workspace-members/m1")]
    assert fake.body(0) == {"role": "admin"}
    assert result.outs["role"] == "admin"
    assert {"email", "nickname", "accepted", "user_id", "timestamp_created", "workspace_id"} <= set(
        result.outs
    )


def test_delete_is_one_call_and_404_is_success(fake: FakeApi) -> None:
    fake.on(
        "DELETE", "/workspace-members/m1", (404, {"statusCode": 404, "error": "Not Found", "message": "x"})
    )
    configured(WorkspaceMemberProvider).delete("m1", INPUTS)
    assert fake.writes() == [("DELETE", "/api/v2/workspace-members/m1")]
    assert fake.calls[0].content == b""
    assert "content-type" not in fake.calls[0].headers
