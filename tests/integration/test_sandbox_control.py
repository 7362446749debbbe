"""The control plane's newer knobs over a real socket: rate-limit budgets (``per``), the
after-commit delay, security tokens, plans and recorded audit events. Exact statuses and
messages, as the API's own negative tests would assert them."""

from __future__ import annotations

import time
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


def test_plain_delay_waits_before_handling_and_lands_after_the_caller_gave_up(
    sandbox: Any, control: SandboxControl, workspace_factory: Callable[..., Any]
) -> None:
    _, key = workspace_factory()
    control.set_faults([Fault.delay(1_500, method="POST", path="/api/v2/custom-tags")])
    with client(sandbox.base_url, key) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.post("/custom-tags", json={"label": "Not yet"}, timeout=0.4)
        assert _labels(c) == []  # still waiting: nothing handled
        # The caller gave up, but the server had the request: it lands late.
        deadline = time.monotonic() + 10
        while not _labels(c) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _labels(c) == ["Not yet"]


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


def control_post(base_url: str, path: str, body: Any = None) -> httpx.Response:
    return httpx.post(f"{base_url}/_sandbox{path}", json=body)


NOT_FOUND_WS = {"statusCode": 404, "error": "Not Found", "message": "Workspace not found"}
MISSING = "00000000-0000-7000-8000-000000000000"


def test_workspaces_carry_a_security_token_the_control_plane_reveals(sandbox: Any) -> None:
    created = control_post(sandbox.base_url, "/workspaces", {"name": "Tokened"}).json()
    assert set(created) == {"workspace", "api_key", "security_token"}
    token = created["security_token"]
    assert token.startswith("sec_")
    assert len(token) > 20
    ws_id = created["workspace"]["id"]
    described = httpx.get(f"{sandbox.base_url}/_sandbox/workspaces/{ws_id}").json()
    assert described == {
        "workspace": created["workspace"],
        "security_token": token,
        "plan": {"audit_logs": True},
    }
    other = control_post(sandbox.base_url, "/workspaces", {"name": "Other"}).json()
    assert other["security_token"] != token
    assert token not in httpx.get(f"{sandbox.base_url}/_sandbox/state").text
    missing = httpx.get(f"{sandbox.base_url}/_sandbox/workspaces/{MISSING}")
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND_WS)


def test_change_owner_requires_the_workspace_security_token(
    sandbox: Any, control: SandboxControl, workspace_factory: Callable[..., Any]
) -> None:
    ws, key = workspace_factory()
    other, _ = workspace_factory()
    with client(sandbox.base_url, key) as c:
        pending = c.post("/workspace-members", json={"email": "pat@x.example", "role": "admin"}).json()
        for sec in ("SECRET_TOKEN", control.security_token(other["id"])):
            wrong = c.post("/workspaces/current/change-owner", json={"email": "pat@x.example", "sec": sec})
            assert (wrong.status_code, wrong.json()) == (
                403,
                {"statusCode": 403, "error": "Forbidden", "message": "Invalid security token"},
            )
        token = control.security_token(ws["id"])
        not_yet = c.post("/workspaces/current/change-owner", json={"email": "pat@x.example", "sec": token})
        assert (not_yet.status_code, not_yet.json()["message"]) == (
            400,
            "The new owner must be an accepted member of the workspace",
        )
        assert c.get("/workspaces/current").json()["owner"] == ws["owner"]
        control.accept_member(pending["id"])
        changed = c.post("/workspaces/current/change-owner", json={"email": "pat@x.example", "sec": token})
        assert changed.status_code == 200
        assert changed.json()["owner"] == pending["user_id"]


def test_a_plan_without_audit_logs_answers_402(
    sandbox: Any, control: SandboxControl, agency_with_two_clients: Any
) -> None:
    agency_key, a, b = agency_with_two_clients
    assert control.set_plan(a["ws"]["id"], audit_logs=False) == {
        "workspace_id": a["ws"]["id"],
        "audit_logs": False,
    }
    assert control.workspace(a["ws"]["id"])["plan"] == {"audit_logs": False}
    with client(sandbox.base_url, agency_key, a["ws"]["id"]) as in_a:
        refused = in_a.get("/audit-logs")
        assert (refused.status_code, refused.json()) == (
            402,
            {
                "statusCode": 402,
                "error": "Payment Required",
                "message": "Workspace plan does not include audit logs",
            },
        )
        assert in_a.get("/api-keys").status_code == 200  # only audit logs are off
    with client(sandbox.base_url, a["key"]) as own:
        assert own.get("/audit-logs").status_code == 402  # the plan is the workspace's, whoever asks
    with client(sandbox.base_url, agency_key, b["ws"]["id"]) as in_b:
        assert in_b.get("/audit-logs").status_code == 200
    control.set_plan(a["ws"]["id"], audit_logs=True)
    with client(sandbox.base_url, agency_key, a["ws"]["id"]) as in_a:
        assert in_a.get("/audit-logs").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"audit_logs": "no"}, 400, "body/audit_logs must be boolean"),
        ({}, 400, "body must have required property 'audit_logs'"),
    ],
)
def test_bad_plans(
    sandbox: Any, workspace_factory: Callable[..., Any], body: Any, status: int, message: str
) -> None:
    ws, _ = workspace_factory()
    answer = control_put(sandbox.base_url, f"/workspaces/{ws['id']}/plan", body)
    assert (answer.status_code, answer.json()["message"]) == (status, message)


