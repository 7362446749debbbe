"""ApiKey provider over a fake API: least privilege, replace-only, the secret carried forward."""

from __future__ import annotations

import math

import pytest

from instantly_pulumi.resources.api_key import ApiKeyProvider, SelfRevocationError

from .conftest import KEY, WS, FakeApi, configured, failures

INPUTS = {
    "name": "crm",
    "scopes": ["campaigns:read"],
    "rotation": None,
    "allow_full_access": False,
    "workspace_id": WS,
}


def key_doc(i: int, value: str = "****abcd") -> dict[str, object]:
    return {
        "id": f"k{i}",
        "name": "crm",
        "scopes": ["campaigns:read"],
        "key": value,
        "organization_id": WS,
        "timestamp_created": "t",
        "timestamp_updated": "t",
    }


def test_check(fake: FakeApi) -> None:
    p = configured(ApiKeyProvider)
    assert set(failures(p.check({}, {"name": " ", "scopes": ["campaigns:reed"]}))) == {"name", "scopes"}
    assert "allow_full_access" in failures(p.check({}, {**INPUTS, "scopes": ["all:read"]}))["scopes"]
    assert failures(p.check({}, {**INPUTS, "scopes": ["all:all"], "allow_full_access": True})) == {}
    assert failures(p.check({}, {**INPUTS, "scopes": []})) == {"scopes": "scopes: must be a non-empty list"}
    assert fake.calls == []


@pytest.mark.parametrize("field", ["name", "scopes", "rotation", "workspace_id"])
def test_every_change_but_allow_full_access_replaces(fake: FakeApi, field: str) -> None:
    new = {**INPUTS, field: ["leads:read"] if field == "scopes" else "019a8c3e-0000-7000-8000-000000000009"}
    result = configured(ApiKeyProvider).diff("k1", {**INPUTS, "key": "v"}, new)
    assert result.replaces == [field]
    assert result.delete_before_replace is False  # the new key exists before the old goes


def test_allow_full_access_alone_changes_without_replace_or_call(fake: FakeApi) -> None:
    p = configured(ApiKeyProvider)
    result = p.diff("k1", INPUTS, {**INPUTS, "allow_full_access": True})
    assert (result.changes, result.replaces) == (True, [])
    outs = p.update("k1", {**INPUTS, "key": "secret-value"}, {**INPUTS, "allow_full_access": True}).outs
    assert outs["key"] == "secret-value"
    assert outs["allow_full_access"] is True
    assert fake.calls == []


def test_create_keeps_the_full_value_read_carries_it_forward(fake: FakeApi) -> None:
    fake.on("POST", "/api-keys", (200, key_doc(1, "full-secret-value")))
    p = configured(ApiKeyProvider)
    created = p.create(INPUTS)
    assert created.outs["key"] == "full-secret-value"
    assert len(fake.calls) == 1
    fake.on("GET", "/api-keys", (200, {"items": [key_doc(1)]}))
    read = p.read("k1", created.outs)
    assert read.outs["key"] == "full-secret-value"


def test_reading_150_keys_costs_two_list_calls(fake: FakeApi) -> None:
    keys = [key_doc(i) for i in range(150)]
    fake.on(
        "GET",
        "/api-keys",
        (200, {"items": keys[:100], "next_starting_after": "k99"}),
        (200, {"items": keys[100:]}),
    )
    p = configured(ApiKeyProvider)
    for i in range(150):
        assert p.read(f"k{i}", INPUTS).id == f"k{i}"
    assert len(fake.calls) == math.ceil(150 / 100)
    assert fake.calls[1].url.params["starting_after"] == "k99"
    assert p.read("k-gone", INPUTS).id == ""


def test_refuses_to_delete_its_own_key_without_calling(fake: FakeApi) -> None:
    with pytest.raises(SelfRevocationError, match="authenticates with") as info:
        configured(ApiKeyProvider).delete("k1", {**INPUTS, "key": KEY})
    assert KEY not in str(info.value)
    assert fake.calls == []


def test_servers_self_revocation_answer_is_explained(fake: FakeApi) -> None:
    fake.on(
        "DELETE",
        "/api-keys/k1",
        (400, {"statusCode": 400, "error": "Bad Request", "message": "An API key cannot delete itself"}),
    )
    with pytest.raises(SelfRevocationError, match="instantly:apiKey"):
        configured(ApiKeyProvider).delete("k1", {**INPUTS, "key": "other"})


def test_delete_404_is_success(fake: FakeApi) -> None:
    configured(ApiKeyProvider).delete("k1", {**INPUTS, "key": "other"})
    assert fake.writes() == [("DELETE", "/api/v2/api-keys/k1")]
