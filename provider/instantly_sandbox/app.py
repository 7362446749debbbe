"""The sandbox's HTTP app, built from the route tables over a store passed in.

Every ``/api/v2`` route passes the gate (``gate.py``: key, ``x-as-workspace``,
rate limit, scopes, query, body) and then calls its handler (``handlers.py``),
which makes one store call. The ``/_sandbox`` routes answer loopback clients
only. Errors become the API's error body in one place; faults and the request
log wrap every ``/api/v2`` call (``middleware.py``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from instantly_sandbox import control
from instantly_sandbox.errors import ApiError, ForbiddenError, NotFoundError
from instantly_sandbox.gate import admit
from instantly_sandbox.middleware import TrafficMiddleware, error_response
from instantly_sandbox.routes import API_ROUTES, CONTROL_ROUTES, ControlRoute, Route
from instantly_sandbox.sandbox import Sandbox
from instantly_sandbox.store import Store

Endpoint = Callable[[Request], Awaitable[JSONResponse]]


def _api_endpoint(sandbox: Sandbox, route: Route) -> Endpoint:
    async def endpoint(request: Request) -> JSONResponse:
        call = await admit(sandbox, request, route.operation)
        return JSONResponse(route.handler(sandbox.store, call))

    return endpoint


def _loopback(request: Request) -> None:
    host = request.client.host if request.client else ""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        if host in ("localhost", "testclient"):
            return
    raise ForbiddenError("The sandbox control plane answers loopback clients only")


def _control_endpoint(sandbox: Sandbox, route: ControlRoute) -> Endpoint:
    async def endpoint(request: Request) -> JSONResponse:
        _loopback(request)
        return JSONResponse(route.handler(sandbox, await control.read(request)))

    return endpoint


def build_app(store: Store) -> FastAPI:
    """The sandbox app over ``store`` (no global state: tests build as many as they like)."""
    sandbox = Sandbox(store)
    app = FastAPI(title="Instantly API v2 sandbox", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.sandbox = sandbox

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code in (404, 405):
            return error_response(NotFoundError(f"Route {request.method}:{request.url.path} not found"))
        return error_response(ApiError(exc.status_code, str(exc.detail)))

    for route in API_ROUTES:
        app.add_api_route(
            route.path, _api_endpoint(sandbox, route), methods=[route.method], name=route.operation
        )
    for ctl in CONTROL_ROUTES:
        app.add_api_route(ctl.path, _control_endpoint(sandbox, ctl), methods=[ctl.method])
    app.add_middleware(TrafficMiddleware, sandbox=sandbox)
    return app
