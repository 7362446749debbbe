"""``instantly-pulumi leave-group`` against the sandbox: a sub-workspace's owner leaves from its
own side; the agency's key, a workspace outside any group and a missing --yes are refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.cli_support import Agency, Api, Run, run_cli, writes

pytestmark = pytest.mark.integration


def statuses(agency: Agency) -> list[str]:
    with Api(agency.base_url, agency.agency_key) as api:
        items = api.get("/workspace-group-members?limit=100")["items"]
    return [g["status"] for g in items if g["sub_workspace_id"] == agency.client_id]


def leave_group(agency: Agency, key: str, *, yes: bool = True) -> Run:
    """``instantly-pulumi leave-group`` for the agency's client workspace, run with ``key``."""
    flags = ("--yes",) if yes else ()
    return run_cli(
        "leave-group", "--workspace-id", agency.client_id, *flags, key=key, base_url=agency.base_url
    )


def test_leave_group_from_the_sub_workspace_side(agency: Agency, control: Any) -> None:
    with Api(agency.base_url, agency.client_key) as api:
        membership = api.get("/workspace-group-members/admin")["workspace_group_member_id"]
    control.clear_requests()
    run = leave_group(agency, agency.client_key)
    assert run.code == 0, run.stderr
    assert writes(control.requests()) == [("DELETE", f"/api/v2/workspace-group-members/{membership}")]
    assert statuses(agency) == []
    assert f"membership {membership} deleted" in run.stdout
    assert "Agency" in run.stdout  # the group's admin, by name

    again = leave_group(agency, agency.client_key)
    assert again.code == 2
    assert "is not in a workspace group: there is nothing to leave" in again.stderr


def test_leave_group_refuses_another_workspaces_key_and_a_missing_yes(agency: Agency, control: Any) -> None:
    control.clear_requests()
    run = leave_group(agency, agency.agency_key)
    assert run.code == 2
    assert f"INSTANTLY_API_KEY belongs to workspace '{agency.client_id}'" not in run.stderr
    assert (
        f"({agency.agency_id}), not {agency.client_id}: a workspace leaves its group from its own side"
        in (run.stderr.replace("\n", ""))
    )
    no_yes = leave_group(agency, agency.client_key, yes=False)
    assert no_yes.code == 2
    assert "pass --yes to go ahead" in no_yes.stderr
    assert writes(control.requests()) == []
    assert statuses(agency) == ["accepted"]
