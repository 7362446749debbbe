"""What a killed run's records in the state say (instantly_pulumi.recovery), and when an intent is new.

A replacement creates under the URN of the object it replaces, so "the state holds the URN" does not
mean a pending create was resolved: these are the states a kill during a replacement leaves.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from instantly_pulumi import recovery
from instantly_pulumi.resources._recovery import INTENT, Intent, stamp

TYPE = "pulumi-python:dynamic/instantly:WorkspaceMember"
URN = f"urn:pulumi:acme::instantly-clients::{TYPE}::member-perm@x.example"
KEY_URN = "urn:pulumi:acme::instantly-clients::pulumi-python:dynamic/instantly:ApiKey::key-rotating"


def intent(at: str, nonce: str) -> dict[str, Any]:
    return {"at": at, "nonce": nonce}


OLD = {
    "email": "perm@x.example",
    "permissions": ["campaigns.view"],
    INTENT: intent("2026-11-01T10:00:00+00:00", "a"),
}
NEW = {
    "email": "perm@x.example",
    "permissions": ["analytics.view"],
    INTENT: intent("2026-12-06T10:00:00+00:00", "b"),
}


def left_of(resources: list[dict[str, Any]], pending: list[dict[str, Any]]) -> recovery.Left:
    export = {"deployment": {"resources": resources, "pending_operations": pending}}

    def run(*_args: Any, **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], 0, json.dumps(export), "")

    return recovery.read_state("acme", Path("."), run=run)


@pytest.fixture(autouse=True)
def a_pulumi_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recovery.shutil, "which", lambda _name: "/usr/bin/pulumi")


def creating(urn: str, inputs: dict[str, Any], kind: str = TYPE) -> dict[str, Any]:
    return {"type": "creating", "resource": {"urn": urn, "type": kind, "inputs": inputs}}


def test_a_create_the_state_holds_with_its_inputs_is_resolved() -> None:
    left = left_of(
        [
            {
                "urn": URN,
                "id": "m2",
                "type": TYPE,
                "inputs": {**NEW, INTENT: {**NEW[INTENT], "recovered": True}},
            }
        ],
        [creating(URN, NEW)],
    )
    assert left.unresolved == []


def test_a_killed_delete_first_replacement_hands_its_intent_back() -> None:
    # The old member was deleted (pendingReplacement) and the new one's create was in flight.
    left = left_of(
        [{"urn": URN, "id": "m1", "type": TYPE, "inputs": OLD, "pendingReplacement": True}],
        [creating(URN, NEW)],
    )
    (_p,) = left.unresolved
    handed = recovery.intents(left.unresolved)[("WorkspaceMember", "member-perm@x.example")]
    assert handed["recovered"] is True
    assert handed["nonce"] == "b"
    assert "held" not in handed
    assert "m1" not in left.held_ids  # deleted already: nothing of it is live


def test_a_killed_create_first_replacement_names_the_key_it_replaces() -> None:
    old = {
        "name": "rotating",
        "scopes": ["campaigns:read"],
        "rotation": "r0",
        INTENT: intent("2026-11-01T10:00:00+00:00", "a"),
    }
    new = {**old, "rotation": "r1", INTENT: intent("2026-12-06T10:00:00+00:00", "b")}
    kind = "pulumi-python:dynamic/instantly:ApiKey"
    left = left_of(
        [{"urn": KEY_URN, "id": "k1", "type": kind, "inputs": old}], [creating(KEY_URN, new, kind)]
    )
    (p,) = left.unresolved
    assert p.intent is not None
    assert p.intent.held == ("k1",)
    assert p.intent.recovered


def test_of_several_records_of_one_object_the_latest_intent_is_handed_back() -> None:
    earlier = {**NEW, INTENT: intent("2026-12-06T09:00:00+00:00", "z")}
    left = left_of([], [creating(URN, NEW), creating(URN, earlier)])
    assert recovery.intents(left.unresolved)[("WorkspaceMember", "member-perm@x.example")]["nonce"] == "b"


def test_unchanged_inputs_keep_their_intent_and_changed_ones_get_a_new_one() -> None:
    same = {k: v for k, v in OLD.items() if k != INTENT}
    stamp(same, OLD)
    kept, old = Intent.of(same), Intent.of(OLD)
    assert kept is not None
    assert old is not None
    assert (kept.at, kept.nonce) == (old.at, old.nonce)

    changed = {**same, "permissions": ["analytics.view"]}
    del changed[INTENT]
    stamp(changed, OLD)
    fresh = Intent.of(changed)
    assert fresh is not None
    assert fresh.nonce != old.nonce
    assert fresh.at > old.at
