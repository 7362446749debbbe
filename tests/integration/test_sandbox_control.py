"""The control plane's newer knobs over a real socket: rate-limit budgets (``per``), the
after-commit delay, security tokens, plans and recorded audit events. Exact statuses and
messages, as the API's own negative tests would assert them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from instantly_sandbox.testing import Fault, SandboxControl, SandboxProcess

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


def _labels(c: httpx.Client) -> list[str]:
    return [t["label"] for t in c.get("/custom-tags").json()["items"]]


def test_after_commit_delay_lands_the_write_then_holds_the_answer(
    sandbox: Any, control: SandboxControl, workspace_factory: Callable[..., Any]
) -> None:
    ws, key = workspace_factory()
    control.set_faults([Fault.delay(1_500, after_commit=True, method="POST", path="/api/v2/custom-tags")])
    control.clear_requests()
    with client(sandbox.base_url, key) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.post("/custom-tags", json={"label": "Landed early"}, timeout=0.4)
        # The answer is still held back, but the write is already there (and logged as 200).
        assert _labels(c) == ["Landed early"]
        first = control.requests()[0]
        assert (first["method"], first["status"], first["workspace_id"]) == ("POST", 200, ws["id"])
        # A patient client gets the full answer, late.
        patient = c.post("/custom-tags", json={"label": "Waited"}, timeout=10)
    assert patient.status_code == 200
    assert patient.json()["label"] == "Waited"
    assert patient.elapsed.total_seconds() >= 1.5


def test_plain_delay_waits_before_handling(
    sandbox: Any, control: SandboxControl, workspace_factory: Callable[..., Any]
) -> None:
    _, key = workspace_factory()
    control.set_faults([Fault.delay(1_500, method="POST", path="/api/v2/custom-tags")])
    with client(sandbox.base_url, key) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.post("/custom-tags", json={"label": "Not yet"}, timeout=0.4)
        assert _labels(c) == []  # still waiting: nothing handled


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"delay_ms": 10, "after_commit": "yes"}, "body/rules/0/after_commit must be boolean"),
        ({"status": 500, "after_commit": True}, "body/rules/0/after_commit applies to delay_ms rules only"),
        ({"delay_ms": -1}, "body/rules/0/delay_ms must be >= 0"),
        ({"status": 200}, "body/rules/0/status must be an integer from 400 to 599"),
        ({"delay_ms": 10, "status": 500}, "body/rules/0 must have exactly one of status, action, delay_ms"),
    ],
)
def test_bad_fault_rules_name_the_field(sandbox: Any, rule: dict[str, Any], message: str) -> None:
    answer = control_put(sandbox.base_url, "/faults", {"rules": [{"probability": 1, **rule}]})
    assert (answer.status_code, answer.json()["message"]) == (400, message)


def test_fault_builders_make_rules_the_server_accepts(sandbox: Any, control: SandboxControl) -> None:
    rules = [
        Fault.status(503, method="GET", path="/api/v2/*", probability=0.5),
        Fault.status(429, retry_after=2),
        Fault.drop_after_commit(method="POST"),
        Fault.delay(10),
        Fault.delay(10, after_commit=True, path="/api/v2/custom-tags"),
    ]
    answer = control_put(sandbox.base_url, "/faults", {"seed": 3, "rules": rules})
    assert answer.json() == {"rules": 5}
    assert rules[1] == {"probability": 1.0, "status": 429, "retry_after": 2}
    assert rules[4] == {
        "probability": 1.0,
        "path": "/api/v2/custom-tags",
        "delay_ms": 10,
        "after_commit": True,
    }
    control.clear_faults()
