"""``instantly-pulumi leave-group`` against the sandbox: a sub-workspace's owner leaves from its
own side; the agency's key, a workspace outside any group and a missing --yes are refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.cli_support import Agency, Api, make_agency, run_cli, writes

pytestmark = pytest.mark.integration


@pytest.fixture
def agency(sandbox: Any, control: Any, request: pytest.FixtureRequest) -> Agency:
    return make_agency(control, sandbox.base_url, request.node.name[-12:].replace("_", ""))


def statuses(agency: Agency) -> list[str]:
    with Api(agency.base_url, agency.agency_key) as api:
        items = api.get("/workspace-group-members?limit=100")["items"]
    return [g["status"] for g in items if g["sub_workspace_id"] == agency.client_id]


def test_leave_group_from_the_sub_workspace_side(agency: Agency, control: Any) -> None:
    with Api(agency.base_url, agency.client_key) as api:
        membership = api.get("/workspace-group-members/admin")["workspace_group_member_id"]
    control.clear_requests()
    run = run_cli(
        "leave-group",
        "--workspace-id",
        agency.client_id,
        "--yes",
        key=agency.client_key,
        base_url=agency.base_url,
    )
    assert run.code == 0, run.stderr
    assert writes(control.requests()) == [("DELETE", f"/api/v2/workspace-group-members/{membership}")]
    assert statuses(agency) == []
    assert f"membership {membership} deleted" in run.stdout
    assert "Agency" in run.stdout  # the group's admin, by name

    again = run_cli(
        "leave-group",
        "--workspace-id",
        agency.client_id,
        "--yes",
        key=agency.client_key,
        base_url=agency.base_url,
    )
    assert again.code == 2
    assert "is not in a workspace group: there is nothing to leave" in again.stderr


def test_leave_group_refuses_another_workspaces_key_and_a_missing_yes(agency: Agency, control: Any) -> None:
    control.clear_requests()
    run = run_cli(
        "leave-group",
        "--workspace-id",
        agency.client_id,
        "--yes",
        key=agency.agency_key,
        base_url=agency.base_url,
    )
    assert run.code == 2
    assert f"INSTANTLY_API_KEY belongs to workspace '{agency.client_id}'" not in run.stderr
    assert (
        f"({agency.agency_id}), not {agency.client_id}: a workspace leaves its group from its own side"
        in (run.stderr.replace("\n", ""))
    )
    no_yes = run_cli(
        "leave-group", "--workspace-id", agency.client_id, key=agency.client_key, base_url=agency.base_url
    )
    assert no_yes.code == 2
    assert "pass --yes to go ahead" in no_yes.stderr
    assert writes(control.requests()) == []
    assert statuses(agency) == ["accepted"]
