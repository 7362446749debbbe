"""What `fleet refresh --detect-drift` makes of the engine's events, given as the engine writes them
(JSON, read by the Automation API's own parser)."""

from __future__ import annotations

from typing import Any

from pulumi.automation import EngineEvent

from instantly_cli.fleet.drift import CHANGED, FILE, GONE, Drift, DriftWatch

MEMBER = "pulumi-python:dynamic/instantly:WorkspaceMember"
URN = f"urn:pulumi:acme::instantly-clients::{MEMBER}::member-ana@client.example"


def state(**values: Any) -> dict[str, Any]:
    props = {"email": "ana@client.example", "__provider": "[secret]", **values}
    return {"type": MEMBER, "urn": URN, "inputs": props, "outputs": props}


def event(
    kind: str, op: str, old: dict[str, Any] | None, new: dict[str, Any] | None, **meta: Any
) -> EngineEvent:
    metadata = {
        "op": op,
        "urn": URN,
        "type": meta.pop("type", MEMBER),
        "provider": "",
        "old": old,
        "new": new,
    }
    return EngineEvent.from_json({"sequence": 1, "timestamp": 0, kind: {"metadata": {**metadata, **meta}}})


def watch(*events: EngineEvent) -> list[Drift]:
    seen = DriftWatch()
    for e in events:
        seen.observe(e)
    return seen.drifts


def test_an_object_read_as_the_state_says_is_no_drift() -> None:
    same = state(role="view")
    assert (
        watch(event("resOutputsEvent", "refresh", same, same), event("resourcePreEvent", "same", same, same))
        == []
    )


def test_a_field_changed_outside_and_what_up_would_do_about_it() -> None:
    found = watch(
        event("resOutputsEvent", "refresh", state(role="view"), state(role="editor", __intent="x")),
        event("resourcePreEvent", "update", state(role="editor"), state(role="view", __intent="y")),
    )
    assert found == [
        Drift("member-ana@client.example", "WorkspaceMember", CHANGED, ("role",)),
        Drift("member-ana@client.example", "WorkspaceMember", FILE, ("role",), "update"),
    ]
    assert found[1].text() == (
        "member-ana@client.example (WorkspaceMember): differs from the file (up would update it): role"
    )


def test_the_diff_keys_win_when_the_engine_gives_them() -> None:
    (found,) = watch(
        event("resOutputsEvent", "refresh", state(role="view"), state(role="view"), diffs=["nickname"])
    )
    assert found.fields == ("nickname",)


def test_an_object_deleted_outside_is_gone_and_up_would_create_it() -> None:
    found = watch(
        event("resOutputsEvent", "refresh", state(role="view"), None),
        event("resourcePreEvent", "create", None, state(role="view")),
    )
    assert [(d.found, d.operation, d.fields) for d in found] == [(GONE, None, ()), (FILE, "create", ())]


def test_a_replacement_is_one_entry_and_other_packages_are_ignored() -> None:
    old, new = state(permissions=["a"]), state(permissions=["b"])
    found = watch(
        event("resourcePreEvent", "create-replacement", old, new),
        event("resourcePreEvent", "replace", old, new),
        event("resourcePreEvent", "delete-replaced", old, new),
        event("resourcePreEvent", "update", old, new, type="pulumi:pulumi:Stack"),
    )
    assert found == [Drift("member-ana@client.example", "WorkspaceMember", FILE, ("permissions",), "replace")]
