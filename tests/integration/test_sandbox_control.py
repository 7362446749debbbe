"""The control plane's newer knobs over a real socket: rate-limit budgets (``per``), the
after-commit delay, security tokens, plans and recorded audit events. Exact statuses and
messages, as the API's own negative tests would assert them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from instantly_sandbox.testing import SandboxControl, SandboxProcess

pytestmark = pytest.mark.integration


def client(base_url: str, key: str, as_workspace: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"}
    if as_workspace:
        headers["x-as-workspace"] = as_workspace
    return httpx.Client(base_url=f"{base_url}/api/v2", headers=headers, timeout=30)


def control_put(base_url: str, path: str, body: Any) -> httpx.Response:
    return httpx.put(f"{base_url}/_sandbox{path}", json=body)


@pytest.fixture
def agency_with_two_clients(
    sandbox: Any, control: SandboxControl, workspace_factory: Callable[..., Any]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(agency key, client A as {ws, key}, client B as {ws, key}); both accepted into the group."""
    _, agency_key = workspace_factory()
    clients = []
    with client(sandbox.base_url, agency_key) as agency:
        for _ in range(2):
            ws, key = workspace_factory()
            invite = agency.post("/workspace-group-members", json={"sub_workspace_id": ws["id"]}).json()
            control.accept_group_member(invite["id"])
            clients.append({"ws": ws, "key": key})
    return agency_key, clients[0], clients[1]


def test_limits_per_acted_workspace_give_each_client_its_own_budget(
    sandbox: Any, control: SandboxControl, agency_with_two_clients: Any
) -> None:
    agency_key, a, b = agency_with_two_clients
    assert control.set_limits(per_second=100, per_minute=3) == {
        "per_second": 100,
        "per_minute": 3,
        "per": "acted_workspace",
    }
    with client(sandbox.base_url, agency_key, a["ws"]["id"]) as in_a:
        assert [in_a.get("/workspaces/current").status_code for _ in range(4)] == [200, 200, 200, 429]
    with client(sandbox.base_url, agency_key, b["ws"]["id"]) as in_b:
        assert [in_b.get("/workspaces/current").status_code for _ in range(3)] == [200, 200, 200]


def test_limits_per_key_workspace_make_the_agency_share_one_budget(
    sandbox: Any, control: SandboxControl, agency_with_two_clients: Any
) -> None:
    agency_key, a, b = agency_with_two_clients
    assert control.set_limits(per_second=100, per_minute=3, per="key_workspace") == {
        "per_second": 100,
        "per_minute": 3,
        "per": "key_workspace",
    }
    assert control.limits() == {"per_second": 100, "per_minute": 3, "per": "key_workspace"}
    with (
        client(sandbox.base_url, agency_key, a["ws"]["id"]) as in_a,
        client(sandbox.base_url, agency_key, b["ws"]["id"]) as in_b,
    ):
        assert [in_a.get("/workspaces/current").status_code for _ in range(2)] == [200, 200]
        assert in_b.get("/workspaces/current").status_code == 200
        limited = in_b.get("/workspaces/current")
        assert limited.status_code == 429
        assert limited.json() == {
            "statusCode": 429,
            "error": "Too Many Requests",
            "message": "Rate limit exceeded",
        }
        assert int(limited.headers["Retry-After"]) >= 1
    # The client's own key spends the client's budget, not the agency's.
    with client(sandbox.base_url, a["key"]) as own:
        assert own.get("/workspaces/current").status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"per_second": 1, "per_minute": 1, "per": "everyone"},
            "body/per must be equal to one of the allowed values",
        ),
        ({"per_second": "5", "per_minute": 1}, "body/per_second must be integer"),
        ({"per_second": True, "per_minute": 1}, "body/per_second must be integer"),
        ({"per_second": 1, "per_minute": 0}, "body/per_minute must be >= 1"),
        ({"per_second": 1}, "body must have required property 'per_minute'"),
        ([1, 2], "body must be object"),
    ],
)
def test_bad_limits_name_the_field(sandbox: Any, control: SandboxControl, body: Any, message: str) -> None:
    before = control.limits()
    answer = control_put(sandbox.base_url, "/limits", body)
    assert (answer.status_code, answer.json()) == (
        400,
        {"statusCode": 400, "error": "Bad Request", "message": message},
    )
    assert control.limits() == before


def test_reset_restores_default_limits(tmp_path: Path) -> None:
    with SandboxProcess(tmp_path / "limits.db") as proc:
        proc.control.set_limits(per_second=1, per_minute=2, per="key_workspace")
        proc.control.reset()
        assert proc.control.limits() == {"per_second": 100, "per_minute": 6000, "per": "acted_workspace"}
