"""Drive a sandbox from tests, ``seed`` and the demo: start it as a process
(:class:`SandboxProcess`), use its control plane (:class:`SandboxControl`),
build fault rules (:class:`Fault`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx


def _where(method: str | None, path: str | None, probability: float) -> dict[str, Any]:
    rule: dict[str, Any] = {"probability": probability}
    if method is not None:
        rule["method"] = method
    if path is not None:
        rule["path"] = path
    return rule


class Fault:
    """Builders of the fault rules :meth:`SandboxControl.set_faults` takes.

    Each rule applies to requests matching ``method`` (any when None) and the
    ``path`` glob (e.g. ``/api/v2/custom-tags*``; any when None), and fires with
    ``probability`` (drawn from the seeded source: the same seed gives the same faults)::

        control.set_faults([Fault.delay(2_000, method="POST", after_commit=True)], seed=7)
    """

    @staticmethod
    def status(
        status: int,
        *,
        method: str | None = None,
        path: str | None = None,
        probability: float = 1.0,
        retry_after: int | None = None,
    ) -> dict[str, Any]:
        """Answer ``status`` (the API's error body) without handling the request."""
        rule = {**_where(method, path, probability), "status": status}
        if retry_after is not None:
            rule["retry_after"] = retry_after
        return rule

    @staticmethod
    def drop_after_commit(
        *, method: str | None = None, path: str | None = None, probability: float = 1.0
    ) -> dict[str, Any]:
        """Handle and commit the request, then close the connection without an answer."""
        return {**_where(method, path, probability), "action": "drop_after_commit"}

    @staticmethod
    def delay(
        delay_ms: int,
        *,
        after_commit: bool = False,
        method: str | None = None,
        path: str | None = None,
        probability: float = 1.0,
    ) -> dict[str, Any]:
        """Wait ``delay_ms`` before handling the request; with ``after_commit``, handle and
        commit first and hold the answer back (a client that times out sooner sees a
        timeout although the write landed)."""
        rule = {**_where(method, path, probability), "delay_ms": delay_ms}
        if after_commit:
            rule["after_commit"] = True
        return rule


class SandboxControl:
    """A client of the ``/_sandbox/`` control plane (every route is described in docs/sandbox.md).

    Each method is one request; an error answer raises ``httpx.HTTPStatusError``
    (its response holds the API-shaped body naming the problem)::

        control = SandboxControl("http://127.0.0.1:8787")
        workspace, key = control.create_workspace("Hooli")
        control.set_limits(per_second=5, per_minute=100, per="key_workspace")
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = httpx.Client(base_url=f"{base_url}/_sandbox", timeout=30)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        resp = self._http.request(method, path, json=body)
        resp.raise_for_status()
        return resp.json()

    def health(self) -> bool:
        """Whether the sandbox answers (``GET /_sandbox/health``)."""
        try:
            resp = self._http.get("/health", timeout=2)
            return resp.status_code == 200 and resp.json() == {"ok": True}
        except (httpx.HTTPError, ValueError):  # nothing listening, or something else is
            return False

    def wait_ready(self, timeout: float = 15) -> None:
        """Wait until the sandbox answers; ``TimeoutError`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self.health():
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no sandbox answers at {self.base_url} (after {timeout:g} s)")
            time.sleep(0.2)

    def create_workspace(self, name: str) -> tuple[dict[str, Any], str]:
        """A new workspace and its full-access (all:all) key."""
        out = self._call("POST", "/workspaces", {"name": name})
        return out["workspace"], out["api_key"]

    def workspace(self, id_: str) -> dict[str, Any]:
        """``{"workspace", "security_token", "plan": {"audit_logs"}}`` of workspace ``id_``."""
        result: dict[str, Any] = self._call("GET", f"/workspaces/{id_}")
        return result

    def security_token(self, id_: str) -> str:
        """The ``sec`` that ``POST /workspaces/current/change-owner`` of workspace ``id_`` requires."""
        token: str = self.workspace(id_)["security_token"]
        return token

    def set_plan(self, id_: str, *, audit_logs: bool) -> dict[str, Any]:
        """Whether workspace ``id_``'s plan includes audit logs (without: 402 on ``GET /audit-logs``)."""
        result: dict[str, Any] = self._call("PUT", f"/workspaces/{id_}/plan", {"audit_logs": audit_logs})
        return result

    def record_audit_log(self, id_: str, activity_type: int, **fields: Any) -> dict[str, Any]:
        """Record an audit event in workspace ``id_`` (e.g. 1 User login, 4 Campaign launch);
        ``fields`` are other AuditLog fields (``user_name``, ``campaign_id``, ``timestamp``, ...)."""
        body = {"activity_type": activity_type, **fields}
        result: dict[str, Any] = self._call("POST", f"/workspaces/{id_}/audit-logs", body)
        return result

    def accept_group_member(self, id_: str) -> dict[str, Any]:
        """The sub-workspace's owner accepts the group invitation ``id_``."""
        result: dict[str, Any] = self._call("POST", f"/workspace-group-members/{id_}/accept")
        return result

    def reject_group_member(self, id_: str) -> dict[str, Any]:
        """The sub-workspace's owner rejects the group invitation ``id_``."""
        result: dict[str, Any] = self._call("POST", f"/workspace-group-members/{id_}/reject")
        return result

    def accept_member(self, id_: str) -> dict[str, Any]:
        """The invitee accepts the workspace-member invitation ``id_``."""
        result: dict[str, Any] = self._call("POST", f"/workspace-members/{id_}/accept")
        return result

    def requests(self) -> list[dict[str, Any]]:
        """The request log of /api/v2 calls since the last clear."""
        result: list[dict[str, Any]] = self._call("GET", "/requests")
        return result

    def clear_requests(self) -> None:
        """Empty the request log."""
        self._call("DELETE", "/requests")

    def set_faults(self, rules: list[dict[str, Any]], seed: int = 0) -> None:
        """Replace the fault rules (build them with :class:`Fault`) and reseed."""
        self._call("PUT", "/faults", {"seed": seed, "rules": rules})

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._call("DELETE", "/faults")

    def set_limits(self, per_second: int, per_minute: int, per: str = "acted_workspace") -> dict[str, Any]:
        """Change the rate limits → the new settings.

        ``per="acted_workspace"`` charges each request to the workspace it acts in
        (``x-as-workspace``, or the key's own); ``"key_workspace"`` charges it to the
        calling key's own workspace, so an agency acting in many clients has one budget.
        """
        result: dict[str, Any] = self._call(
            "PUT", "/limits", {"per_second": per_second, "per_minute": per_minute, "per": per}
        )
        return result

    def limits(self) -> dict[str, Any]:
        """The current rate limits: ``{"per_second", "per_minute", "per"}``."""
        result: dict[str, Any] = self._call("GET", "/limits")
        return result

    def state(self) -> dict[str, Any]:
        """Every object of every workspace."""
        result: dict[str, Any] = self._call("GET", "/state")
        return result

    def reset(self) -> None:
        """Delete everything, clear the log, faults and limits."""
        self._call("POST", "/reset")

    def close(self) -> None:
        """Close the HTTP client."""
        self._http.close()


class SandboxProcess:
    """``instantly-sandbox serve`` in a child process on a free loopback port."""

    def __init__(self, db_path: Path, host: str = "127.0.0.1") -> None:
        self.db_path = Path(db_path)
        self.host = host
        self.base_url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._control: SandboxControl | None = None
        self._exit_code: int | None = None

    @property
    def control(self) -> SandboxControl:
        """The control-plane client of the running server."""
        if self._control is None:
            raise RuntimeError("the sandbox is not running")
        return self._control

    def start(self, timeout: float = 30) -> SandboxProcess:
        """Start the server and wait for its ready line."""
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "instantly_sandbox.cli",
                "serve",
                "--host",
                self.host,
                "--port",
                "0",
                "--db",
                str(self.db_path),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        line: list[str] = []
        reader = threading.Thread(
            target=lambda: line.append(
                self._proc.stdout.readline() if self._proc and self._proc.stdout else ""
            )
        )
        reader.start()
        reader.join(timeout)
        if not line or not line[0].strip():
            self.stop()
            raise RuntimeError("the sandbox did not start (no ready line)")
        self.base_url = json.loads(line[0])["base_url"]
        self._control = SandboxControl(self.base_url)
        return self

    def stop(self) -> None:
        """SIGTERM and wait; the database keeps everything committed."""
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc is not None:
            self._exit_code = self._proc.returncode
            if self._proc.stdout:
                self._proc.stdout.close()
        self._proc = None

    @property
    def returncode(self) -> int | None:
        """The exit code once stopped (None while running)."""
        return self._proc.returncode if self._proc else self._exit_code

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
