"""audit's parts without sockets: --since, what a stack's state says is managed, the exit code,
and the reader's paging and key-scope lookup over MockTransport."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer

from instantly_cli.audit import Report, parse_since
from instantly_cli.managed import Managed, read_project
from instantly_cli.workspace_reader import tag_coverage
from tests.unit.conftest import KEY, WS, FakeApi, error, page
from tests.unit.test_cli_discover import reader


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T09:30:00Z", datetime(2026, 11, 1, 9, 30, tzinfo=UTC)),
        ("2026-11-01T10:30:00+01:00", datetime(2026, 11, 1, 9, 30, tzinfo=UTC)),
        ("2026-11-01T09:30", datetime(2026, 11, 1, 9, 30, tzinfo=UTC)),
    ],
)
def test_since_takes_a_date_or_a_datetime(value: str, expected: datetime) -> None:
    assert parse_since(value) == expected


def test_since_refuses_anything_else(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as exc:
        parse_since("yesterday")
    assert exc.value.exit_code == 2
    assert "give YYYY-MM-DD or an ISO 8601 date-time" in capsys.readouterr().err


def test_the_state_of_a_stack_tells_which_keys_and_members_it_manages() -> None:
    managed = Managed(checked=True)
    managed.add_state(
        "acme",
        {
            "resources": [
                {"type": "pulumi:pulumi:Stack", "outputs": {"workspace_id": WS}},
                {
                    "type": "pulumi-python:dynamic/instantly:ApiKey",
                    "id": "k1",
                    "outputs": {"workspace_id": WS},
                },
                {"type": "pulumi-python:dynamic/instantly:WorkspaceMember", "id": "m1", "outputs": {}},
                {
                    "type": "pulumi-python:dynamic/instantly:CustomTag",
                    "id": "t1",
                    "outputs": {"workspace_id": WS},
                },
                {"type": "pulumi:providers:pulumi-python", "id": "p"},
            ]
        },
    )
    managed.add_state("empty", {})
    assert (managed.keys, managed.members) == ({"k1"}, {"m1"})
    assert managed.stacks_of(WS) == ["acme"]
    assert managed.stacks_of("other") == []


def test_outside_a_project_the_stacks_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = read_project(tmp_path)
    assert not outside.checked
    assert "no Pulumi.yaml here" in outside.note
    (tmp_path / "Pulumi.yaml").write_text("name: x\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    no_cli = read_project(tmp_path)
    assert not no_cli.checked
    assert "no `pulumi` on PATH" in no_cli.note


def test_the_exit_code_is_2_for_errors_then_1_for_findings() -> None:
    report = Report(since=None, managed=Managed(checked=False))
    assert report.exit_code == 0
    report.flag("full_access_key", WS, "k")
    assert report.exit_code == 1
    report.error(WS, "tags", RuntimeError("no"))
    assert report.exit_code == 2
    assert report.document()["exit_code"] == 2


def test_lists_are_read_100_a_page_following_the_cursor() -> None:
    api = FakeApi()
    first = [{"id": f"m{i}"} for i in range(100)]

    def members(request: httpx.Request) -> httpx.Response:
        assert request.url.params["limit"] == "100"
        assert request.headers["x-as-workspace"] == WS
        if request.url.params.get("starting_after") == "m99":
            return httpx.Response(200, json={"items": [{"id": "m100"}]})
        return httpx.Response(200, json={"items": first, "next_starting_after": "m99"})

    api.on("GET", "/workspaces/current", (200, {"id": "own"}))
    api.on("GET", "/workspace-members", members)
    assert len(reader(api).members(WS)) == 101
    assert len([c for c in api.calls if c.url.path.endswith("/workspace-members")]) == 2


@pytest.mark.parametrize(
    ("keys", "scopes"),
    [
        (
            [{"key": "****" + KEY[-4:], "scopes": ["workspaces:read"]}, {"key": "****zzzz", "scopes": []}],
            ["workspaces:read"],
        ),
        ([{"key": "****" + KEY[-4:], "scopes": ["a"]}, {"key": "****" + KEY[-4:], "scopes": ["b"]}], None),
    ],
)
def test_the_keys_own_scopes_are_told_only_when_unambiguous(keys: list[dict[str, Any]], scopes: Any) -> None:
    api = FakeApi()
    api.on("GET", "/api-keys", page(*keys))
    assert reader(api).own_key_scopes() == scopes
    assert all("x-as-workspace" not in c.headers for c in api.calls)


def test_the_keys_own_scopes_are_unknown_when_it_may_not_list_keys() -> None:
    api = FakeApi()
    api.on("GET", "/api-keys", error(403, "API key is missing one of the scopes: api_keys:read"))
    assert reader(api).own_key_scopes() is None


def test_tag_coverage_splits_campaigns_and_accounts_in_the_apis_order() -> None:
    tags = [{"id": "t1"}, {"id": "t2"}]
    mappings = [
        {"tag_id": "t1", "resource_type": 2, "resource_id": "c2"},
        {"tag_id": "t1", "resource_type": 1, "resource_id": "a@x.io"},
        {"tag_id": "t1", "resource_type": 2, "resource_id": "c1"},
        {"tag_id": "gone", "resource_type": 2, "resource_id": "c3"},
    ]
    assert tag_coverage(tags, mappings) == {
        "t1": {"campaigns": ["c2", "c1"], "accounts": ["a@x.io"]},
        "t2": {"campaigns": [], "accounts": []},
    }
