"""Unit-test fixtures: the real client over httpx.MockTransport (no sockets)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.resources import _replacement
from instantly_pulumi.settings import Credentials
from instantly_pulumi.throttle import Throttle

KEY = "sk-test-SECRET-123"
OTHER_WS = "019a8c3e-0000-7000-8000-0000000000ff"
BASE = "https://api.test"
WS = "019a8c3e-0000-7000-8000-00000000ac3e"

Responder = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(autouse=True)
def no_replacement_in_progress() -> Iterator[None]:
    """Delete-first replacements are remembered process-wide between diff, delete and create
    (``resources/_replacement.py``): every test starts and ends with none, whatever ran before it
    (mutmut runs the tests in another order than pytest)."""
    for pending in (_replacement._PLANNED, _replacement._DELETED):
        pending.clear()
    yield
    for pending in (_replacement._PLANNED, _replacement._DELETED):
        pending.clear()


class FakeApi:
    """Programmable answers by (method, path); records every request."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Responder]] = {}
        self.calls: list[httpx.Request] = []

    def on(self, method: str, path: str, *answers: Any) -> None:
        """Queue answers for ``method path``: (status, body) tuples or callables; the last repeats."""
        queue = self.routes.setdefault((method, "/api/v2" + path), [])
        for answer in answers:
            if callable(answer):
                queue.append(answer)
            else:
                status, body = answer
                queue.append(lambda _r, s=status, b=body: httpx.Response(s, json=b))

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx.Response(
                404, json={"statusCode": 404, "error": "Not Found", "message": "Resource not found"}
            )
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request)

    def writes(self) -> list[tuple[str, str]]:
        return [(r.method, r.url.path) for r in self.calls if r.method != "GET"]

    def body(self, i: int) -> Any:
        return json.loads(self.calls[i].content)


def no_wait_client(transport: httpx.BaseTransport) -> InstantlyClient:
    """The real client over ``transport`` (with :data:`KEY` and :data:`BASE`) that never sleeps:
    retry back-offs and throttle waits return at once."""
    return InstantlyClient(
        Credentials(api_key=KEY, base_url=BASE),
        transport=transport,
        sleep=lambda _s: None,
        throttle=Throttle(sleep=lambda _s: None),
    )


def windows_hold(stamps: list[float], width: float, most: int) -> bool:
    """Whether every window of ``width`` seconds starting at a stamp holds at most ``most`` stamps."""
    return all(sum(1 for s in stamps if t <= s < t + width) <= most for t in stamps)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    """A FakeApi that every provider's client talks to."""
    api = FakeApi()
    client = no_wait_client(httpx.MockTransport(api.handler))
    monkeypatch.setattr("instantly_pulumi.resources._base.client_for", lambda _creds, **_kw: client)
    return api


def configured(provider_cls: type) -> Any:
    """A provider configured as the engine does, from stack config."""
    provider = provider_cls()
    provider.configure(ConfigureRequest(Config({"instantly:apiKey": KEY, "instantly:baseUrl": BASE}, "proj")))
    return provider


def failures(result: Any) -> dict[str, str]:
    return {f.property: f.reason for f in result.failures}


def iso(seconds_ago: float = 0.0) -> str:
    """An API timestamp ``seconds_ago`` before now (``2026-03-05T23:09:47.274Z``)."""
    at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def lost(_request: httpx.Request) -> httpx.Response:
    """The connection drops after the request was sent (it may have landed)."""
    raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def error(status: int, message: str) -> tuple[int, dict[str, Any]]:
    """An API error answer."""
    return status, {"statusCode": status, "error": "x", "message": message}


def page(*items: Any) -> tuple[int, dict[str, Any]]:
    """A last list page."""
    return 200, {"items": list(items)}
