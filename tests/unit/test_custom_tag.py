"""CustomTag provider over a fake API: trimmed labels, 409 explained, adoption, in-place updates."""

from __future__ import annotations

import pytest

from instantly_pulumi.errors import ConflictError
from instantly_pulumi.resources.custom_tag import CustomTagProvider

from .conftest import WS, FakeApi, configured, failures

INPUTS = {"label": "Outbound", "description": "Q4", "workspace_id": WS, "adopt": False}
TAG = {
    "id": "t1",
    "label": "Outbound",
    "description": "Q4",
    "organization_id": WS,
    "timestamp_created": "t",
    "timestamp_updated": "t",
}


def test_check_and_diff(fake: FakeApi) -> None:
    p = configured(CustomTagProvider)
    assert set(failures(p.check({}, {"label": "  "}))) == {"label"}
    assert p.diff("t1", {**INPUTS, **TAG}, {**INPUTS, "label": " Outbound "}).changes is False
    assert p.diff("t1", {**INPUTS, **TAG}, {**INPUTS, "label": "New"}).replaces == []
    assert p.diff(
        "t1", INPUTS, {**INPUTS, "workspace_id": "019a8c3e-0000-7000-8000-000000000001"}
    ).replaces == ["workspace_id"]
    assert fake.calls == []


def test_create_sends_the_trimmed_label(fake: FakeApi) -> None:
    fake.on("POST", "/custom-tags", (200, TAG))
    result = configured(CustomTagProvider).create({**INPUTS, "label": "  Outbound "})
    assert result.id == "t1"
    assert fake.body(0) == {"label": "Outbound", "description": "Q4"}
    assert len(fake.calls) == 1


def test_duplicate_label_is_explained(fake: FakeApi) -> None:
    fake.on(
        "POST",
        "/custom-tags",
        (409, {"statusCode": 409, "error": "Conflict", "message": "A tag with this name already exists."}),
    )
    with pytest.raises(ConflictError, match=r"A tag with this name already exists\..*adopt: true"):
        configured(CustomTagProvider).create(INPUTS)


def test_adopt_by_trimmed_label_with_one_patch(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tags", (200, {"items": [{**TAG, "label": "Outbound", "description": "old"}]}))
    fake.on("PATCH", "/custom-tags/t1", (200, TAG))
    result = configured(CustomTagProvider).create({**INPUTS, "adopt": True})
    assert result.id == "t1"
    assert fake.writes() == [("PATCH", "/api/v2/custom-tags/t1")]
    assert fake.body(1) == {"description": "Q4"}


def test_update_is_one_patch_with_what_changed(fake: FakeApi) -> None:
    fake.on("PATCH", "/custom-tags/t1", (200, {**TAG, "label": "New", "description": "d"}))
    result = configured(CustomTagProvider).update(
        "t1", {**INPUTS, **TAG}, {**INPUTS, "label": "New", "description": "d"}
    )
    assert fake.body(0) == {"label": "New", "description": "d"}
    assert len(fake.calls) == 1
    assert result.outs["label"] == "New"
    assert "organization_id" in result.outs


def test_read_and_delete(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tags/t1", (200, {**TAG, "description": "changed by hand"}))
    read = configured(CustomTagProvider).read("t1", INPUTS)
    assert read.inputs["description"] == "changed by hand"
    assert configured(CustomTagProvider).read("t2", INPUTS).id == ""
    configured(CustomTagProvider).delete("t2", INPUTS)  # 404: already gone
    assert fake.writes() == [("DELETE", "/api/v2/custom-tags/t2")]
