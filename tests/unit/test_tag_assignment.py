"""TagAssignment over a fake API: one toggle per direction, references checked at preview,
reconciled toggles, adopted ids kept, shared mapping reads."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from instantly_pulumi.resources.tag_assignment import TagAssignmentProvider

from .conftest import WS, FakeApi, configured, error, failures, lost, page

TAG = "019a8c3e-0000-7000-8000-0000000000aa"
OTHER_TAG = "019a8c3e-0000-7000-8000-0000000000bb"
C1, C2, C3 = (f"019a8c3e-0000-7000-8000-00000000000{i}" for i in (1, 2, 3))
INPUTS: dict[str, Any] = {
    "tag_id": TAG,
    "resource_type": "campaign",
    "resource_ids": [C1, C2],
    "workspace_id": WS,
    "allow_agency_workspace": False,
    "adopt": False,
    "on_destroy": None,
}
OK = (200, {"success": True})


def mapping(rid: str, tag: str = TAG, kind: int = 2) -> dict[str, Any]:
    return {
        "id": f"m-{rid}-{tag}",
        "tag_id": tag,
        "resource_id": rid,
        "resource_type": kind,
        "timestamp_created": "t",
        "organization_id": WS,
    }


def campaigns(*ids: str) -> tuple[int, dict[str, Any]]:
    return page(*({"id": i, "name": f"c {i}"} for i in ids))


def toggles(fake: FakeApi) -> list[Any]:
    return [fake.body(i) for i, r in enumerate(fake.calls) if r.method == "POST"]


def test_check_validates_without_calls(fake: FakeApi) -> None:
    p = configured(TagAssignmentProvider)
    assert set(failures(p.check({}, {"tag_id": "x", "resource_type": "lead", "resource_ids": []}))) == {
        "tag_id",
        "resource_type",
    }
    assert "at least one" in failures(p.check(INPUTS, {**INPUTS, "resource_ids": []}))["resource_ids"]
    assert (
        "not an email account"
        in failures(p.check(INPUTS, {**INPUTS, "resource_type": "account"}))["resource_ids"]
    )
    assert "repeats" in failures(p.check(INPUTS, {**INPUTS, "resource_ids": [C1, C1]}))["resource_ids"]
    assert failures(p.check(INPUTS, {**INPUTS, "tag_id": Unknown()})) == {}
    assert failures(p.check(INPUTS, {**INPUTS, "resource_ids": Unknown()})) == {}
    assert failures(p.check(INPUTS, {**INPUTS, "resource_ids": [C1, Unknown()]})) == {}
    assert failures(p.check(INPUTS, INPUTS)) == {}  # unchanged: no reference check, no call
    assert fake.calls == []


def test_check_finds_an_unknown_campaign_before_any_write(fake: FakeApi) -> None:
    fake.on("GET", "/campaigns", campaigns(C1))
    reason = failures(configured(TagAssignmentProvider).check({}, INPUTS))["resource_ids"]
    assert C2 in reason
    assert C1 not in reason.split(":")[1]
    assert "no such campaign" in reason
    assert fake.writes() == []


def test_check_reads_only_for_added_ids_and_accounts_by_email(fake: FakeApi) -> None:
    fake.on("GET", "/accounts", page({"email": "sdr@x.example"}))
    p = configured(TagAssignmentProvider)
    olds = {**INPUTS, "resource_type": "account", "resource_ids": ["sdr@x.example"]}
    news = {**olds, "resource_ids": ["sdr@x.example", "typo@x.example"]}
    assert "typo@x.example" in failures(p.check(olds, news))["resource_ids"]
    assert failures(p.check(olds, {**olds, "resource_ids": ["SDR@x.example"]})) == {}


def test_check_reads_every_id_again_when_the_type_or_the_workspace_changes(fake: FakeApi) -> None:
    fake.on("GET", "/accounts", page({"email": "sdr@x.example"}))
    p = configured(TagAssignmentProvider)
    olds = {**INPUTS, "resource_type": "campaign", "resource_ids": ["sdr@x.example", "c@x.example"]}
    # Same ids, now accounts: each is checked among the accounts (not only the added ones).
    reason = failures(p.check(olds, {**olds, "resource_type": "account"}))["resource_ids"]
    assert "c@x.example" in reason
    assert "sdr@x.example" not in reason.split(":")[0]
    fake.on("GET", "/campaigns", campaigns(C1))
    moved = {**INPUTS, "workspace_id": "019a8c3e-0000-7000-8000-000000000077"}
    assert C2 in failures(p.check(INPUTS, moved))["resource_ids"]
    assert fake.calls[-1].headers["x-as-workspace"] == moved["workspace_id"]


def test_check_does_not_read_while_the_workspace_is_not_known(fake: FakeApi) -> None:
    assert failures(configured(TagAssignmentProvider).check({}, {**INPUTS, "workspace_id": Unknown()})) == {}
    assert fake.calls == []


def test_check_skips_references_while_the_workspace_is_not_reachable(fake: FakeApi) -> None:
    fake.on("GET", "/campaigns", error(403, "x-as-workspace: workspace is not an accepted sub-workspace"))
    assert failures(configured(TagAssignmentProvider).check({}, INPUTS)) == {}


def test_diff(fake: FakeApi) -> None:
    p = configured(TagAssignmentProvider)
    assert p.diff("id", INPUTS, {**INPUTS, "resource_ids": [C2, C1]}).changes is False
    assert p.diff("id", INPUTS, {**INPUTS, "resource_ids": [C1]}).replaces == []
    assert p.diff("id", INPUTS, {**INPUTS, "resource_type": "account"}).replaces == ["resource_type"]
    assert p.diff("id", INPUTS, {**INPUTS, "tag_id": Unknown()}).replaces == ["tag_id"]


def test_create_is_one_toggle(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", OK)
    result = configured(TagAssignmentProvider).create(INPUTS)
    assert result.id == f"{WS}/{TAG}/campaign"
    assert toggles(fake) == [{"tag_ids": [TAG], "resource_type": 2, "resource_ids": [C1, C2], "assign": True}]
    assert result.outs == {**INPUTS, "adopted_ids": []}


def test_adopt_assigns_only_what_is_missing_and_remembers_the_rest(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tag-mappings", page(mapping(C1), mapping(C2, OTHER_TAG), mapping(C2, kind=1)))
    fake.on("POST", "/custom-tags/toggle-resource", OK)
    result = configured(TagAssignmentProvider).create({**INPUTS, "adopt": True})
    assert toggles(fake) == [{"tag_ids": [TAG], "resource_type": 2, "resource_ids": [C2], "assign": True}]
    assert result.outs["adopted_ids"] == [C1]


def test_adopting_assignments_that_all_exist_writes_nothing(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tag-mappings", page(mapping(C1), mapping(C2)))
    configured(TagAssignmentProvider).create({**INPUTS, "adopt": True})
    assert fake.writes() == []


def test_ambiguous_toggle_sends_only_what_is_still_missing(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", lost, OK)
    fake.on("GET", "/custom-tag-mappings", page(mapping(C1)))  # half of it landed
    configured(TagAssignmentProvider).create(INPUTS)
    assert [b["resource_ids"] for b in toggles(fake)] == [[C1, C2], [C2]]


def test_ambiguous_toggle_that_landed_is_not_repeated(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", error(500, "boom"))
    fake.on("GET", "/custom-tag-mappings", page(mapping(C1), mapping(C2)))
    configured(TagAssignmentProvider).create(INPUTS)
    assert len(toggles(fake)) == 1


def test_update_costs_one_call_per_direction(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", OK)
    configured(TagAssignmentProvider).update("id", INPUTS, {**INPUTS, "resource_ids": [C2, C3]})
    assert toggles(fake) == [
        {"tag_ids": [TAG], "resource_type": 2, "resource_ids": [C3], "assign": True},
        {"tag_ids": [TAG], "resource_type": 2, "resource_ids": [C1], "assign": False},
    ]


def test_accounts_are_type_1(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", OK)
    configured(TagAssignmentProvider).delete(
        "id", {**INPUTS, "resource_type": "account", "resource_ids": ["a@b.co"]}
    )
    assert toggles(fake) == [
        {"tag_ids": [TAG], "resource_type": 1, "resource_ids": ["a@b.co"], "assign": False}
    ]


@pytest.mark.parametrize(("on_destroy", "unassigned"), [(None, [C2]), ("delete", [C1, C2]), ("keep", None)])
def test_destroy_keeps_adopted_ids_unless_told(
    fake: FakeApi, on_destroy: str | None, unassigned: Any
) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", OK)
    configured(TagAssignmentProvider).delete("id", {**INPUTS, "adopted_ids": [C1], "on_destroy": on_destroy})
    assert [b["resource_ids"] for b in toggles(fake)] == ([unassigned] if unassigned else [])


def test_reads_share_one_listing_and_see_drift(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tag-mappings", page(mapping(C2), mapping(C3), mapping(C1, OTHER_TAG)))
    p = configured(TagAssignmentProvider)
    read = p.read("id", INPUTS)
    assert read.outs["resource_ids"] == [C2, C3]  # C1 untagged by hand, C3 tagged by hand
    assert read.inputs["resource_ids"] == [C2, C3]
    assert p.read("id2", {**INPUTS, "tag_id": "019a8c3e-0000-7000-8000-0000000000cc"}).id == ""
    assert len(fake.calls) == 1


def test_delete_of_a_deleted_tag_is_fine(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", error(404, "Tag not found"))
    configured(TagAssignmentProvider).delete("id", INPUTS)
    assert len(fake.calls) == 1


def test_read_keeps_its_id_and_the_adopted_ids_still_assigned(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tag-mappings", page(mapping(C1), mapping(C2)))
    read = configured(TagAssignmentProvider).read("the-id", {**INPUTS, "adopted_ids": [C1, C3]})
    assert read.id == "the-id"
    assert (read.outs["resource_ids"], read.outs["adopted_ids"]) == ([C1, C2], [C1])


def test_update_keeps_only_adopted_ids_still_declared(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags/toggle-resource", OK)
    olds = {**INPUTS, "adopted_ids": [C1, C2]}
    outs = configured(TagAssignmentProvider).update("id", olds, {**INPUTS, "resource_ids": [C2, C3]}).outs
    assert (outs["resource_ids"], outs["adopted_ids"]) == ([C2, C3], [C2])


def test_a_lost_toggle_is_checked_against_fresh_mappings_not_the_cached_ones(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tag-mappings", page(mapping(C1)), page(mapping(C1), mapping(C2)))
    fake.on("POST", "/custom-tags/toggle-resource", lost)
    p = configured(TagAssignmentProvider)
    assert p.read("id", INPUTS).outs["resource_ids"] == [C1]  # the mappings are cached now
    p.update("id", {**INPUTS, "resource_ids": [C1]}, INPUTS)  # assign C2: the answer is lost, it landed
    assert len(toggles(fake)) == 1
