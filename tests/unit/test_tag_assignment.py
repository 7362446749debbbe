"""TagAssignment provider over a fake API: one toggle per direction, shared mapping reads."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown

from instantly_pulumi.resources.tag_assignment import TagAssignmentProvider

from .conftest import WS, FakeApi, configured, failures

TAG = "019a8c3e-0000-7000-8000-0000000000aa"
C1, C2, C3 = (f"019a8c3e-0000-7000-8000-00000000000{i}" for i in (1, 2, 3))
INPUTS = {"tag_id": TAG, "resource_type": "campaign", "resource_ids": [C1, C2], "workspace_id": WS}


def test_check(fake: FakeApi) -> None:
    p = configured(TagAssignmentProvider)
    assert set(failures(p.check({}, {"tag_id": "x", "resource_type": "lead", "resource_ids": []}))) == {
        "tag_id",
        "resource_type",
    }
    assert "resource_ids" in failures(p.check({}, {**INPUTS, "resource_ids": []}))
    assert "resource_ids" in failures(
        p.check({}, {**INPUTS, "resource_type": "account"})
    )  # ids must be emails
    assert failures(p.check({}, {**INPUTS, "resource_type": "account", "resource_ids": ["a@b.co"]})) == {}
    assert failures(p.check({}, {**INPUTS, "tag_id": Unknown()})) == {}
    assert fake.calls == []


def test_diff(fake: FakeApi) -> None:
    p = configured(TagAssignmentProvider)
    assert p.diff("id", INPUTS, {**INPUTS, "resource_ids": [C2, C1]}).changes is False
    assert p.diff("id", INPUTS, {**INPUTS, "resource_ids": [C1]}).replaces == []
    assert p.diff("id", INPUTS, {**INPUTS, "resource_type": "account"}).replaces == ["resource_type"]
    assert p.diff("id", INPUTS, {**INPUTS, "tag_id": Unknown()}).replaces == ["tag_id"]


def test_create_is_one_toggle(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", (200, {"success": True}))
    result = configured(TagAssignmentProvider).create(INPUTS)
    assert result.id == f"{WS}/{TAG}/campaign"
    assert fake.body(0) == {"tag_ids": [TAG], "resource_type": 2, "resource_ids": [C1, C2], "assign": True}
    assert result.outs == INPUTS


def test_update_costs_one_call_per_direction(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", (200, {"success": True}))
    configured(TagAssignmentProvider).update("id", INPUTS, {**INPUTS, "resource_ids": [C2, C3]})
    assert [fake.body(i) for i in range(len(fake.calls))] == [
        {"tag_ids": [TAG], "resource_type": 2, "resource_ids": [C3], "assign": True},
        {"tag_ids": [TAG], "resource_type": 2, "resource_ids": [C1], "assign": False},
    ]


def test_accounts_are_type_1(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", (200, {"success": True}))
    configured(TagAssignmentProvider).delete(
        "id", {**INPUTS, "resource_type": "account", "resource_ids": ["a@b.co"]}
    )
    assert fake.body(0) == {"tag_ids": [TAG], "resource_type": 1, "resource_ids": ["a@b.co"], "assign": False}


def test_reads_share_one_listing_and_see_drift(fake: FakeApi) -> None:
    mappings = [
        {
            "id": f"m{i}",
            "tag_id": TAG,
            "resource_id": rid,
            "resource_type": 2,
            "timestamp_created": "t",
            "organization_id": WS,
        }
        for i, rid in enumerate([C2, C3])
    ]
    fake.on("GET", "/custom-tag-mappings", (200, {"items": mappings}))
    p = configured(TagAssignmentProvider)
    read = p.read("id", INPUTS)
    assert read.outs["resource_ids"] == [C2, C3]  # C1 untagged by hand, C3 tagged by hand
    assert p.read("id2", {**INPUTS, "tag_id": "019a8c3e-0000-7000-8000-0000000000bb"}).id == ""
    assert len(fake.calls) == 1


@pytest.mark.parametrize("status", [404])
def test_delete_of_a_deleted_tag_is_fine(fake: FakeApi, status: int) -> None:
    fake.on(
        "POST",
        "/custom-tags/toggle-resource",
        (status, {"statusCode": status, "error": "Not Found", "message": "x"}),
    )
    configured(TagAssignmentProvider).delete("id", INPUTS)
    assert len(fake.calls) == 1
