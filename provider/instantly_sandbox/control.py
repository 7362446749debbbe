"""The control plane under ``/_sandbox/``: never part of the Instantly API, loopback only.

Tests and the demo use it to create workspaces, play the invitees (accept or
reject), read the request log, inject faults, change the rate limits, dump
the state and reset.
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from instantly_sandbox.errors import ApiError, bad_request

if TYPE_CHECKING:
    from instantly_sandbox.app import Sandbox


def _loopback(request: Request) -> None:
    host = request.client.host if request.client else ""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        if host in ("localhost", "testclient"):
            return
    raise ApiError(403, "The sandbox control plane answers loopback clients only")


async def _json(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise bad_request("body must be valid JSON") from None


def control_routes(sandbox: Sandbox) -> APIRouter:
    """The /_sandbox/ routes over one sandbox."""
    store = sandbox.store
    router = APIRouter(prefix="/_sandbox")

    @router.post("/workspaces")
    async def create_workspace(request: Request) -> JSONResponse:
        _loopback(request)
        body = await _json(request)
        ws, key = store.create_workspace(body.get("name") if isinstance(body, dict) else None)
        return JSONResponse({"workspace": ws, "api_key": key})

    @router.post("/workspace-group-members/{id_}/accept")
    async def accept_group(request: Request, id_: str) -> JSONResponse:
        _loopback(request)
        return JSONResponse(store.answer_invitation(id_, accept=True))

    @router.post("/workspace-group-members/{id_}/reject")
    async def reject_group(request: Request, id_: str) -> JSONResponse:
        _loopback(request)
        return JSONResponse(store.answer_invitation(id_, accept=False))

    @router.post("/workspace-members/{id_}/accept")
    async def accept_member(request: Request, id_: str) -> JSONResponse:
        _loopback(request)
        return JSONResponse(store.accept_member(id_))

    @router.get("/requests")
    async def requests(request: Request) -> JSONResponse:
        _loopback(request)
        return JSONResponse(sandbox.log.entries())

    @router.delete("/requests")
    async def clear_requests(request: Request) -> JSONResponse:
        _loopback(request)
        sandbox.log.clear()
        return JSONResponse({"cleared": True})

    @router.put("/faults")
    async def set_faults(request: Request) -> JSONResponse:
        _loopback(request)
        sandbox.faults.configure(await _json(request))
        return JSONResponse({"rules": len(sandbox.faults.rules)})

    @router.delete("/faults")
    async def clear_faults(request: Request) -> JSONResponse:
        _loopback(request)
        sandbox.faults.clear()
        return JSONResponse({"rules": 0})

    @router.put("/limits")
    async def set_limits(request: Request) -> JSONResponse:
        _loopback(request)
        body = await _json(request)
        sandbox.limiter.set(body.get("per_second"), body.get("per_minute"))
        return JSONResponse(
            {"per_second": sandbox.limiter.per_second, "per_minute": sandbox.limiter.per_minute}
        )

    @router.get("/state")
    async def state(request: Request) -> JSONResponse:
        _loopback(request)
        return JSONResponse(store.dump())

    @router.post("/reset")
    async def reset(request: Request) -> JSONResponse:
        _loopback(request)
        store.reset()
        sandbox.log.clear()
        sandbox.faults.clear()
        sandbox.limiter.set(100, 6_000)
        return JSONResponse({"reset": True})

    return router
