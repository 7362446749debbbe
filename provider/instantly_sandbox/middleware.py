"""Fault injection and the request log around every ``/api/v2`` request."""

from __future__ import annotations

import asyncio

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from instantly_sandbox.errors import ApiError
from instantly_sandbox.sandbox import Sandbox

API = "/api/v2"


def error_response(err: ApiError) -> JSONResponse:
    """The API's error answer for ``err``."""
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers)


class TrafficMiddleware:
    """Picks the request's fault (if any), applies it, and logs the request.

    - ``delay_ms``: wait, then handle (even if the caller gave up meanwhile).
    - ``delay_ms`` + ``after_commit``: handle (the write lands), log, then hold
      the answer back; a client with a shorter timeout sees a timeout.
    - ``status``: answer the error without handling.
    - ``drop_after_commit``: handle, then send headers and close mid-body.
    """

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

        rule = self.sandbox.faults.pick(method, path)

        def record() -> None:
            self.sandbox.log.add(
                method=method,
                path=path,
                status=status.get("code", 0),
                workspace_id=state.get("workspace_id"),
                query=scope.get("query_string", b"").decode(),
                as_workspace=state.get("as_workspace"),
                fault=rule.effect if rule is not None else None,
            )

        if rule is not None and rule.delays_before:
            # Read the body first: a request held back is still handled after the caller has
            # given up (a late write), as a real server that already received it would.
            receive = await _buffered(receive)
            await asyncio.sleep(float(rule.delay_ms or 0) / 1000)
        if rule is not None and rule.status:
            status["code"] = rule.status
            await error_response(self.sandbox.faults.error_for(rule))(scope, receive, send)
            record()
            return
        drop = rule is not None and rule.action == "drop_after_commit"
        held: list[Message] | None = [] if rule is not None and rule.delays_after else None

        async def tap(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            if drop:
                return
            if held is not None:
                held.append(message)
                return
            await send(message)

        await self.app(scope, receive, tap)
        record()
        if drop:
            # The write is committed; the caller gets headers and then a dead connection.
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]}
            )
            await send({"type": "http.response.body", "body": b"{", "more_body": True})
        if held is not None and rule is not None:
            # The write is committed and logged; only the answer waits. If the caller
            # gave up meanwhile, the server drops these messages on the closed connection.
            await asyncio.sleep(float(rule.delay_ms or 0) / 1000)
            for message in held:
                await send(message)


async def _buffered(receive: Receive) -> Receive:
    """Receive the whole request body now; the returned callable replays it."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay
