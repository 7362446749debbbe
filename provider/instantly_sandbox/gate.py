"""What every ``/api/v2`` request passes before its handler, in this order:
authentication (bearer key, ``x-as-workspace``), the rate limit, the
operation's scopes, then its query string and body, checked against the
official spec (and the limits of ``limits.py``). The result is one :class:`Call`
for the handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import ClientDisconnect, Request

from instantly_sandbox import limits, spec
from instantly_sandbox.errors import BadRequestError
from instantly_sandbox.sandbox import Sandbox
from instantly_sandbox.store import Context

# Query parameters that carry comma-separated lists.
_LIST_PARAMS = ("tag_ids", "resource_ids")


@dataclass(frozen=True)
class Call:
    """One checked request: who calls, the path parameters, the query and the body."""

    ctx: Context
    params: dict[str, str]
    query: dict[str, Any]
    body: Any


async def admit(sandbox: Sandbox, request: Request, operation: str) -> Call:
    """Authenticate, charge the rate limit, check scopes, parse the query and the body."""
    auth = request.headers.get("authorization", "")
    bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    as_ws = request.headers.get("x-as-workspace") or None
    request.state.as_workspace = as_ws  # for the request log (see middleware.py)
    ctx = sandbox.store.keys.authenticate(bearer, as_ws)
    request.state.workspace_id = ctx.workspace
    sandbox.limiter.hit(ctx.workspace, ctx.key_workspace)
    sandbox.store.keys.check_scopes(ctx, spec.required_scopes(operation))
    query = parse_query(request, operation)
    body = await parse_body(request, operation) if spec.takes_body(operation) else None
    return Call(ctx, dict(request.path_params), query, body)


async def read_json(request: Request, *, empty: Any = None) -> Any:
    """The request's JSON body (``empty`` when blank), read no further than the body limit (413):
    a declared ``Content-Length`` over it is refused unread, a stream stops once past it."""
    limits.check_body_size(request.headers.get("content-length"))
    chunks: list[bytes] = []
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            limits.check_body_size(None, received)
            chunks.append(chunk)
    except ClientDisconnect:
        # The caller went away mid-body: nobody reads the answer, but the log says what it was.
        raise BadRequestError("body ended before its Content-Length") from None
    return limits.decode(b"".join(chunks), empty=empty)


async def parse_body(request: Request, operation: str) -> Any:
    """The JSON body, validated against the operation's schema (unknown fields stripped)."""
    return spec.validate_body(operation, await read_json(request))


def parse_query(request: Request, operation: str) -> dict[str, Any]:
    """The declared query parameters, typed; unknown ones ignored as the live API does."""
    declared = spec.query_params(operation)
    return {
        name: _coerce(name, value, declared[name])
        for name, value in request.query_params.items()
        if name in declared
    }


def _coerce(name: str, value: str, schema: dict[str, Any]) -> Any:
    where = f"querystring/{name}"
    kind = schema.get("type")
    if name in _LIST_PARAMS:
        return [v.strip() for v in value.split(",") if v.strip()]
    if kind in ("integer", "number"):
        try:
            number = int(value) if kind == "integer" else float(value)
        except ValueError:
            raise BadRequestError(f"{where} must be {kind}") from None
        if "minimum" in schema and number < schema["minimum"]:
            raise BadRequestError(f"{where} must be >= {schema['minimum']}")
        if "maximum" in schema and number > schema["maximum"]:
            raise BadRequestError(f"{where} must be <= {schema['maximum']}")
        return int(number) if kind == "number" and float(number).is_integer() else number
    if kind == "boolean":
        if value not in ("true", "false"):
            raise BadRequestError(f"{where} must be boolean")
        return value == "true"
    return value
