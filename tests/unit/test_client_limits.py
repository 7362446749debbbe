"""The client's settings and edges (found missing by mutation testing): timeouts, Retry-After,
the rate budget from the environment, empty answers, redaction, the request count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from instantly_pulumi import errors
from instantly_pulumi.client import InstantlyClient, client_for
from instantly_pulumi.retry_policy import ambiguous, retry_after
from instantly_pulumi.settings import Credentials, check_timeout
from instantly_pulumi.throttle import Throttle

from .conftest import BASE, KEY, WS


def make(handler: Any, **kw: Any) -> InstantlyClient:
    return InstantlyClient(
        Credentials(api_key=KEY, base_url=BASE, timeout=kw.pop("timeout", 30.0)),
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
        throttle=kw.pop("throttle", Throttle(sleep=lambda _s: None)),
        **kw,
    )


@pytest.mark.parametrize(("value", "seconds"), [(None, 30.0), ("", 30.0), ("0.5", 0.5), ("2", 2.0), (7, 7.0)])
def test_timeouts_accepted(value: Any, seconds: float) -> None:
    assert check_timeout(value) == seconds


@pytest.mark.parametrize("value", ["0", 0, "-1", "soon", "nan!"])
def test_timeouts_refused(value: Any) -> None:
    with pytest.raises(errors.ConfigurationError, match="positive number of seconds"):
        check_timeout(value)


@pytest.mark.parametrize(("seconds", "connect"), [(2.0, 2.0), (30.0, 10.0)])
def test_the_timeout_applies_to_reading_and_caps_connecting_at_ten_seconds(
    seconds: float, connect: float
) -> None:
    client = make(lambda _r: httpx.Response(200, json={}), timeout=seconds)
    timeout = client._http.timeout
    assert (timeout.read, timeout.write, timeout.pool, timeout.connect) == (
        seconds,
        seconds,
        seconds,
        connect,
    )


def test_retry_after_is_read_as_given_even_zero() -> None:
    assert retry_after(httpx.Response(429, headers={"Retry-After": "0"})) == 0.0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "3"})) == 3.0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "-4"})) == 0.0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(429)) is None


def test_a_zero_retry_after_does_not_stretch_the_backoff() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json={"ok": 1})])
    sleeps: list[float] = []
    client = InstantlyClient(
        Credentials(api_key=KEY, base_url=BASE),
        transport=httpx.MockTransport(lambda _r: next(answers)),
        sleep=sleeps.append,
        throttle=Throttle(sleep=lambda _s: None),
        backoff=0.01,
        backoff_cap=0.05,
    )
    assert client.request("GET", "/x", operation="read", target="x") == {"ok": 1}
    assert len(sleeps) == 1
    assert sleeps[0] <= 0.05  # the backoff's own cap, not a second


def test_the_rate_budget_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INSTANTLY_RATE_PER_SECOND", "7")
    monkeypatch.setenv("INSTANTLY_RATE_PER_MINUTE", "70")
    monkeypatch.setenv("INSTANTLY_RATE_FILE", str(tmp_path / "budget"))
    throttle = Throttle.from_environment()
    assert (throttle.per_second, throttle.per_minute, throttle.shared_file) == (7, 70, tmp_path / "budget")
    # ...and a client built without a throttle takes it.
    client = InstantlyClient(Credentials(api_key=KEY, base_url=BASE), transport=httpx.MockTransport(None))
    assert (client.throttle.per_second, client.throttle.shared_file) == (7, tmp_path / "budget")
    for name in ("INSTANTLY_RATE_PER_SECOND", "INSTANTLY_RATE_PER_MINUTE", "INSTANTLY_RATE_FILE"):
        monkeypatch.delenv(name)
    default = Throttle.from_environment()
    assert (default.per_second, default.per_minute, default.shared_file) == (100, 6_000, None)


def test_a_rate_file_in_a_folder_not_made_yet_is_made(tmp_path: Path) -> None:
    shared = tmp_path / "fleet" / "budgets" / "agency"
    Throttle(shared_file=shared).acquire()
    assert shared.is_file()
    assert shared.stat().st_size == 16  # the two arrival times


def test_the_throttle_counts_the_time_it_made_callers_wait() -> None:
    clock = [0.0]
    throttle = Throttle(
        per_second=10,
        per_minute=1_000,
        clock=lambda: clock[0],
        sleep=lambda s: clock.__setitem__(0, clock[0] + s),
    )
    for _ in range(30):
        throttle.acquire()
    assert throttle.waited == pytest.approx(clock[0])
    assert throttle.waited > 1.0


def test_every_request_sent_is_counted_retries_included() -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, json={})] + [httpx.Response(200, json={})] * 3)
    client = make(lambda _r: next(answers))
    client.request("GET", "/x", operation="read", target="x")
    client.request("DELETE", "/x/1", operation="delete", target="x")
    assert client.requests_sent == 3


def test_an_empty_answer_is_an_ambiguous_write() -> None:
    # The API answers every call, deletes included, with a JSON object: an empty 200 may come from
    # anything in between, so the write goes back to the resource, which reads before it retries.
    seen: list[int] = []
    client = make(lambda _r: seen.append(1) or httpx.Response(200, content=b""))
    with pytest.raises(errors.UnexpectedAnswerError, match="an empty body") as info:
        client.request("DELETE", "/x/1", operation="delete", target="x")
    assert ambiguous(info.value)
    assert len(seen) == 1


def test_the_key_is_redacted_from_the_servers_message_too() -> None:
    client = make(lambda _r: httpx.Response(400, json={"message": f"bad key {KEY}"}))
    with pytest.raises(errors.BadRequestError) as info:
        client.request("POST", "/x", operation="create", target="x", json={})
    assert KEY not in info.value.server_message
    assert "<redacted>" in info.value.server_message
    assert KEY not in str(info.value)


def test_a_transport_error_names_its_kind_and_is_redacted() -> None:
    def fail(_r: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out talking with {KEY}")

    with pytest.raises(errors.TransportError) as info:
        make(fail).request("POST", "/x", operation="create thing", target="thing 1", json={})
    text = str(info.value)
    assert "ReadTimeout: timed out" in text
    assert KEY not in text
    assert "create thing" in text
    assert "thing 1" in text
    assert info.value.sent is True


def test_a_page_without_items_is_an_empty_page() -> None:
    client = make(lambda _r: httpx.Response(200, json={}))
    assert list(client.paginate("/x", operation="list", target="x", workspace_id=WS)) == []


def test_pages_and_writes_pass_their_query_and_workspace() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": []})

    client = make(handler)
    client.list_cached("/x", operation="list", target="x", workspace_id=WS)
    client.request("POST", "/y", operation="w", target="y", workspace_id=WS, json={}, params={"q": "1"})
    assert [(r.headers.get("x-as-workspace"), dict(r.url.params)) for r in seen] == [
        (WS, {"limit": "100"}),
        (WS, {"q": "1"}),
    ]


def test_one_client_per_credentials() -> None:
    a = Credentials(api_key="k-one-client", base_url=BASE)
    assert client_for(a) is client_for(Credentials(api_key="k-one-client", base_url=BASE))
    assert client_for(a) is not client_for(Credentials(api_key="k-another-client", base_url=BASE))
