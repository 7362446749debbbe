"""Did-you-mean for every closed vocabulary a user types (issue 19 §6): one matcher
(``validation.closest``) behind presets, roles, scopes, permissions, resource types, ``on_destroy``,
exclusive collections, stack-file and config keys, and the fleet's stack names — at preview (the
stack schema and the resources' checks) and in the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from instantly_cli.fleet.stacks import Project, choose
from instantly_pulumi import models, stack, validation
from instantly_pulumi.errors import ConfigurationError, StackFileError
from instantly_pulumi.resources.api_key import ApiKeyProvider
from instantly_pulumi.resources.tag_assignment import TagAssignmentProvider
from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider

from .conftest import WS, FakeApi, configured, failures


def problem(client: dict[str, Any]) -> str:
    with pytest.raises(StackFileError) as err:
        stack.parse_client({"workspace_id": WS, **client})
    return str(err.value)


@pytest.mark.parametrize(
    ("word", "vocabulary", "meant"),
    [
        ("campaign:read", models.SCOPES, "campaigns:read"),
        ("lead:read", models.SCOPES, "leads:read"),
        ("Campaigns:Read", models.SCOPES, "campaigns:read"),  # case alone: the same word
        ("campaign.view", models.PERMISSIONS, "campaigns.view"),
        ("leadmanagement.view", models.PERMISSIONS, "leadManagement.view"),
        ("mangaer", models.ACCESS_PRESETS, "manager"),
        ("Admin", models.ASSIGNABLE_ROLES, "admin"),
        ("editer", models.ASSIGNABLE_ROLES, "editor"),
        ("campaigns", models.RESOURCE_TYPES, "campaign"),
        ("delet", validation.ON_DESTROY, "delete"),
        ("api-keys", validation.COLLECTIONS, "api_keys"),
    ],
)
def test_the_closest_word_of_each_vocabulary(word: str, vocabulary: Any, meant: str) -> None:
    assert validation.closest(word, vocabulary) == meant


@pytest.mark.parametrize("word", ["superuser", "archive", "", "   ", 42, None])
def test_nothing_is_suggested_when_nothing_is_close(word: Any) -> None:
    vocabulary = [*models.ASSIGNABLE_ROLES, *validation.ON_DESTROY]
    assert validation.closest(word, vocabulary) is None
    assert validation.did_you_mean(word, vocabulary) == ""


def test_several_mistyped_items_each_name_their_suggestion() -> None:
    text = validation.did_you_mean(["campaign:read", "leads:read", "lead:create"], models.SCOPES)
    assert (
        text == "did you mean 'campaigns:read' (for 'campaign:read') and 'leads:create' (for 'lead:create')?"
    )


# -- the stack file, at preview -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client", "line"),
    [
        (
            {"members": [{"email": "a@client.example", "access": "mangaer"}]},
            "client.members[0].access: 'mangaer' is not an access preset: use admin, manager, sdr, viewer; "
            "did you mean 'manager'?",
        ),
        (
            {"members": [{"email": "a@client.example", "role": "Editor"}]},
            "client.members[0].role: 'Editor' is not a role the API can grant: use admin, editor or view "
            "(owner and client exist but cannot be assigned through the API); did you mean 'editor'?",
        ),
        (
            {"members": [{"email": "a@client.example", "role": "view", "permissions": ["campaign.view"]}]},
            "client.members[0].permissions: ['campaign.view'] is not an Instantly permission "
            "(see docs/reference/permissions.md); did you mean 'campaigns.view'?",
        ),
        (
            {"api_keys": [{"name": "crm", "scopes": ["campaign:read"]}]},
            "client.api_keys[0].scopes: ['campaign:read'] is not a documented scope "
            "(see docs/reference/scopes.md); did you mean 'campaigns:read'?",
        ),
        (
            {"on_destroy": "delet"},
            "client.on_destroy: 'delet' must be 'keep' or 'delete'; did you mean 'delete'?",
        ),
        (
            {"tags": [{"label": "x", "on_destroy": "kep"}]},
            "client.tags[0].on_destroy: 'kep' must be 'keep' or 'delete'; did you mean 'keep'?",
        ),
        (
            {"exclusive": ["member"]},
            "client.exclusive: item 0 'member' is not a collection: use members, api_keys or tags; "
            "did you mean 'members'?",
        ),
    ],
)
def test_the_stack_file_names_the_path_and_the_word_meant(client: dict[str, Any], line: str) -> None:
    assert problem(client).splitlines()[1].strip() == line


def test_a_preset_nothing_like_any_gets_the_list_alone() -> None:
    text = problem({"members": [{"email": "a@client.example", "access": "boss"}]})
    assert text.splitlines()[1].strip() == (
        "client.members[0].access: 'boss' is not an access preset: use admin, manager, sdr, viewer"
    )


def test_the_agency_config_suggests_too() -> None:
    with pytest.raises(StackFileError) as err:
        stack.parse_agency({"exclusive": ["tag"], "team": [{"email": "a@agency.example", "access": "SDR"}]})
    text = str(err.value)
    assert (
        "agency.exclusive: item 0 'tag' is not a collection: use members, api_keys or tags; "
        "did you mean 'tags'?" in text
    )
    assert (
        "agency.team[0].access: 'SDR' is not an access preset: use admin, manager, sdr, viewer; "
        "did you mean 'sdr'?" in text
    )


def test_stack_file_top_level_keys_are_suggested(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.acme.yaml"
    path.write_text("confg:\n  instantly:baseUrl: https://api.instantly.ai\nmembers: []\n")
    assert stack.check_stack_file(path) == [
        "Pulumi.acme.yaml: unknown top-level key 'confg' (did you mean 'config'? a stack file has config, "
        "secretsprovider, encryptedkey, encryptionsalt, environment; the client goes under config: "
        "instantly-clients:client)",
        "Pulumi.acme.yaml: unknown top-level key 'members' (a stack file has config, secretsprovider, "
        "encryptedkey, encryptionsalt, environment; the client goes under config: instantly-clients:client)",
    ]


def test_config_keys_differing_only_in_case_are_suggested() -> None:
    assert stack.check_config_keys(["instantly:BaseURL"]) == [
        "config: unknown key 'instantly:BaseURL' (did you mean 'instantly:baseUrl'?)"
    ]


# -- the resources' checks (a Python program using the resources directly) ------------------------


def test_checks_at_preview_suggest(fake: FakeApi) -> None:
    keys = configured(ApiKeyProvider)
    found = failures(keys.check({}, {"name": "crm", "scopes": ["campaign:read"], "workspace_id": WS}))
    assert found["scopes"].endswith("did you mean 'campaigns:read'?")
    members = configured(WorkspaceMemberProvider)
    found = failures(
        members.check({}, {"email": "a@client.example", "role": "admn", "permissions": ["campaign.edit"]})
    )
    assert found["role"].endswith("did you mean 'admin'?")
    assert found["permissions"].endswith("did you mean 'campaigns.edit'?")
    tags = configured(TagAssignmentProvider)
    found = failures(tags.check({}, {"tag_id": WS, "resource_type": "campaigns", "resource_ids": [WS]}))
    assert (
        found["resource_type"]
        == "resource_type: 'campaigns' must be 'campaign' or 'account'; did you mean 'campaign'?"
    )


# -- the CLI ----------------------------------------------------------------------------------------


def test_fleet_suggests_the_stack_meant(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: clients\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    for name in ("acme-corp", "globex"):
        (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    with pytest.raises(ConfigurationError) as err:
        choose(Project.find(tmp_path), ["acme-crop"], None)
    assert str(err.value).endswith("stacks: acme-corp, globex; did you mean 'acme-corp'?")
