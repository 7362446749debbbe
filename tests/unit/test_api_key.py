"""ApiKey over a fake API: least privilege, replace-only, the secret carried, no orphan after a lost write."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pulumi.output import Unknown

from instantly_pulumi.errors import SelfRevocationError
from instantly_pulumi.resources.api_key import ApiKeyProvider

from .conftest import KEY, WS, FakeApi, configured, error, failures, iso, lost, page

INPUTS: dict[str, Any] = {
    "name": "crm",
    "scopes": ["campaigns:read"],
    "rotation": None,
    "allow_full_access": False,
    "workspace_id": WS,
    "allow_agency_workspace": False,
    "on_destroy": None,
}


def key_doc(id_: str = "k1", value: str = "****abcd", **over: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "name": "crm",
        "scopes": ["campaigns:read"],
        "key": value,
        "organization_id": WS,
        "timestamp_created": iso(3600),
        "timestamp_updated": iso(3600),
        **over,
    }


def test_check(fake: FakeApi) -> None:
    p = configured(ApiKeyProvider)
    assert set(failures(p.check({}, {"name": " ", "scopes": ["campaigns:reed"]}))) == {"name", "scopes"}
    assert "allow_full_access: true" in failures(p.check({}, {**INPUTS, "scopes": ["all:read"]}))["scopes"]
    assert failures(p.check({}, {**INPUTS, "scopes": ["all:all"], "allow_full_access": True})) == {}
    assert "at least one scope" in failures(p.check({}, {**INPUTS, "scopes": []}))["scopes"]
    assert "repeats" in failures(p.check({}, {**INPUTS, "scopes": ["leads:read", "leads:read"]}))["scopes"]
    assert failures(p.check(INPUTS, {**INPUTS, "scopes": Unknown()})) == {}  # computed: checked at up
    # A new key's workspace is compared with the agency's (one read per process); nothing else is sent.
    assert [(r.method, r.url.path) for r in fake.calls] == [("GET", "/api/v2/workspaces/current")]


@pytest.mark.parametrize("field", ["name", "scopes", "rotation", "workspace_id"])
def test_every_change_but_the_options_replaces(fake: FakeApi, field: str) -> None:
    new = {**INPUTS, field: ["leads:read"] if field == "scopes" else "019a8c3e-0000-7000-8000-000000000009"}
    result = configured(ApiKeyProvider).diff("k1", {**INPUTS, "key": "v"}, new)
    assert result.replaces == [field]
    assert result.delete_before_replace is False  # the new key exists before the old goes


def test_options_change_without_replace_or_call(fake: FakeApi) -> None:
    p = configured(ApiKeyProvider)
    result = p.diff("k1", INPUTS, {**INPUTS, "allow_full_access": True})
    assert (result.changes, result.replaces) == (True, [])
    outs = p.update("k1", {**INPUTS, "key": "secret-value"}, {**INPUTS, "allow_full_access": True}).outs
    assert outs["key"] == "secret-value"
    assert outs["allow_full_access"] is True
    assert fake.calls == []


def test_create_keeps_the_full_value_and_read_carries_it_forward(fake: FakeApi) -> None:
    fake.on("POST", "/api-keys", (200, key_doc(value="full-secret-value", timestamp_created=iso())))
    p = configured(ApiKeyProvider)
    created = p.create(INPUTS)
    assert created.outs["key"] == "full-secret-value"
    assert len(fake.calls) == 1
    fake.on("GET", "/api-keys", page(key_doc(name="renamed")))
    read = p.read("k1", created.outs)
    assert read.outs["key"] == "full-secret-value"  # the listing's masked value never replaces it
    assert read.outs["name"] == "renamed"  # drift is read from the API


def test_lost_create_revokes_the_orphan_before_creating_the_key_it_keeps(fake: FakeApi) -> None:
    fake.on("POST", "/api-keys", lost, (200, key_doc("k-kept", "kept-value", timestamp_created=iso())))
    fake.on(
        "GET",
        "/api-keys",
        page(
            key_doc("k-orphan", timestamp_created=iso()),  # same name and scopes, made just now: ours
            key_doc("k-old"),  # same name and scopes, but an hour old (a rotation's predecessor)
            key_doc("k-other-name", name="crm2", timestamp_created=iso()),
            key_doc("k-other-scopes", scopes=["leads:read"], timestamp_created=iso()),
        ),
    )
    fake.on("DELETE", "/api-keys/k-orphan", (200, key_doc("k-orphan")))
    created = configured(ApiKeyProvider).create(INPUTS)
    assert (created.id, created.outs["key"]) == ("k-kept", "kept-value")
    assert fake.writes() == [
        ("POST", "/api/v2/api-keys"),
        ("DELETE", "/api/v2/api-keys/k-orphan"),
        ("POST", "/api/v2/api-keys"),
    ]


def test_a_lost_create_the_api_commits_late_is_still_found_and_revoked(fake: FakeApi) -> None:
    # The first create's answer is lost and the API commits it only later: the key shows up at the
    # third look. The provider looks until the late-commit horizon before it sends the create again.
    fake.on("POST", "/api-keys", lost, (200, key_doc("k-kept", "kept-value", timestamp_created=iso())))
    fake.on("GET", "/api-keys", page(), page(), page(key_doc("k-late", timestamp_created=iso())), page())
    fake.on("DELETE", "/api-keys/k-late", (200, key_doc("k-late")))
    created = configured(ApiKeyProvider).create(INPUTS)
    assert created.id == "k-kept"
    assert fake.writes() == [
        ("POST", "/api/v2/api-keys"),
        ("DELETE", "/api/v2/api-keys/k-late"),
        ("POST", "/api/v2/api-keys"),
    ]


def test_the_late_commit_horizon_is_twice_the_timeout_and_at_least_ten_seconds() -> None:
    from instantly_pulumi.resources.api_key import late_commit_horizon

    assert late_commit_horizon(30) == 60
    assert late_commit_horizon(2) == 10


def test_a_key_this_process_minted_is_never_taken_for_an_orphan(fake: FakeApi) -> None:
    p = configured(ApiKeyProvider)
    fake.on("POST", "/api-keys", (200, key_doc("k-sibling", "v1", timestamp_created=iso())))
    p.create(INPUTS)  # another resource of the stack, same name and scopes, created just now
    fake.routes.clear()
    fake.on("POST", "/api-keys", error(500, "boom"), (200, key_doc("k-mine", "v2", timestamp_created=iso())))
    fake.on("GET", "/api-keys", page(key_doc("k-sibling", timestamp_created=iso())))
    assert p.create(INPUTS).id == "k-mine"
    assert ("DELETE", "/api/v2/api-keys/k-sibling") not in fake.writes()


def test_reading_150_keys_costs_two_list_calls(fake: FakeApi) -> None:
    keys = [key_doc(f"k{i}") for i in range(150)]
    fake.on("GET", "/api-keys", (200, {"items": keys[:100], "next_starting_after": "k99"}), page(*keys[100:]))
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
    fake.on("DELETE", "/api-keys/k1", error(400, "An API key cannot delete itself"))
    with pytest.raises(SelfRevocationError, match="instantly:apiKey"):
        configured(ApiKeyProvider).delete("k1", {**INPUTS, "key": "other"})


def test_delete_404_is_success_and_keep_deletes_nothing(fake: FakeApi) -> None:
    p = configured(ApiKeyProvider)
    p.delete("k1", {**INPUTS, "key": "other"})
    assert fake.writes() == [("DELETE", "/api/v2/api-keys/k1")]
    p.delete("k2", {**INPUTS, "key": "other", "on_destroy": "keep"})
    assert fake.writes() == [("DELETE", "/api/v2/api-keys/k1")]


def test_ambiguous_delete_reads_the_listing_before_repeating(fake: FakeApi) -> None:
    fake.on("DELETE", "/api-keys/k1", lost)
    fake.on("GET", "/api-keys", page(key_doc("k2")))  # k1 is gone: the delete landed
    configured(ApiKeyProvider).delete("k1", {**INPUTS, "key": "other"})
    assert [r.method for r in fake.calls] == ["DELETE", "GET"]
