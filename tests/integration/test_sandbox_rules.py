"""Sandbox rules over a real socket: pagination, persistence, faults, limits, the control plane."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from instantly_sandbox.testing import SandboxProcess

pytestmark = pytest.mark.integration


def client(base_url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base_url}/api/v2", headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_pagination_over_more_than_250_objects(sandbox: Any, control: Any, workspace_factory: Any) -> None:
    _, key = workspace_factory()
    control.set_limits(per_second=100_000, per_minute=1_000_000)  # the setup is 260 fast writes
    with client(sandbox.base_url, key) as c:
        created = [c.post("/custom-tags", json={"label": f"tag {i:03d}"}).json()["id"] for i in range(260)]
        first = c.get("/custom-tags").json()
        assert len(first["items"]) == 10  # the default limit
        assert first["next_starting_after"] == first["items"][-1]["id"]
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 100}
        pages = 0
        while True:
            page = c.get("/custom-tags", params=params).json()
            pages += 1
            seen += [t["id"] for t in page["items"]]
            if "next_starting_after" not in page:
                break
            params["starting_after"] = page["next_starting_after"]
        assert seen == created  # no duplicate, no gap, creation order
        assert pages == 3
        assert c.get("/custom-tags", params={"limit": 101}).json() == {
            "statusCode": 400,
            "error": "Bad Request",
            "message": "querystring/limit must be <= 100",
        }
        assert (
            c.get("/custom-tags", params={"limit": 0}).json()["message"] == "querystring/limit must be >= 1"
        )
        assert c.get("/custom-tags", params={"limit": "ten"}).json()["message"] == (
            "querystring/limit must be integer"
        )


def test_restart_keeps_everything_committed(tmp_path: Path) -> None:
    db = tmp_path / "persist.db"
    with SandboxProcess(db) as first:
        ws, key = first.control.create_workspace("Persistent")
        with client(first.base_url, key) as c:
            member = c.post("/workspace-members", json={"email": "keep@x.example", "role": "view"}).json()
            tag = c.post("/custom-tags", json={"label": "Kept"}).json()
    assert first.returncode == 0  # SIGTERM stops it cleanly
    with SandboxProcess(db) as second, client(second.base_url, key) as c:
        assert c.get(f"/workspace-members/{member['id']}").json() == member
        assert c.get(f"/custom-tags/{tag['id']}").json() == tag
        assert c.get("/workspaces/current").json()["id"] == ws["id"]


def test_concurrent_writes_do_not_corrupt(sandbox: Any, control: Any, workspace_factory: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _, key = workspace_factory()
    control.set_limits(per_second=100_000, per_minute=1_000_000)
    with client(sandbox.base_url, key) as c:

        def make(i: int) -> int:
            return c.post("/custom-tags", json={"label": f"same {i % 5}"}).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(make, range(40)))
        assert statuses.count(200) == 5
        assert statuses.count(409) == 35
        labels = [t["label"] for t in c.get("/custom-tags", params={"limit": 100}).json()["items"]]
        assert sorted(labels) == [f"same {i}" for i in range(5)]


def test_faults_are_seeded_and_scoped(sandbox: Any, control: Any, workspace_factory: Any) -> None:
    _, key = workspace_factory()

    def run() -> list[int]:
        with client(sandbox.base_url, key) as c:
            return [c.get("/workspaces/current").status_code for _ in range(30)]

    rules = [{"method": "GET", "path": "/api/v2/workspaces/*", "probability": 0.3, "status": 503}]
    control.set_faults(rules, seed=7)
    first = run()
    control.set_faults(rules, seed=7)
    assert run() == first  # same seed, same faults
    assert 0 < first.count(503) < 30
    with client(sandbox.base_url, key) as c:
        assert c.get("/api-keys").status_code == 200  # outside the glob
    control.set_faults([{"path": "/api/v2/*", "probability": 1, "status": 429, "retry_after": 2}])
    with client(sandbox.base_url, key) as c:
        limited = c.get("/workspaces/current")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "2"
    assert limited.json() == {
        "statusCode": 429,
        "error": "Too Many Requests",
        "message": "Rate limit exceeded",
    }
    control.clear_faults()


def test_drop_after_commit_commits_then_drops(sandbox: Any, control: Any, workspace_factory: Any) -> None:
    _, key = workspace_factory()
    control.set_faults(
        [{"method": "POST", "path": "/api/v2/custom-tags", "probability": 1, "action": "drop_after_commit"}]
    )
    with client(sandbox.base_url, key) as c:
        with pytest.raises(httpx.TransportError):
            c.post("/custom-tags", json={"label": "Landed"})
        control.clear_faults()
        assert [t["label"] for t in c.get("/custom-tags").json()["items"]] == ["Landed"]


def test_delay_fault(sandbox: Any, control: Any, workspace_factory: Any) -> None:
    _, key = workspace_factory()
    control.set_faults([{"path": "/api/v2/workspaces/current", "probability": 1, "delay_ms": 300}])
    with client(sandbox.base_url, key) as c:
        start = time.monotonic()
        assert c.get("/workspaces/current").status_code == 200
        assert time.monotonic() - start >= 0.3


def test_limits_give_429_with_retry_after_then_recover(
    sandbox: Any, control: Any, workspace_factory: Any
) -> None:
    _, key = workspace_factory()
    _, other_key = workspace_factory()
    control.set_limits(per_second=5, per_minute=1_000)
    with client(sandbox.base_url, key) as c, client(sandbox.base_url, other_key) as other:
        answers = [c.get("/workspaces/current") for _ in range(8)]
        assert [a.status_code for a in answers[:5]] == [200] * 5
        limited = [a for a in answers if a.status_code == 429]
        assert limited
        assert int(limited[0].headers["Retry-After"]) >= 1
        assert other.get("/workspaces/current").status_code == 200  # the limit is per workspace
        time.sleep(1.1)
        assert c.get("/workspaces/current").status_code == 200
    control.set_limits(per_second=100, per_minute=2)
    with client(sandbox.base_url, key) as c:
        statuses = [c.get("/workspaces/current").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_request_log_state_and_bad_control_input(sandbox: Any, control: Any, workspace_factory: Any) -> None:
    ws, key = workspace_factory()
    control.clear_requests()
    with client(sandbox.base_url, key) as c:
        c.get("/workspaces/current")
        c.post("/custom-tags", json={"label": "logged"})
    log = control.requests()
    assert [(r["method"], r["path"], r["status"], r["workspace_id"]) for r in log] == [
        ("GET", "/api/v2/workspaces/current", 200, ws["id"]),
        ("POST", "/api/v2/custom-tags", 200, ws["id"]),
    ]
    assert log[0]["seq"] < log[1]["seq"]
    state = control.state()["workspaces"][ws["id"]]
    assert [t["label"] for t in state["tags"]] == ["logged"]
    assert key not in json.dumps(control.state())  # keys are masked in the dump
    bad = httpx.put(f"{sandbox.base_url}/_sandbox/faults", json={"rules": [{"probability": 1}]})
    assert bad.status_code == 400
    bad = httpx.put(f"{sandbox.base_url}/_sandbox/limits", json={"per_second": 0, "per_minute": 1})
    assert bad.status_code == 400
    assert httpx.post(f"{sandbox.base_url}/_sandbox/workspace-group-members/nope/accept").status_code == 404


def test_reset(tmp_path: Path) -> None:
    with SandboxProcess(tmp_path / "reset.db") as proc:
        _, key = proc.control.create_workspace("Gone soon")
        proc.control.reset()
        assert proc.control.state() == {"workspaces": {}}
        with client(proc.base_url, key) as c:
            assert c.get("/workspaces/current").status_code == 401
