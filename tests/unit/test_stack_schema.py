"""The client stack schema: the examples parse; every mistake is named by its path."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from instantly_pulumi import models
from instantly_pulumi.errors import StackFileError
from instantly_pulumi.stack import (
    CONFIG_KEY,
    PROJECT,
    ClientSpec,
    check_config_keys,
    check_stack_file,
    load,
    parse_client,
)

STACKS = Path(__file__).parents[2] / "examples" / "stacks"
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
    assert {m.granted[0] for m in members} == {"admin", "editor", "view"}
    assert any(m.access for m in members)
    assert any(t.on_destroy for t in tags)
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
        ({"workspace_id": "nope"}, "client.workspace_id: 'nope' is not a workspace id (a UUID"),
        (
            {
                "workspace_id": WS,
                "members": [
                    {"email": "a@b.co", "role": "view"},
                    {"email": "b@b.co", "role": "view"},
                    {"email": "c@d.co", "role": "owner"},
                ],
            },
            "client.members[2].role: 'owner' is not a role the API can grant: use admin, editor or view",
        ),
        (
            {"workspace_id": WS, "members": [{"email": "ana", "role": "view"}]},
            "client.members[0].email: 'ana' is not an email address",
        ),
        (
            {"workspace_id": WS, "members": [{"email": "a@b.co", "role": "view", "nickname": "n" * 81}]},
            "client.members[0].nickname: is 81 characters long: at most 80 are allowed",
        ),
        (
            {"workspace_id": WS, "members": [{"email": "a@b.co", "role": "view", "permissions": ["x.y"]}]},
            "client.members[0].permissions: ['x.y'] is not an Instantly permission",
        ),
        (
            {"workspace_id": WS, "members": [{"email": "a@b.co"}]},
            "client.members[0]: needs a role (admin, editor, view) or an access preset",
        ),
        (
            {"workspace_id": WS, "members": [{"email": "a@b.co", "access": "sdr", "role": "view"}]},
            "client.members[0]: give either access (a preset) or role and permissions, not both",
        ),
        (
            {"workspace_id": WS, "members": [{"email": "a@b.co", "access": "boss"}]},
            "client.members[0].access: 'boss' is not an access preset: use admin, manager, sdr, viewer",
        ),
        (
            {"workspace_id": WS, "members": [{"email": "a@b.co", "role": "view", "emial": "x"}]},
            "client.members[0].emial: unknown key (did you mean 'email'?)",
        ),
        (
            {"workspace_id": WS, "api_keys": [{"name": "k", "scopes": ["campaigns:reed"]}]},
            "client.api_keys[0].scopes: ['campaigns:reed'] is not a documented scope",
        ),
        (
            {"workspace_id": WS, "api_keys": [{"name": "k", "scopes": []}]},
            "client.api_keys[0].scopes: must list at least one scope",
        ),
        (
            {"workspace_id": WS, "api_keys": [{"name": "k", "scopes": ["all:read"]}]},
            "client.api_keys[0]: ['all:read'] grant access to every resource of the workspace: list narrower "
            "scopes, or set allow_full_access: true",
        ),
        (
            {"workspace_id": WS, "api_keys": [{"name": "k", "scopes": "campaigns:read"}]},
            "client.api_keys[0].scopes: Input should be a valid list",
        ),
        ({"workspace_id": WS, "tags": [{"label": "   "}]}, "client.tags[0].label: must not be blank"),
        (
            {"workspace_id": WS, "tags": [{"label": "x", "campaigns": ["c1"]}]},
            "client.tags[0].campaigns: item 0 'c1' is not a campaign id (a UUID)",
        ),
        (
            {"workspace_id": WS, "tags": [{"label": "x", "accounts": ["nobody"]}]},
            "client.tags[0].accounts: item 0 'nobody' is not an email account",
        ),
        (
            {"workspace_id": WS, "tags": [{"label": "x", "colour": "red"}]},
            "client.tags[0].colour: unknown key (known keys: label, description,",
        ),
        (
            {"workspace_id": WS, "tags": [{"label": "x", "on_destroy": "archive"}]},
            "client.tags[0].on_destroy: 'archive' must be 'keep' or 'delete'",
        ),
        (
            {"workspace_id": WS, "group_membership": {"acceptance_timeout": 0}},
            "client.group_membership.acceptance_timeout: 0.0 must be a positive number of seconds",
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
        ({"workspace_id": WS, "memebers": []}, "client.memebers: unknown key (did you mean 'members'?)"),
    ],
)
def test_errors_name_the_path_and_say_what_to_do(raw: dict[str, Any], expected: str) -> None:
    assert expected in messages(raw)


def test_all_errors_are_reported_at_once() -> None:
    text = messages({"workspace_id": "x", "members": [{"email": "a@b.co", "role": "owner"}], "typo": 1})
    assert "client.workspace_id" in text
    assert "client.members[0].role" in text
    assert "client.typo: unknown key" in text


@pytest.mark.parametrize(
    ("spec", "provider"),
    [
        ("MemberSpec", "WorkspaceMember"),
        ("ApiKeySpec", "ApiKey"),
        ("TagSpec", "CustomTag"),
        ("GroupMembershipSpec", "SubWorkspace"),
    ],
)
def test_entry_keys_are_the_field_tables_own(spec: str, provider: str) -> None:
    # The stack file restates no field: every input the table places in an entry is a key with the
    # table's doc and the very validator the resource runs at preview; nothing else is, but the keys
    # that exist in stack files alone.
    import instantly_pulumi
    from instantly_pulumi import stack
    from instantly_pulumi.resources._fields import Place

    model = getattr(stack, spec)
    fields = getattr(instantly_pulumi, provider).provider_class.fields
    entry = [f for f in fields if not f.output and f.place is Place.ENTRY]
    stack_only = {"access", "renamed_from", "campaigns", "accounts"}
    assert [n for n in model.model_fields if n not in stack_only] == [f.name for f in entry]
    for f in entry:
        info = model.model_fields[f.name]
        assert info.description is not None
        assert info.description.startswith(f.doc)
        if f.check is not None:
            # pydantic keeps a required key's validators in its metadata, an optional one's in the union
            found = [*info.metadata]
            for arg in typing.get_args(info.annotation):
                found += getattr(arg, "__metadata__", ())
            validators = [getattr(m, "func", None) for m in found]
            assert f.check in validators, f.name


@pytest.mark.parametrize("preset", sorted(models.ACCESS_PRESETS))
def test_access_presets_expand_to_the_documented_role_and_permissions(preset: str) -> None:
    member = parse_client({"workspace_id": WS, "members": [{"email": "a@b.co", "access": preset}]}).members[0]
    role, permissions = models.ACCESS_PRESETS[preset]
    assert member.granted == (role, list(permissions) if permissions is not None else None)
    assert role in models.ASSIGNABLE_ROLES
    assert set(permissions or ()) <= models.PERMISSIONS


def test_group_membership_waits_by_default() -> None:
    spec = parse_client({"workspace_id": WS, "group_membership": {}})
    assert spec.group_membership is not None
    assert spec.group_membership.wait_for_acceptance is True


def test_missing_value_is_explained() -> None:
    with pytest.raises(StackFileError, match="instantly-clients:client"):
        parse_client(None)


def test_full_access_allowed_when_explicit() -> None:
    spec = parse_client(
        {"workspace_id": WS, "api_keys": [{"name": "k", "scopes": ["all:all"], "allow_full_access": True}]}
    )
    assert spec.api_keys[0].scopes == ["all:all"]


def test_unknown_config_keys_are_refused_with_a_suggestion() -> None:
    assert check_config_keys(["instantly:apiKey", "instantly-clients:client"]) == []
    (problem,) = check_config_keys(["instantly:apikey"])
    assert "unknown key 'instantly:apikey' (did you mean 'instantly:apiKey'?)" in problem
    (problem,) = check_config_keys(["aws:region"])
    assert "a client stack reads instantly:apiKey" in problem


def test_unknown_top_level_keys_of_the_stack_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config: {}\nencryptionsalt: v1:abc\nconfg: {}\n")
    (problem,) = check_stack_file(path)
    assert "unknown top-level key 'confg'" in problem


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, "no Instantly API key: run `pulumi config set --secret instantly:apiKey`"),
        ({"instantly:apiKey": "k", "instantly:baseUrl": "http://api.example.com"}, "plain http"),
        ({"instantly:apiKey": "k", "instantly:baseUrl": "https://api.instantly.ai/api/v2"}, "adds /api/v2"),
        ({"instantly:apiKey": "k", "instantly:baseUrl": "not a url"}, "is not a URL"),
    ],
)
def test_load_checks_credentials_without_calling_the_api(
    config: dict[str, Any], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INSTANTLY_API_KEY", raising=False)
    monkeypatch.delenv("INSTANTLY_BASE_URL", raising=False)
    raw = {**config, f"{PROJECT}:{CONFIG_KEY}": f'{{"workspace_id": "{WS}"}}'}
    with pytest.raises(StackFileError, match=re.escape(expected)):
        load(raw)


def test_load_reports_every_problem_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSTANTLY_API_KEY", raising=False)
    with pytest.raises(StackFileError) as info:
        load({"instantly:baseUrl": "ftp://x", "instantly-clients:clinet": "{}"})
    text = str(info.value)
    assert "'instantly-clients:clinet' (did you mean 'instantly-clients:client'?)" in text
    assert "is not a URL" in text
    assert "has no `instantly-clients:client` value" in text


AGENCY = {
    "team": [
        {"email": "ops@agency.example", "access": "manager"},
        {"email": "am@agency.example", "access": "viewer", "nickname": "AM"},
    ],
    "exclusive": ["members"],
}


def loaded(client: dict[str, Any], agency: Any = AGENCY) -> Any:
    config = {"instantly:apiKey": "k", f"{PROJECT}:{CONFIG_KEY}": client, f"{PROJECT}:agency": agency}
    return load(config)


def test_the_agency_team_joins_every_client_adopted_and_removed_with_its_line() -> None:
    spec = loaded({"workspace_id": WS})
    team = {m.email: m for m in spec.members}
    assert set(team) == {"ops@agency.example", "am@agency.example"}
    assert all(m.adopt is True and m.on_destroy == "delete" for m in team.values())
    assert team["ops@agency.example"].granted[0] == models.ACCESS_PRESETS["manager"][0]
    assert spec.from_team == {"ops@agency.example", "am@agency.example"}
    assert spec.exclusive == ["members"]


def test_a_clients_own_entry_wins_and_team_false_opts_out() -> None:
    spec = loaded({"workspace_id": WS, "members": [{"email": "OPS@agency.example", "role": "admin"}]})
    ops = [m for m in spec.members if m.email.lower() == "ops@agency.example"]
    assert [(m.role, m.adopt) for m in ops] == [("admin", None)]
    assert spec.from_team == {"am@agency.example"}
    alone = loaded({"workspace_id": WS, "team": False, "exclusive": []})
    assert (alone.members, alone.exclusive) == ([], [])


@pytest.mark.parametrize(
    ("agency", "expected"),
    [
        (
            {"team": [{"email": "x@y.example", "acess": "viewer"}]},
            "agency.team[0].acess: unknown key (did you mean 'access'?)",
        ),
        (
            {"exclusive": ["member"]},
            "agency.exclusive: item 0 'member' is not a collection: use members, api_keys or tags; "
            "did you mean 'members'?",
        ),
        ({"tema": []}, "agency.tema: unknown key (did you mean 'team'?)"),
        ("[1, 2]", "agency: must be a mapping of keys (team, exclusive)"),
    ],
)
def test_a_bad_agency_config_is_named_by_its_path(agency: Any, expected: str) -> None:
    with pytest.raises(StackFileError) as info:
        loaded({"workspace_id": WS}, agency)
    assert expected in str(info.value)
    assert "Pulumi.yaml" in str(info.value) or "mapping" in expected
