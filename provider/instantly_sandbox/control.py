"""The control plane's handlers (``/_sandbox/...``): never part of the Instantly API.

Tests, ``instantly-sandbox seed`` and the demo use it to create workspaces,
play the invitees (accept or reject), change a workspace's plan, record audit
events, read the request log, inject faults, change the rate limits, dump the
state and reset. Each handler takes the :class:`~instantly_sandbox.sandbox.Sandbox`
and one :class:`ControlCall`; the routes are in ``routes.py`` and answer
loopback clients only (``app.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from instantly_sandbox.errors import BadRequestError
from instantly_sandbox.gate import read_json
from instantly_sandbox.sandbox import Sandbox


@dataclass(frozen=True)
class ControlCall:
    """One control-plane request: the path parameters and the JSON body (``{}`` when empty)."""

    params: dict[str, str]
    body: Any


async def read(request: Request) -> ControlCall:
    """The call of a control-plane request (400 for a body that is not JSON, as on the API)."""
    return ControlCall(dict(request.path_params), await read_json(request, empty={}))


def _field(body: Any, name: str) -> Any:
    if not isinstance(body, dict):
        raise BadRequestError("body must be object")
    if name not in body:
        raise BadRequestError(f"body must have required property '{name}'")
    return body[name]


def health(sandbox: Sandbox, call: ControlCall) -> Any:
    return {"ok": True}


def create_workspace(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.store.create_workspace(call.body.get("name") if isinstance(call.body, dict) else None)


def get_workspace(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.store.describe_workspace(call.params["id"])


def set_plan(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.store.workspaces.set_plan(call.params["id"], _field(call.body, "audit_logs"))


def record_audit_log(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.store.audit.record(call.params["id"], call.body)


def accept_group_member(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.store.groups.answer(call.params["id"], accept=True)


def reject_group_member(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.store.groups.answer(call.params["id"], accept=False)


def accept_member(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.store.members.accept(call.params["id"])


def requests(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.log.entries()


def clear_requests(sandbox: Sandbox, call: ControlCall) -> Any:
    sandbox.log.clear()
    return {"cleared": True}


def set_faults(sandbox: Sandbox, call: ControlCall) -> Any:
    sandbox.faults.configure(call.body)
    return {"rules": len(sandbox.faults.rules)}


def clear_faults(sandbox: Sandbox, call: ControlCall) -> Any:
    sandbox.faults.clear()
    return {"rules": 0}


def get_limits(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.limiter.settings()


def set_limits(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.limiter.configure(call.body)


def state(sandbox: Sandbox, call: ControlCall) -> Any:
    return sandbox.store.dump()


def reset(sandbox: Sandbox, call: ControlCall) -> Any:
    sandbox.reset()
    return {"reset": True}
