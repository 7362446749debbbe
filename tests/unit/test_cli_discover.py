"""discover's rendering over MockTransport: awkward values survive the trip into YAML and
back; what a stack cannot declare becomes comments; trimmed values are warned about."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import typer
import yaml

from instantly_cli import discover as d
from instantly_cli.workspace_reader import WorkspaceReader
from instantly_pulumi.stack import parse_client
from tests.unit.conftest import OTHER_WS, WS, FakeApi, no_wait_client, page

AGENCY = OTHER_WS
C1 = "019a8c3e-0000-7000-8000-0000000000c1"
OWNER_USER = "019a8c3e-0000-7000-8000-00000000000a"


def reader(api: FakeApi) -> WorkspaceReader:
    return WorkspaceReader(no_wait_client(httpx.MockTransport(api.handler)))


def workspace(request: httpx.Request) -> httpx.Response:
    acting = request.headers.get("x-as-workspace")
    ws = {"id": acting or AGENCY, "name": "Acme" if acting else "Agency", "owner": OWNER_USER}
    return httpx.Response(200, json=ws)


def member(email: str, role: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"id-{email}",
        "email": email,
        "role": role,
        "user_id": f"u-{email}",
        "accepted": True,
        **extra,
    }


@pytest.fixture
def api() -> FakeApi:
    fake = FakeApi()
    fake.on("GET", "/workspaces/current", workspace)
    fake.on(
        "GET", "/workspace-group-members", page({"id": "g1", "sub_workspace_id": WS, "status": "accepted"})
    )
    fake.on(
        "GET",
        "/workspace-members",
        page(
            {**member("boss@acme.example", "owner"), "user_id": OWNER_USER},
            member("odd@acme.example", "editor", nickname="true", permissions=["campaigns.view"]),
            member("hash@acme.example", "view", nickname="Sam # SDR: west\nline two", accepted=False),
            member("spaced@acme.example", "view", nickname=" padded "),
            member("client@acme.example", "client"),
        ),
    )
    fake.on(
        "GET", "/api-keys", page({"id": "k1", "name": "crm\nsync", "scopes": ["all:all"], "key": "****abcd"})
    )
    fake.on(
        "GET",
        "/custom-tags",
        page({"id": "t1", "label": "null", "description": "- a: b"}, {"id": "t2", "label": "Only"}),
    )
    fake.on(
        "GET",
        "/custom-tag-mappings",
        page(
            {"tag_id": "t1", "resource_type": 2, "resource_id": C1},
            {"tag_id": "t1", "resource_type": 2, "resource_id": "019a8c3e-0000-7000-8000-0000000000c9"},
            {"tag_id": "t1", "resource_type": 1, "resource_id": "yes@acme.example"},
        ),
    )
    fake.on("GET", "/campaigns", page({"id": C1, "name": "Q1 # outbound"}))
    fake.on("GET", "/accounts", page({"email": "yes@acme.example"}))
    return fake


def test_awkward_values_survive_and_what_cannot_be_declared_is_commented(api: FakeApi) -> None:
    found = d.discover(reader(api), WS)
    text = d.render(found, base_url="http://127.0.0.1:9", client="acme")
    d.check_rendered(text, found)
    value = yaml.safe_load(text)["config"]["instantly-clients:client"]
    assert value == found.value()
    assert [m["email"] for m in value["members"]] == [
        "odd@acme.example",
        "hash@acme.example",
        "spaced@acme.example",
    ]
    assert value["members"][0] == {
        "email": "odd@acme.example", "role": "editor", "nickname": "true", "permissions": ["campaigns.view"]
    }  # fmt: skip
    assert value["members"][1]["nickname"] == "Sam # SDR: west\nline two"
    assert value["tags"] == [
        {"label": "null", "description": "- a: b", "campaigns": [C1], "accounts": ["yes@acme.example"]},
        {"label": "Only"},
    ]
    parse_client(value)
    assert "# Not declared: boss@acme.example, the owner" in text
    assert "# Not declared: client@acme.example, role client (a role the API cannot grant)." in text
    assert "#   - name: crm\\nsync  scopes: [all:all]  id: k1  <- full access" in text
    assert "abcd" not in text  # not even a masked key
    assert "campaign 019a8c3e-0000-7000-8000-0000000000c9, which no longer exists (left out)" in text
    assert f"{C1}  # Q1 # outbound" in text
    assert "# invited, not accepted yet" in text
    # A value a stack file would read differently is named: the first `up` would change it.
    assert found.warnings == [
        "client.members[2].nickname: ' padded ' reads as 'padded' in a stack file (surrounding spaces are "
        "trimmed), so the first `pulumi up` will change it"
    ]
    assert all(r.method == "GET" for r in api.calls)


def test_values_beyond_the_input_limits_are_left_out_and_said(api: FakeApi) -> None:
    """A live label or nickname the stack file cannot hold (validation.label, validation.nickname)
    does not break the file: the tag is left out with a warning, the nickname with a comment."""
    api.routes.pop(("GET", "/api/v2/workspace-members"))
    api.on("GET", "/workspace-members", page(member("nul@acme.example", "view", nickname="Sam\x00")))
    api.routes.pop(("GET", "/api/v2/custom-tags"))
    api.on("GET", "/custom-tags", page({"id": "t1", "label": "Two\nlines"}, {"id": "t2", "label": "Only"}))
    found = d.discover(reader(api), WS)
    text = d.render(found, base_url=None, client="acme")
    d.check_rendered(text, found)
    value = yaml.safe_load(text)["config"]["instantly-clients:client"]
    parse_client(value)
    assert value["members"] == [{"email": "nul@acme.example", "role": "view"}]
    assert "nickname left out: it holds a NUL character (U+0000 at position 3): remove it" in text
    assert [t["label"] for t in value["tags"]] == ["Only"]
    assert any(
        "is not declared: its label holds a control character (U+000A at position 3)" in w
        for w in found.warnings
    )


def test_the_keys_own_workspace_is_declared_as_the_agencys(api: FakeApi) -> None:
    found = d.discover(reader(api), AGENCY)
    assert found.value()["agency_workspace"] is True
    assert "group_membership" not in found.value()
    assert not any(r.headers.get("x-as-workspace") for r in api.calls)


@pytest.mark.parametrize(
    ("status", "message"),
    [("pending", "its owner has not accepted yet"), ("rejected", "(its invitation was rejected)")],
)
def test_a_workspace_the_agency_cannot_read_is_refused(
    api: FakeApi, status: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    api.routes.pop(("GET", "/api/v2/workspace-group-members"))
    api.on("GET", "/workspace-group-members", page({"id": "g1", "sub_workspace_id": WS, "status": status}))
    with pytest.raises(typer.Exit) as exc:
        d.discover(reader(api), WS)
    assert exc.value.exit_code == 2
    assert not any(r.headers.get("x-as-workspace") for r in api.calls)  # refused before acting in it
    assert message in capsys.readouterr().err.replace("\n", " ")


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("plain", "plain"),
        ("true", '"true"'),
        ("12", '"12"'),
        ("a: b", '"a: b"'),
        ("x #y", '"x #y"'),
        (" x", '" x"'),
        ("", '""'),
        ("019a8c3e-0000-7000-8000-0000000000c1", "019a8c3e-0000-7000-8000-0000000000c1"),
    ],
)
def test_scalars_are_plain_only_when_they_read_back_the_same(value: str, rendered: str) -> None:
    assert d._scalar(value) == rendered
    assert yaml.safe_load(f"k: {d._scalar(value)}")["k"] == value
