"""Answers that are not the API's (issue 17 §5): an HTML page, an empty body, JSON cut short.

Each is a clear error naming the URL and the status, with at most the body's first line —
never a decoder exception, never a Python repr, never the key.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from instantly_pulumi import errors
from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.settings import Credentials
from instantly_pulumi.throttle import Throttle

from .conftest import BASE, KEY

URL = f"{BASE}/api/v2/things/1"

HTML = (
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    "<body><h1>Bad Gateway</h1><p>upstream sent an invalid response</p>\n"
    f"<p>debug: Authorization: Bearer {KEY}</p></body></html>\n"
)
PORTAL = "<html>\n<body>Please log in to the hotel Wi-Fi</body></html>"
TRUNCATED = '{"id": "019a", "name": "Acme", "items": [{"id": '
BODIES: dict[str, tuple[str, str, str]] = {
    # name: (body, content type, what the message says about it)
    "html": (HTML, "text/html", 'an HTML page titled "502 Bad Gateway"'),
    "portal": (PORTAL, "text/html; charset=utf-8", 'an HTML page starting "<html>"'),
    "empty": ("", "application/json", "an empty body"),
    "truncated": (TRUNCATED, "application/json", "JSON cut short or invalid starting"),
    "leaky": (f'{{"key": "{KEY}", "na', "application/json", '{"key": "<redacted>", "na'),
}


def client_over(handler: Any, **kw: Any) -> InstantlyClient:
    return InstantlyClient(
        Credentials(api_key=KEY, base_url=BASE),
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
        throttle=Throttle(sleep=lambda _s: None),
        **kw,
    )


def answering(status: int, body: str, content_type: str, seen: list[int]) -> Any:
    def handler(_r: httpx.Request) -> httpx.Response:
        seen.append(1)
        return httpx.Response(status, content=body.encode(), headers={"content-type": content_type})

    return handler


def assert_readable(text: str, status: int, says: str) -> None:
    assert f"HTTP {status}" in text
    assert URL in text
    assert says in text
    assert "instantly:baseUrl" in text
    assert KEY not in text
    # At most the first line of the body: nothing after it, no decoder's words, no repr.
    for leaked in ("upstream sent", "hotel", "Expecting value", "JSONDecodeError", "\n", "b'", "<Response"):
        assert leaked not in text


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_200_that_is_not_json_is_an_unexpected_answer(name: str, method: str) -> None:
    body, content_type, says = BODIES[name]
    seen: list[int] = []
    client = client_over(answering(200, body, content_type, seen), max_attempts=3)
    with pytest.raises(errors.UnexpectedAnswerError) as info:
        client.request(
            method,
            "/things/1",
            operation="read thing",
            target="thing 1",
            json={} if method == "POST" else None,
        )
    assert_readable(str(info.value), 200, says)
    assert str(info.value).startswith("read thing thing 1: ")
    assert info.value.status == 200
    assert info.value.url == URL
    # A read may be sent again (it changes nothing); a write that got a 2xx may have landed, so it goes
    # back to the resource, which reads before it sends anything again.
    assert len(seen) == (3 if method == "GET" else 1)


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_that_is_not_json_keeps_its_backoff_and_says_what_came(name: str, status: int) -> None:
    body, content_type, says = BODIES[name]
    seen: list[int] = []
    client = client_over(answering(status, body, content_type, seen), max_attempts=4)
    with pytest.raises(errors.ServerError) as info:
        client.request("GET", "/things/1", operation="read thing", target="thing 1")
    assert_readable(str(info.value), status, says)
    assert "not an answer of the Instantly API" in info.value.server_message
    assert len(seen) == 4  # retried like any 5xx


def test_a_429_page_is_still_waited_out() -> None:
    answers = iter(
        [
            httpx.Response(
                429, text="<html><title>Too Many Requests</title></html>", headers={"Retry-After": "1"}
            ),
            httpx.Response(200, json={"ok": 1}),
        ]
    )
    client = client_over(lambda _r: next(answers))
    assert client.request("GET", "/things/1", operation="read thing", target="thing 1") == {"ok": 1}


def test_a_404_page_of_another_server_is_not_our_object_gone() -> None:
    # A base URL that points at some web server answers 404 pages: that must never read as "deleted".
    seen: list[int] = []
    page = "<html><head><title>404 Not Found</title></head><body>nginx</body></html>"
    client = client_over(answering(404, page, "text/html", seen), max_attempts=3)
    with pytest.raises(errors.UnexpectedAnswerError) as info:
        client.request("GET", "/things/1", operation="read thing", target="thing 1")
    assert not isinstance(info.value, errors.NotFoundError)
    assert_readable(str(info.value), 404, 'an HTML page titled "404 Not Found"')
    assert len(seen) == 1  # not the API, and not passing: no point in asking again


def test_plain_text_from_an_edge_shows_its_first_line_only() -> None:
    seen: list[int] = []
    client = client_over(answering(403, "error code: 1010\nray id 8c2f\n", "text/plain", seen))
    with pytest.raises(errors.UnexpectedAnswerError) as info:
        client.request("GET", "/things/1", operation="read thing", target="thing 1")
    assert 'text starting "error code: 1010"' in str(info.value)
    assert "ray id" not in str(info.value)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("[1, 2]", 'JSON that is not an object starting "[1, 2]"'),
        ('"ok"', "JSON that is not an object"),
        ("null", "JSON that is not an object"),
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
    ],
)
def test_json_that_is_not_an_object_is_not_the_api_either(body: str, says: str) -> None:
    client = client_over(lambda _r: httpx.Response(200, content=body.encode()), max_attempts=1)
    with pytest.raises(errors.UnexpectedAnswerError) as info:
        client.request("GET", "/things/1", operation="read thing", target="thing 1")
    assert says in str(info.value)
    assert len(str(info.value)) < 400


def test_a_long_first_line_is_shortened_and_control_characters_dropped() -> None:
    body = "oops\x1b[31m " + "x" * 5_000
    client = client_over(lambda _r: httpx.Response(200, text=body), max_attempts=1)
    with pytest.raises(errors.UnexpectedAnswerError) as info:
        client.request("GET", "/things/1", operation="read thing", target="thing 1")
    text = str(info.value)
    assert "\x1b" not in text
    assert "x" * errors.BODY_SHOWN not in text
    assert "…" in text
