"""A dead API is told at once (issue 19 §5); the waits that remain are announced.

A connection refused, an unknown host or a failed TLS handshake is tried
:data:`~instantly_pulumi.retry_policy.UNREACHABLE_ATTEMPTS` times, not retried like a 5xx, and the error
names the URL and what to check. 429 and 5xx keep their backoff, and every wait longer than
:data:`~instantly_pulumi.retry_policy.ANNOUNCED_WAIT` is told to ``progress``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import tenacity

from instantly_pulumi import errors, retry_policy
from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.resources._converge import converge
from instantly_pulumi.settings import Credentials
from instantly_pulumi.throttle import Throttle

from .conftest import BASE, KEY

REASONS = {
    "refused": "[Errno 111] Connection refused",
    "unknown host": "[Errno -2] Name or service not known",
    "tls to a plain port": "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)",
}


def client_over(handler: Any, sleeps: list[float], lines: list[str], **kw: Any) -> InstantlyClient:
    return InstantlyClient(
        Credentials(api_key=KEY, base_url=BASE),
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
        throttle=Throttle(sleep=lambda _s: None),
        progress=lines.append,
        **kw,
    )


def counting(seen: list[str], answer: Any) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler


@pytest.mark.parametrize("kind", sorted(REASONS))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_unreachable_api_is_not_retried_like_a_5xx(kind: str, method: str) -> None:
    body = {} if method == "POST" else None
    refused: list[str] = []
    sleeps: list[float] = []
    lines: list[str] = []
    client = client_over(counting(refused, httpx.ConnectError(REASONS[kind])), sleeps, lines, max_attempts=8)
    with pytest.raises(errors.TransportError) as info:
        client.request(method, "/things", operation="read thing", target="thing 1", json=body)
    err = info.value
    assert len(refused) == retry_policy.UNREACHABLE_ATTEMPTS == 2
    assert err.unreachable
    assert err.attempts == 2
    assert err.sent is False
    assert sum(sleeps) < 3  # the provider's own time to the error, not counting the connects
    text = str(err)
    assert f"no answer from the Instantly API at {BASE} (ConnectError: {REASONS[kind]}; 2 attempts)" in text
    assert "check that instantly:baseUrl (or INSTANTLY_BASE_URL) is the API's origin" in text
    assert "the sandbox — is running" in text
    assert lines == []  # nothing long enough to announce

    # ...whereas a 5xx is the API itself, answering: it keeps the whole backoff (reads only: a write's
    # 5xx goes back to the resource, which reads first).
    failed: list[str] = []
    five = client_over(
        counting(failed, httpx.Response(503, json={"message": "down"})), [], [], max_attempts=8
    )
    with pytest.raises(errors.ServerError):
        five.request("GET", "/things", operation="read thing", target="thing 1")
    assert len(failed) == 8


def test_a_connect_timeout_keeps_the_ordinary_backoff() -> None:
    # A SYN that was not answered may be a busy server, not a wrong URL.
    seen: list[str] = []
    client = client_over(counting(seen, httpx.ConnectTimeout("timed out")), [], [], max_attempts=4)
    with pytest.raises(errors.TransportError) as info:
        client.request("GET", "/things", operation="read thing", target="thing 1")
    assert len(seen) == 4
    assert not info.value.unreachable


def test_one_refusal_then_an_answer_is_a_blip_ridden_out() -> None:
    answers: list[Any] = [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.Response(200, json={"a": 1}),
    ]

    def handler(_r: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    sleeps: list[float] = []
    assert client_over(handler, sleeps, []).request("GET", "/x", operation="read", target="x") == {"a": 1}
    assert sleeps == [retry_policy.UNREACHABLE_PAUSE]


def test_a_long_wait_after_a_5xx_is_announced_with_what_which_attempt_and_how_long() -> None:
    lines: list[str] = []
    seen: list[str] = []
    client = client_over(counting(seen, httpx.Response(502, json={"message": "bad gateway"})), [], lines)
    client.wait = tenacity.wait_fixed(3)
    client.max_attempts = 3
    with pytest.raises(errors.ServerError):
        client.request("GET", "/things", operation="read thing", target="thing 1")
    assert lines == [
        "read thing thing 1: attempt 1 of 3 failed (HTTP 502: bad gateway); waiting 3.0 s before the next",
        "read thing thing 1: attempt 2 of 3 failed (HTTP 502: bad gateway); waiting 3.0 s before the next",
    ]


def test_short_waits_are_not_announced_and_429s_say_how_long_in_all() -> None:
    lines: list[str] = []
    answers = [
        httpx.Response(429, headers={"Retry-After": "1"}, json={"message": "slow"}),
        httpx.Response(429, headers={"Retry-After": "5"}, json={"message": "slow"}),
        httpx.Response(200, json={}),
    ]
    sleeps: list[float] = []
    client = client_over(lambda _r: answers.pop(0), sleeps, lines, backoff_cap=0.5, rate_limit_patience=60)
    client.request("GET", "/things", operation="read thing", target="thing 1")
    assert len(sleeps) == 2
    assert len(lines) == 1  # the 1 s wait is not worth a line; the 5 s one is
    assert lines[0].startswith(
        "read thing thing 1: the API asks to slow down (HTTP 429, attempt 2); waiting 5."
    )
    assert "of at most 60 s" in lines[0]


def test_a_writes_reconciling_retries_are_announced_too() -> None:
    lines: list[str] = []
    client = client_over(lambda _r: httpx.Response(200, json={}), [], lines)
    client.wait = tenacity.wait_fixed(2.5)
    outcomes: list[Any] = [errors.ServerError("create tag", "'x'", 500, "boom"), {"id": "1"}]

    def write() -> Any:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert converge(client, "create tag", "'x'", write, lambda _a: None) == {"id": "1"}
    assert lines == [
        f"create tag 'x': attempt 1 of {client.max_attempts} failed (HTTP 500: boom); "
        "waiting 2.5 s before the next"
    ]


def test_progress_goes_to_stderr_unless_told_otherwise(capsys: pytest.CaptureFixture[str]) -> None:
    client = InstantlyClient(
        Credentials(api_key=KEY, base_url=BASE),
        transport=httpx.MockTransport(lambda _r: httpx.Response(503, json={"message": "down"})),
        sleep=lambda _s: None,
        throttle=Throttle(sleep=lambda _s: None),
        max_attempts=2,
    )
    client.wait = tenacity.wait_fixed(4)
    with pytest.raises(errors.ServerError):
        client.request("GET", "/things", operation="read thing", target="thing 1")
    assert (
        "read thing thing 1: attempt 1 of 2 failed (HTTP 503: down); waiting 4.0 s" in capsys.readouterr().err
    )
