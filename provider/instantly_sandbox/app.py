"""The sandbox's HTTP app: thin routes over a :class:`~instantly_sandbox.store.Store`.

Each route authenticates (bearer key, ``x-as-workspace``), counts the request
against the workspace's rate limit, checks the operation's scopes, validates
the body against the official request schema, calls one store method and
returns its result. Faults and the request log wrap every ``/api/v2`` call.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from instantly_sandbox import spec
from instantly_sandbox.control import control_routes
from instantly_sandbox.errors import ApiError, bad_request
from instantly_sandbox.store import Context, Store
from instantly_sandbox.traffic import Faults, RateLimiter, RequestLog

API = "/api/v2"


class Sandbox:
    """Everything one server holds: the store and the traffic controls."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.log = RequestLog()
        self.limiter = RateLimiter()
        self.faults = Faults()


def _error_response(err: ApiError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers)


class TrafficMiddleware:
    """Fault injection and the request log around every /api/v2 request."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        status: dict[str, int] = {}
        state = scope.setdefault("state", {})

        def record() -> None:
            self.sandbox.log.add(
                method=method,
                path=path,
                status=status.get("code", 0),
                workspace_id=state.get("workspace_id"),
                query=scope.get("query_string", b"").decode(),
                as_workspace=state.get("as_workspace"),
            )

        rule = self.sandbox.faults.pick(method, path)
        if rule is not None and rule.delay_ms:
            await asyncio.sleep(rule.delay_ms / 1000)
        if rule is not None and rule.status:
            status["code"] = rule.status
            await _error_response(self.sandbox.faults.error_for(rule))(scope, receive, send)
            record()
            return
        drop = rule is not None and rule.action == "drop_after_commit"

        async def tap(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            if not drop:
                await send(message)

        await self.app(scope, receive, tap)
        record()
        if drop:
            # The write is committed; the caller gets headers and then a dead connection.
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]}
            )
            await send({"type": "http.response.body", "body": b"{", "more_body": True})


def build_app(store: Store) -> FastAPI:
    """The sandbox app over ``store`` (no global state: tests build as many as they like)."""
    sandbox = Sandbox(store)
    app = FastAPI(title="Instantly API v2 sandbox", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.sandbox = sandbox

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = 404 if exc.status_code in (404, 405) else exc.status_code
        message = f"Route {request.method}:{request.url.path} not found" if status == 404 else str(exc.detail)
        return _error_response(ApiError(status, message))

    def gate(request: Request, operation: str) -> Context:
        auth = request.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        as_ws = request.headers.get("x-as-workspace") or None
        request.state.as_workspace = as_ws
        ctx = store.authenticate(bearer, as_ws)
        request.state.workspace_id = ctx.workspace
        sandbox.limiter.hit(ctx.workspace)
        store.check_scopes(ctx, spec.required_scopes(operation))
        return ctx

    async def body_of(request: Request, operation: str) -> Any:
        raw = await request.body()
        try:
            parsed = json.loads(raw) if raw.strip() else None
        except ValueError:
            raise bad_request("body must be valid JSON") from None
        return spec.validate_body(operation, parsed)

    def query(request: Request, operation: str) -> dict[str, Any]:
        declared = spec.query_params(operation)
        out: dict[str, Any] = {}
        for name, value in request.query_params.items():
            if name not in declared:
                continue  # unknown filters are ignored, as the live API does
            schema = declared[name]
            out[name] = _coerce(name, value, schema)
        return out

    def _coerce(name: str, value: str, schema: dict[str, Any]) -> Any:
        where = f"querystring/{name}"
        kind = schema.get("type")
        if name in ("tag_ids", "resource_ids"):
            return [v.strip() for v in value.split(",") if v.strip()]
        if kind in ("integer", "number"):
            try:
                number = int(value) if kind == "integer" else float(value)
            except ValueError:
                raise bad_request(f"{where} must be {kind}") from None
            if "minimum" in schema and number < schema["minimum"]:
                raise bad_request(f"{where} must be >= {schema['minimum']}")
            if "maximum" in schema and number > schema["maximum"]:
                raise bad_request(f"{where} must be <= {schema['maximum']}")
            return int(number) if kind == "number" and float(number).is_integer() else number
        if kind == "boolean":
            if value not in ("true", "false"):
                raise bad_request(f"{where} must be boolean")
            return value == "true"
        return value

    def ok(body: Any) -> JSONResponse:
        return JSONResponse(body)

    # -- workspace members
    @app.post(f"{API}/workspace-members")
    async def create_member(request: Request) -> JSONResponse:
        ctx = gate(request, "createWorkspaceMember")
        return ok(store.create_member(ctx, await body_of(request, "createWorkspaceMember")))

    @app.get(f"{API}/workspace-members")
    async def list_members(request: Request) -> JSONResponse:
        ctx = gate(request, "listWorkspaceMember")
        return ok(store.list_members(ctx, query(request, "listWorkspaceMember")).body())

    @app.get(f"{API}/workspace-members/{{id_}}")
    async def get_member(request: Request, id_: str) -> JSONResponse:
        return ok(store.get_member(gate(request, "getWorkspaceMember"), id_))

    @app.patch(f"{API}/workspace-members/{{id_}}")
    async def patch_member(request: Request, id_: str) -> JSONResponse:
        ctx = gate(request, "patchWorkspaceMember")
        return ok(store.patch_member(ctx, id_, await body_of(request, "patchWorkspaceMember")))

    @app.delete(f"{API}/workspace-members/{{id_}}")
    async def delete_member(request: Request, id_: str) -> JSONResponse:
        return ok(store.delete_member(gate(request, "deleteWorkspaceMember"), id_))

    # -- API keys
    @app.post(f"{API}/api-keys")
    async def create_key(request: Request) -> JSONResponse:
        ctx = gate(request, "createAPIKey")
        return ok(store.create_api_key(ctx, await body_of(request, "createAPIKey")))

    @app.get(f"{API}/api-keys")
    async def list_keys(request: Request) -> JSONResponse:
        ctx = gate(request, "listAPIKey")
        q = query(request, "listAPIKey")
        return ok(store.list_api_keys(ctx, q.get("limit"), q.get("starting_after")).body())

    @app.delete(f"{API}/api-keys/{{id_}}")
    async def delete_key(request: Request, id_: str) -> JSONResponse:
        return ok(store.delete_api_key(gate(request, "deleteAPIKey"), id_))

    # -- workspace group members (the literal /admin before /{id})
    @app.post(f"{API}/workspace-group-members")
    async def invite(request: Request) -> JSONResponse:
        ctx = gate(request, "createWorkspaceGroupMember")
        return ok(store.invite(ctx, await body_of(request, "createWorkspaceGroupMember")))

    @app.get(f"{API}/workspace-group-members")
    async def list_group(request: Request) -> JSONResponse:
        ctx = gate(request, "listWorkspaceGroupMember")
        q = query(request, "listWorkspaceGroupMember")
        return ok(store.list_group(ctx, q.get("limit"), q.get("starting_after")).body())

    @app.get(f"{API}/workspace-group-members/admin")
    async def admin(request: Request) -> JSONResponse:
        return ok(store.admin_of(gate(request, "getAdminWorkspaceGroupMember")))

    @app.get(f"{API}/workspace-group-members/{{id_}}")
    async def get_group(request: Request, id_: str) -> JSONResponse:
        return ok(store.get_group(gate(request, "getWorkspaceGroupMember"), id_))

    @app.delete(f"{API}/workspace-group-members/{{id_}}")
    async def delete_group(request: Request, id_: str) -> JSONResponse:
        return ok(store.delete_group(gate(request, "deleteWorkspaceGroupMember"), id_))

    # -- custom tags and mappings (the literal /toggle-resource before /{id})
    @app.post(f"{API}/custom-tags/toggle-resource")
    async def toggle(request: Request) -> JSONResponse:
        ctx = gate(request, "toggleTagResource")
        return ok(store.toggle(ctx, await body_of(request, "toggleTagResource")))

    @app.post(f"{API}/custom-tags")
    async def create_tag(request: Request) -> JSONResponse:
        ctx = gate(request, "createCustomTag")
        return ok(store.create_tag(ctx, await body_of(request, "createCustomTag")))

    @app.get(f"{API}/custom-tags")
    async def list_tags(request: Request) -> JSONResponse:
        ctx = gate(request, "listCustomTag")
        return ok(store.list_tags(ctx, query(request, "listCustomTag")).body())

    @app.get(f"{API}/custom-tags/{{id_}}")
    async def get_tag(request: Request, id_: str) -> JSONResponse:
        return ok(store.get_tag(gate(request, "getCustomTag"), id_))

    @app.patch(f"{API}/custom-tags/{{id_}}")
    async def patch_tag(request: Request, id_: str) -> JSONResponse:
        ctx = gate(request, "patchCustomTag")
        return ok(store.patch_tag(ctx, id_, await body_of(request, "patchCustomTag")))

    @app.delete(f"{API}/custom-tags/{{id_}}")
    async def delete_tag(request: Request, id_: str) -> JSONResponse:
        return ok(store.delete_tag(gate(request, "deleteCustomTag"), id_))

    @app.get(f"{API}/custom-tag-mappings")
    async def list_mappings(request: Request) -> JSONResponse:
        ctx = gate(request, "listCustomTagMapping")
        return ok(store.list_mappings(ctx, query(request, "listCustomTagMapping")).body())

    # -- audit logs and the current workspace
    @app.get(f"{API}/audit-logs")
    async def audit_logs(request: Request) -> JSONResponse:
        ctx = gate(request, "listAuditLog")
        return ok(store.list_audit_logs(ctx, query(request, "listAuditLog")).body())

    @app.get(f"{API}/workspaces/current")
    async def current(request: Request) -> JSONResponse:
        return ok(store.get_current(gate(request, "getWorkspace")))

    @app.patch(f"{API}/workspaces/current")
    async def patch_current(request: Request) -> JSONResponse:
        ctx = gate(request, "patchWorkspace")
        return ok(store.patch_current(ctx, await body_of(request, "patchWorkspace")))

    @app.post(f"{API}/workspaces/current/change-owner")
    async def change_owner(request: Request) -> JSONResponse:
        ctx = gate(request, "changeWorkspaceOwner")
        return ok(store.change_owner(ctx, await body_of(request, "changeWorkspaceOwner")))

    # -- campaigns and accounts (so tags have something to attach to)
    campaign_fields = set(spec.spec()["components"]["schemas"]["Campaign"]["properties"])
    account_fields = set(spec.spec()["components"]["schemas"]["Account"]["properties"])

    @app.post(f"{API}/campaigns")
    async def create_campaign(request: Request) -> JSONResponse:
        ctx = gate(request, "createCampaign")
        return ok(store.create_campaign(ctx, await body_of(request, "createCampaign"), campaign_fields))

    @app.get(f"{API}/campaigns")
    async def list_campaigns(request: Request) -> JSONResponse:
        ctx = gate(request, "listCampaign")
        return ok(store.list_campaigns(ctx, query(request, "listCampaign")).body())

    @app.get(f"{API}/campaigns/{{id_}}")
    async def get_campaign(request: Request, id_: str) -> JSONResponse:
        return ok(store.get_campaign(gate(request, "getCampaign"), id_))

    @app.post(f"{API}/accounts")
    async def create_account(request: Request) -> JSONResponse:
        ctx = gate(request, "createAccount")
        return ok(store.create_account(ctx, await body_of(request, "createAccount"), account_fields))

    @app.get(f"{API}/accounts")
    async def list_accounts(request: Request) -> JSONResponse:
        ctx = gate(request, "listAccount")
        return ok(store.list_accounts(ctx, query(request, "listAccount")).body())

    @app.get(f"{API}/accounts/{{email}}")
    async def get_account(request: Request, email: str) -> JSONResponse:
        return ok(store.get_account(gate(request, "getAccount"), email))

    app.include_router(control_routes(sandbox))
    app.add_middleware(TrafficMiddleware, sandbox=sandbox)
    return app
