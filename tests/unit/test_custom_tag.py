"""CustomTag over a fake API: trimmed labels, adoption among near misses, lost creates, drift."""

from __future__ import annotations

from typing import Any

import pytest

from instantly_pulumi.errors import ConflictError
from instantly_pulumi.resources.custom_tag import CustomTagProvider

from .conftest import OTHER_WS, WS, FakeApi, configured, error, failures, iso, lost, page

INPUTS: dict[str, Any] = {
    "label": "Outbound",
    "description": "Q4",
    "workspace_id": WS,
    "allow_agency_workspace": False,
    "adopt": False,
    "on_destroy": None,
}


def tag(**over: Any) -> dict[str, Any]:
    return {
        "id": "t1",
        "label": "Outbound",
        "description": "Q4",
        "organization_id": WS,
        "timestamp_created": iso(3600),
        "timestamp_updated": iso(3600),
        **over,
    }


def state(**over: Any) -> dict[str, Any]:
    return {
        **INPUTS,
        "organization_id": WS,
        "timestamp_created": "t",
        "timestamp_updated": "t",
        "adopted": False,
        **over,
    }


NEAR_MISSES = [
    tag(id="t-2024", label="Outbound 2024"),  # the API's search is a substring match
    tag(id="t-other-ws", organization_id=OTHER_WS),
    tag(id="t-case", label="outbound"),
]


def test_check_and_diff(fake: FakeApi) -> None:
    p = configured(CustomTagProvider)
    assert set(failures(p.check({}, {"label": "   "}))) == {"label"}
    assert p.diff("t1", state(), {**INPUTS, "label": "  Outbound "}).changes is False  # trimmed
    result = p.diff("t1", state(), {**INPUTS, "label": "Inbound"})
    assert (result.changes, result.replaces) == (True, [])
    assert p.diff("t1", state(), {**INPUTS, "workspace_id": OTHER_WS}).replaces == ["workspace_id"]
    assert fake.calls == []


def test_create_sends_the_trimmed_label(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags", (200, tag(timestamp_created=iso())))
    configured(CustomTagProvider).create({**INPUTS, "label": "  Outbound  "})
    assert fake.body(0) == {"label": "Outbound", "description": "Q4"}


def test_adopt_takes_exactly_the_trimmed_label(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tags", page(*NEAR_MISSES, tag(id="t-real")))
    result = configured(CustomTagProvider).create({**INPUTS, "label": " Outbound ", "adopt": True})
    assert (result.id, result.outs["adopted"]) == ("t-real", True)
    # The workspace's tags, listed once (the listing a preview's check read): matched exactly.
    assert [c.url.params.get("search") for c in fake.calls] == [None]
    assert fake.writes() == []


def test_adopt_patches_the_description_once(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tags", page(tag(description="old")))
    fake.on("PATCH", "/custom-tags/t1", (200, tag()))
    configured(CustomTagProvider).create({**INPUTS, "adopt": True})
    assert fake.writes() == [("PATCH", "/api/v2/custom-tags/t1")]
    assert fake.body(1) == {"description": "Q4"}


def test_duplicate_without_adopt_says_what_to_do(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags", error(409, "A tag with this name already exists."))
    with pytest.raises(ConflictError, match="set adopt: true"):
        configured(CustomTagProvider).create(INPUTS)


def test_lost_create_is_found_among_near_misses(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags", lost)
    fake.on(
        "GET",
        "/custom-tags",
        page(
            *[dict(t, timestamp_created=iso()) for t in NEAR_MISSES],
            tag(id="t-ours", timestamp_created=iso()),
        ),
    )
    result = configured(CustomTagProvider).create(INPUTS)
    assert (result.id, result.outs["adopted"]) == ("t-ours", False)
    assert fake.writes() == [("POST", "/api/v2/custom-tags")]


def test_lost_create_that_did_not_land_is_sent_again(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags", error(500, "boom"), (200, tag(id="t-new", timestamp_created=iso())))
    fake.on("GET", "/custom-tags", page(*NEAR_MISSES))
    assert configured(CustomTagProvider).create(INPUTS).id == "t-new"
    assert [r.method for r in fake.calls] == ["POST", "GET", "POST"]


@pytest.mark.parametrize(
    ("api", "field", "value"),
    [({"label": "Renamed"}, "label", "Renamed"), ({"description": None}, "description", None)],
)
def test_read_reports_drift_on_label_and_description(
    fake: FakeApi, api: dict[str, Any], field: str, value: Any
) -> None:
    fake.on("GET", "/custom-tags", page(tag(**api)))
    p = configured(CustomTagProvider)
    result = p.read("t1", state())
    assert result.outs[field] == value
    assert p.diff("t1", result.outs, INPUTS).changes is True


def test_read_of_a_deleted_tag_is_gone(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tags", page(*NEAR_MISSES))
    assert configured(CustomTagProvider).read("t1", state()).id == ""


def test_update_patches_label_and_description_that_changed(fake: FakeApi) -> None:
    fake.on("PATCH", "/custom-tags/t1", (200, tag(label="Inbound")))
    outs = configured(CustomTagProvider).update("t1", state(), {**INPUTS, "label": "Inbound"}).outs
    assert fake.body(0) == {"label": "Inbound"}
    assert outs["label"] == "Inbound"


def test_adopted_tag_is_kept_by_destroy(fake: FakeApi) -> None:
    p = configured(CustomTagProvider)
    p.delete("t1", state(adopted=True))
    assert fake.writes() == []
    p.delete("t1", state())
    assert fake.writes() == [("DELETE", "/api/v2/custom-tags/t1")]
