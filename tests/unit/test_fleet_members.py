"""Who the fleet's summary says an `up` added and removed, from the engine's finished steps (JSON as the
engine writes it, read by the Automation API's own parser). The e2e tests see added, taken over and
removed through a real run; here the cases a run rarely shows."""

from __future__ import annotations

from typing import Any

from pulumi.automation import EngineEvent

from instantly_cli.fleet.members import MEMBER_TYPE, MemberChanges


def done(
    op: str, email: str, old: dict[str, Any] | None = None, new: dict[str, Any] | None = None
) -> EngineEvent:
    urn = f"urn:pulumi:acme::instantly-clients::{MEMBER_TYPE}::member-{email}"

    def state(props: dict[str, Any] | None) -> dict[str, Any] | None:
        if props is None:
            return None
        return {"type": MEMBER_TYPE, "urn": urn, "outputs": {"email": email, **props}}

    meta = {"op": op, "urn": urn, "type": MEMBER_TYPE, "provider": "", "old": state(old), "new": state(new)}
    return EngineEvent.from_json({"sequence": 1, "timestamp": 0, "resOutputsEvent": {"metadata": meta}})


def summary(*events: EngineEvent) -> MemberChanges:
    seen = MemberChanges()
    for event in events:
        seen.observe(event)
    return seen


def test_a_deletion_says_what_the_provider_did() -> None:
    seen = summary(
        done("delete", "made@x.example", old={"adopted": False}),
        done("delete", "found@x.example", old={"adopted": True}),  # adopted: kept by default
        done("delete", "team@x.example", old={"adopted": True, "on_destroy": "delete"}),
        done("delete", "kept@x.example", old={"adopted": False, "on_destroy": "keep"}),
    )
    assert seen.document()["removed"] == ["made@x.example", "team@x.example"]
    assert seen.document()["left"] == ["found@x.example", "kept@x.example"]


def test_a_replacement_is_one_reinvitation_and_other_types_do_not_count() -> None:
    seen = summary(
        done("create-replacement", "ana@x.example", new={"permissions": ["b"]}),
        done("delete-replaced", "ana@x.example", old={"permissions": ["a"]}),
        done("replace", "ana@x.example", old={}, new={}),
        done("same", "bo@x.example", old={}, new={}),
    )
    other = EngineEvent.from_json(
        {
            "sequence": 2,
            "timestamp": 0,
            "resOutputsEvent": {"metadata": {"op": "create", "urn": "u", "type": "pulumi:pulumi:Stack"}},
        }
    )
    seen.observe(other)
    assert seen.text() == "re-invited (replaced: a new invitation to accept) ana@x.example"


def test_nobody_changed_says_nothing() -> None:
    assert summary().text() == ""