def test_plan_of_an_unknown_workspace(sandbox: Any) -> None:
    answer = control_put(sandbox.base_url, f"/workspaces/{MISSING}/plan", {"audit_logs": False})
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND_WS)


def test_recorded_audit_events_are_listed_newest_first(
    sandbox: Any, control: SandboxControl, workspace_factory: Callable[..., Any]
) -> None:
    ws, key = workspace_factory()
    login = control.record_audit_log(
        ws["id"],
        1,
        user_name="Gavin Belson",
        user_id="019a8c3e-0000-7000-8000-0000000000aa",
        audit_metadata={"method": "password"},
        timestamp="2026-01-05T09:00:00+01:00",
    )
    assert login["timestamp"] == "2026-01-05T08:00:00.000Z"  # normalised to the API's form
    assert (login["organization_id"], login["from_api"], login["ip_address"]) == (
        ws["id"],
        False,
        "127.0.0.1",
    )
    launch = control.record_audit_log(ws["id"], 4, campaign_id="c-1", api_key_id="k-1", from_api=True)
    with client(sandbox.base_url, key) as c:
        listed = c.get("/audit-logs").json()["items"]
        assert [e["id"] for e in listed] == [launch["id"], login["id"]]
        assert listed[1] == login
        assert [e["id"] for e in c.get("/audit-logs", params={"activity_type": 4}).json()["items"]] == [
            launch["id"]
        ]
        early = c.get("/audit-logs", params={"end_date": "2026-02-01T00:00:00.000Z"}).json()["items"]
        assert [e["id"] for e in early] == [login["id"]]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"user_name": "x"}, "body must have required property 'activity_type'"),
        ({"activity_type": 13}, "body/activity_type must be equal to one of the allowed values"),
        ({"activity_type": 1, "timestamp": "yesterday"}, 'body/timestamp must match format "date-time"'),
        (
            {"activity_type": 1, "timestamp": "2026-01-05T09:00:00"},
            'body/timestamp must match format "date-time"',
        ),
        ({"activity_type": 1, "user_name": 5}, "body/user_name must be null,string"),
        ({"activity_type": 1, "audit_metadata": []}, "body/audit_metadata must be object"),
        (
            {"activity_type": 1, "action": "login"},
            "body/action is not a field an audit event can be recorded with",
        ),
        ({"activity_type": 1, "id": "mine"}, "body/id is not a field an audit event can be recorded with"),
        ([1], "body must be object"),
    ],
)
def test_bad_audit_events_name_the_field(
    sandbox: Any, workspace_factory: Callable[..., Any], body: Any, message: str
) -> None:
    ws, _ = workspace_factory()
    answer = control_post(sandbox.base_url, f"/workspaces/{ws['id']}/audit-logs", body)
    assert (answer.status_code, answer.json()["message"]) == (400, message)


def test_audit_event_in_an_unknown_workspace(sandbox: Any) -> None:
    answer = control_post(sandbox.base_url, f"/workspaces/{MISSING}/audit-logs", {"activity_type": 1})
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND_WS)


def test_the_request_log_names_the_fault_each_request_met(
    sandbox: Any, control: SandboxControl, workspace_factory: Callable[..., Any]
) -> None:
    _, key = workspace_factory()
    control.clear_requests()
    control.set_faults(
        [
            Fault.status(503, path="/api/v2/custom-tags/*"),
            Fault.drop_after_commit(method="POST"),
        ]
    )
    with client(sandbox.base_url, key) as c:
        assert c.get("/custom-tags/nope").status_code == 503
        with pytest.raises(httpx.TransportError):
            c.post("/custom-tags", json={"label": "Dropped"})
        tag = c.get("/custom-tags", params={"search": "Dropped"}).json()["items"][0]
        control.set_faults([Fault.delay(1, after_commit=True, method="DELETE")])
        assert c.delete(f"/custom-tags/{tag['id']}").status_code == 200
        control.set_faults([Fault.delay(1, method="GET", path="/api/v2/campaigns")])
        assert c.get("/campaigns").status_code == 200
        control.clear_faults()
        assert c.get("/campaigns").status_code == 200
    log = [(e["method"], e["status"], e["fault"]) for e in control.requests()]
    assert log == [
        ("GET", 503, "status"),
        ("POST", 200, "drop_after_commit"),
        ("GET", 200, None),
        ("DELETE", 200, "delay_after_commit"),
        ("GET", 200, "delay"),
        ("GET", 200, None),
    ]
