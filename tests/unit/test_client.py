"""The client over httpx.MockTransport: headers, errors, retries, pagination, cache, redaction."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from instantly_pulumi import errors
from instantly_pulumi.client import Credentials, InstantlyClient, Throttle

from .conftest import BASE, KEY, WS


def make(handler: Any, sleeps: list[float] | None = None, **kw: Any) -> InstantlyClient:
    record = sleeps if sleeps is not None else []
    return InstantlyClient(
        Credentials(api_key=KEY, base_url=BASE),
        transport=httpx.MockTransport(handler),
        sleep=record.append,
        throttle=Throttle(sleep=lambda _s: None),
        **kw,
    )


def call(client: InstantlyClient, method: str = "GET", **kw: Any) -> Any:
    return client.request(method, "/things", operation="read thing", target="thing 1", **kw)


def test_headers_auth_and_acting_workspace() -> None:
    seen: list[httpx.Request] = []
    client = make(lambda r: seen.append(r) or httpx.Response(200, json={}))
    call(client, workspace_id=WS)
    call(client)
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert seen[0].headers["x-as-workspace"] == WS
    assert "x-as-workspace" not in seen[1].headers
    assert str(seen[0].url) == f"{BASE}/api/v2/things"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (402, errors.PaymentRequiredError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (503, errors.ServerError),
    ],
)
def test_each_status_maps_to_one_error_naming_everything(status: int, cls: type) -> None:
    body = {"statusCode": status, "error": "x", "message": f"server says {status} for {KEY}"}
    client = make(lambda _r: httpx.Response(status, json=body), max_attempts=1)
    with pytest.raises(cls) as info:
        call(client)
    text = str(info.value)
    assert "read thing thing 1" in text
    assert f"HTTP {status}" in text
    assert f"server says {status}" in text
    assert KEY not in text
    assert KEY not in repr(info.value)
    assert info.value.status == status


def test_non_json_error_body() -> None:
    client = make(lambda _r: httpx.Response(403, text="error code: 1010"), max_attempts=1)
    with pytest.raises(errors.PermissionDeniedError, match="error code: 1010"):
        call(client)


def test_429_is_retried_after_retry_after() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "3"}, json={"message": "Rate limit exceeded"}),
            httpx.Response(200, json={"ok": 1}),
        ]
    )
    sleeps: list[float] = []
    assert call(make(lambda _r: next(answers), sleeps)) == {"ok": 1}
    assert len(sleeps) == 1
    assert sleeps[0] >= 3


@pytest.mark.parametrize(("method", "attempts"), [("GET", 3), ("PATCH", 3), ("DELETE", 3), ("POST", 1)])
def test_5xx_retried_only_when_idempotent(method: str, attempts: int) -> None:
    seen: list[int] = []

    def handler(_r: httpx.Request) -> httpx.Response:
        seen.append(1)
        return httpx.Response(500, json={"message": "boom"})

    with pytest.raises(errors.ServerError):
        call(make(handler, max_attempts=3), method, json={} if method in ("POST", "PATCH") else None)
    assert len(seen) == attempts


def test_post_retried_after_a_connection_that_never_opened() -> None:
    answers = iter([httpx.ConnectError("refused"), httpx.Response(200, json={"id": "1"})])

    def handler(_r: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert call(make(handler), "POST", json={}) == {"id": "1"}


def test_post_not_retried_after_a_dropped_connection() -> None:
    seen: list[int] = []

    def handler(_r: httpx.Request) -> httpx.Response:
        seen.append(1)
        raise httpx.RemoteProtocolError("peer closed connection")

    with pytest.raises(errors.TransportError, match="no answer"):
        call(make(handler), "POST", json={})
    assert len(seen) == 1


def test_gives_up_after_max_attempts() -> None:
    seen: list[int] = []
    client = make(
        lambda _r: seen.append(1) or httpx.Response(429, json={"message": "slow down"}), max_attempts=4
    )
    with pytest.raises(errors.RateLimitError):
        call(client)
    assert len(seen) == 4


def test_pagination_follows_the_cursor_with_limit_100() -> None:
    pages = {
        None: {"items": [1, 2], "next_starting_after": "b"},
        "b": {"items": [3], "next_starting_after": None},
    }
    seen: list[httpx.Request] = []

    def handler(r: httpx.Request) -> httpx.Response:
        seen.append(r)
        return httpx.Response(200, json=pages[r.url.params.get("starting_after")])

    client = make(handler)
    assert list(client.paginate("/things", operation="list", target="things", params={"search": "x"})) == [
        1,
        2,
        3,
    ]
    assert [r.url.params["limit"] for r in seen] == ["100", "100"]
    assert seen[1].url.params["search"] == "x"


def test_list_cache_is_filled_once_for_many_threads_and_dropped_on_write() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def handler(_r: httpx.Request) -> httpx.Response:
        with lock:
            seen.append(1)
        return httpx.Response(200, json={"items": [{"id": "a"}]})

    client = make(handler)

    def read(_i: int) -> Any:
        return client.list_cached("/things", operation="list", target="things", workspace_id=WS)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(read, range(40)))
    assert len(seen) == 1
    assert all(r == [{"id": "a"}] for r in results)
    client.invalidate("/things", WS)
    read(0)
    assert len(seen) == 2


def test_credentials_from_config_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANTLY_API_KEY", "env-key")
    monkeypatch.setenv("INSTANTLY_BASE_URL", "http://127.0.0.1:9")
    assert Credentials.resolve({"instantly:apiKey": "cfg", "instantly:baseUrl": None}).api_key == "cfg"
    env = Credentials.resolve({})
    assert (env.api_key, env.base_url) == ("env-key", "http://127.0.0.1:9")
    assert "env-key" not in repr(env)
    monkeypatch.delenv("INSTANTLY_API_KEY")
    with pytest.raises(errors.ConfigurationError, match="pulumi config set --secret instantly:apiKey"):
        Credentials.resolve({})


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.instantly.ai", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:1", True),
        ("http://[::1]:5", True),
        ("http://api.instantly.ai", False),
        ("ftp://x", False),
        ("api.instantly.ai", False),
    ],
)
def test_https_required_unless_loopback(url: str, ok: bool) -> None:
    if ok:
        assert Credentials(api_key="k", base_url=url).base_url == url
    else:
        with pytest.raises(errors.ConfigurationError):
            Credentials(api_key="k", base_url=url)


def test_throttle_keeps_each_second_under_the_limit() -> None:
    clock = [0.0]
    throttle = Throttle(
        per_second=5,
        per_minute=1_000,
        clock=lambda: clock[0],
        sleep=lambda s: clock.__setitem__(0, clock[0] + s),
    )
    stamps = []
    for _ in range(23):
        throttle.acquire(WS)
        stamps.append(clock[0])
    for t in stamps:
        assert sum(1 for s in stamps if t <= s < t + 1) <= 5
    throttle.acquire("other-workspace")  # separate budget: no wait
    assert clock[0] == stamps[-1]


def test_repr_never_shows_the_key() -> None:
    client = make(lambda _r: httpx.Response(200, json={}))
    assert KEY not in repr(client)
    assert KEY not in repr(client.credentials)
