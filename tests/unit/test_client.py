"""The client over httpx.MockTransport: headers, errors, retries, pagination, cache, redaction."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from instantly_pulumi import errors
from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.settings import Credentials
from instantly_pulumi.throttle import Throttle

from .conftest import BASE, KEY, WS, windows_hold


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
    # An edge's own refusal (not the API's JSON): named as what it is, not as a missing scope.
    client = make(lambda _r: httpx.Response(403, text="error code: 1010"), max_attempts=1)
    with pytest.raises(errors.UnexpectedAnswerError, match="error code: 1010"):
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


@pytest.mark.parametrize(("method", "attempts"), [("GET", 3), ("PATCH", 1), ("DELETE", 1), ("POST", 1)])
def test_5xx_retried_here_only_for_reads(method: str, attempts: int) -> None:
    # A write that failed ambiguously goes back to the resource, which reads before it retries.
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

    with pytest.raises(errors.TransportError, match="no answer") as info:
        call(make(handler), "POST", json={})
    assert len(seen) == 1
    assert info.value.sent is True


def test_transport_error_names_the_url_and_whether_it_was_sent() -> None:
    def handler(_r: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known")

    with pytest.raises(errors.TransportError) as info:
        call(make(handler, max_attempts=2), "POST", json={})
    assert f"no answer from the Instantly API at {BASE}" in str(info.value)
    assert "Name or service not known" in str(info.value)
    assert info.value.sent is False


def test_server_clock_is_learned_from_date_headers() -> None:
    import time
    from email.utils import formatdate

    ahead = time.time() + 3600
    client = make(lambda _r: httpx.Response(200, json={}, headers={"Date": formatdate(ahead, usegmt=True)}))
    assert not client.clock_known
    call(client)
    assert client.clock_known
    assert abs(client.server_time() - ahead) < 2


def test_gives_up_after_max_attempts() -> None:
    seen: list[int] = []
    client = make(lambda _r: seen.append(1) or httpx.Response(503, json={"message": "down"}), max_attempts=4)
    with pytest.raises(errors.ServerError):
        call(client)
    assert len(seen) == 4


def test_429s_are_waited_out_for_the_patience_not_a_number_of_attempts() -> None:
    # Processes sharing one limit can meet many 429s in a row: each only says "not now".
    seen: list[int] = []
    sleeps: list[float] = []
    client = make(
        lambda _r: (
            seen.append(1) or httpx.Response(429, headers={"Retry-After": "5"}, json={"message": "slow"})
        ),
        sleeps,
        max_attempts=4,
        rate_limit_patience=60,
        backoff_cap=5,  # so every wait is exactly the Retry-After
    )
    with pytest.raises(errors.RateLimitError):
        call(client)
    assert len(seen) == 13  # 12 waits of at least 5 s make the 60 s of patience, then it gives up
    assert all(s >= 5 for s in sleeps)
    assert sum(sleeps) >= 60


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
        ("https://api.instantly.ai/", True),
        ("http://api.instantly.ai", "plain http to a remote host"),
        ("ftp://x", "is not a URL"),
        ("api.instantly.ai", "is not a URL"),
        ("", "is empty"),
        ("https://api.instantly.ai/api/v2", "the client adds /api/v2 itself"),
        ("https://api.instantly.ai/v2/", "without a path"),
    ],
)
def test_base_url_is_an_https_origin_unless_loopback(url: str, ok: bool | str) -> None:
    if ok is True:
        assert Credentials(api_key="k", base_url=url).base_url == url.rstrip("/")
    else:
        with pytest.raises(errors.ConfigurationError, match=str(ok)) as info:
            Credentials(api_key="k", base_url=url)
        assert "instantly:baseUrl" in str(info.value)


def test_timeout_from_config_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Credentials.resolve({"instantly:apiKey": "k"}).timeout == 30
    assert Credentials.resolve({"instantly:apiKey": "k", "instantly:timeout": "2.5"}).timeout == 2.5
    monkeypatch.setenv("INSTANTLY_TIMEOUT", "4")
    assert Credentials.resolve({"instantly:apiKey": "k"}).timeout == 4
    with pytest.raises(errors.ConfigurationError, match="positive number of seconds"):
        Credentials.resolve({"instantly:apiKey": "k", "instantly:timeout": "soon"})


@pytest.mark.parametrize(("per_second", "per_minute"), [(5, 1_000), (100, 6_000), (100, 300)])
def test_throttle_keeps_every_window_under_the_limits(per_second: int, per_minute: int) -> None:
    clock = [0.0]
    throttle = Throttle(
        per_second=per_second,
        per_minute=per_minute,
        clock=lambda: clock[0],
        sleep=lambda s: clock.__setitem__(0, clock[0] + s),
    )
    stamps = []
    for _ in range(min(per_minute * 2, 700)):
        throttle.acquire()
        stamps.append(clock[0])
    assert windows_hold(stamps, 1.0, per_second)
    assert windows_hold(stamps, 60.0, per_minute)
    # ...and near them: the sustained rate is at least 80% of the tighter limit (60% for tiny limits,
    # where the one-request safety margin weighs more).
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    assert rate >= (0.8 if per_second >= 50 else 0.55) * min(per_second, per_minute / 60)


def test_throttles_sharing_a_file_share_one_budget(tmp_path: Any) -> None:
    clock = [0.0]
    lock = threading.Lock()

    def advance(s: float) -> None:
        with lock:
            clock[0] += s

    shared = tmp_path / "budget"
    throttles = [
        Throttle(per_second=10, per_minute=600, shared_file=shared, clock=lambda: clock[0], sleep=advance)
        for _ in range(3)
    ]
    stamps: list[float] = []
    for i in range(60):
        throttles[i % 3].acquire()
        stamps.append(clock[0])
    assert windows_hold(stamps, 1.0, 10)
    assert stamps[-1] >= 5  # 60 requests at 9 a second: the three did not each get their own budget


def test_repr_never_shows_the_key() -> None:
    client = make(lambda _r: httpx.Response(200, json={}))
    assert KEY not in repr(client)
    assert KEY not in repr(client.credentials)
