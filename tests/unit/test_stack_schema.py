"""The client stack schema: the examples parse; every mistake is named by its path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from instantly_pulumi.stack import CONFIG_KEY, PROJECT, ClientSpec, StackFileError, parse_client

STACKS = Path(__file__).parents[2] / "stacks"
WS = "019a8c3e-0000-7000-8000-00000000ac3e"


def example(name: str) -> dict[str, Any]:
    value: dict[str, Any] = yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())["config"][
        f"{PROJECT}:{CONFIG_KEY}"
    ]
    return value


@pytest.mark.parametrize("path", sorted(STACKS.glob("Pulumi.*.yaml")), ids=lambda p: p.name)
def test_every_stack_file_parses(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    spec = parse_client(doc["config"][f"{PROJECT}:{CONFIG_KEY}"])
    assert isinstance(spec, ClientSpec)
    # No agency key in plain text in a committed stack file.
    assert not isinstance(doc["config"].get("instantly:apiKey"), str)


def test_examples_together_use_every_option() -> None:
    specs = [parse_client(example(n)) for n in ("acme", "globex", "initech")]
    members = [m for s in specs for m in s.members]
    keys = [k for s in specs for k in s.api_keys]
    tags = [t for s in specs for t in s.tags]
    groups = [s.group_membership for s in specs if s.group_membership]
    assert {m.role for m in members} == {"admin", "editor", "view"}
    assert any(m.nickname for m in members)
    assert any(m.permissions for m in members)
    assert any(k.rotation for k in keys)
    assert any(k.allow_full_access for k in keys)
    assert any(t.campaigns for t in tags)
    assert any(t.accounts for t in tags)
    assert any(t.description for t in tags)
    assert any(s.adopt for s in specs)
    assert any(g.adopt for g in groups)
    assert any(g.wait_for_acceptance and g.acceptance_timeout for g in groups)


def messages(raw: dict[str, Any]) -> str:
    with pytest.raises(StackFileError) as info:
        parse_client(raw)
    return str(info.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"workspace_id": "nope"}, "client.workspace_id: 'nope' is not a UUID"),
        (
            {
                "workspace_id": WS,
                "members": [{"email": "a@b.co", "role": "view"}] * 2 + [{"email": "c@d.co", "role": "owner"}],
            },
            "client.members[2].role: Input should be 'admin', 'editor' or 'view'",
        ),
        (
            {"workspace_id": WS, "members": [{"email": "ana", "role": "view"}]},
            "client.members[0].email: 'ana' is not",
        ),
        (
            {"workspace_id": WS, "members": [{"email": "a@b.co", "role": "view", "permissions": ["x.y"]}]},
            "client.members[0].permissions: permissions[0]: 'x.y' is not an Instantly permission",
        ),
        (
            {"workspace_id": WS, "api_keys": [{"name": "k", "scopes": ["campaigns:reed"]}]},
            "client.api_keys[0].scopes: scopes[0]: 'campaigns:reed' is not one of the documented",
        ),
        ({"workspace_id": WS, "api_keys": [{"name": "k", "scopes": []}]}, "client.api_keys[0].scopes:"),
        (
            {"workspace_id": WS, "api_keys": [{"name": "k", "scopes": ["all:read"]}]},
            "client.api_keys[0]: scopes ['all:read'] grant access to every resource: set allow_full_access",
        ),
        ({"workspace_id": WS, "tags": [{"label": "   "}]}, "client.tags[0].label:"),
        (
            {"workspace_id": WS, "tags": [{"label": "x", "campaigns": ["c1"]}]},
            "client.tags[0].campaigns: campaigns[0]",
        ),
        (
            {"workspace_id": WS, "tags": [{"label": "x", "accounts": ["nobody"]}]},
            "client.tags[0].accounts: accounts[0]",
        ),
        (
            {"workspace_id": WS, "tags": [{"label": "x", "colour": "red"}]},
            "client.tags[0].colour: Extra inputs",
        ),
        (
            {"workspace_id": WS, "group_membership": {"acceptance_timeout": 0}},
            "client.group_membership.acceptance_timeout",
        ),
        (
            {
                "workspace_id": WS,
                "members": [{"email": "A@b.co", "role": "view"}, {"email": "a@b.co", "role": "view"}],
            },
            "members[1].email 'a@b.co' repeats members[0]",
        ),
        (
            {"workspace_id": WS, "tags": [{"label": "Outbound"}, {"label": " Outbound "}]},
            "tags[1].label 'Outbound' repeats tags[0]",
        ),
    ],
)
def test_errors_name_the_path(raw: dict[str, Any], expected: str) -> None:
    assert expected in messages(raw)


def test_all_errors_are_reported_at_once() -> None:
    text = messages({"workspace_id": "x", "members": [{"email": "a@b.co", "role": "owner"}], "typo": 1})
    assert "client.workspace_id" in text
    assert "client.members[0].role" in text
    assert "client.typo: Extra inputs are not permitted" in text


def test_missing_value_is_explained() -> None:
    with pytest.raises(StackFileError, match="instantly-clients:client"):
        parse_client(None)


def test_full_access_allowed_when_explicit() -> None:
    spec = parse_client(
        {"workspace_id": WS, "api_keys": [{"name": "k", "scopes": ["all:all"], "allow_full_access": True}]}
    )
    assert spec.api_keys[0].scopes == ["all:all"]
