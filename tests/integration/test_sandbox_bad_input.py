"""The sandbox's bad-input matrix over a real socket (issue 17 §6): every malformed body — too deep,
a lone surrogate, invalid UTF-8, too large, of the wrong type, over a field's limit — is a 400 (413
for a body over the size limit) in the API's error shape, never a 500, and writes nothing; a value
exactly at each limit is accepted. The limits and their sources: docs/sandbox.md, "Input limits"."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from instantly_sandbox import limits, spec

pytestmark = pytest.mark.integration

EMAIL_254 = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".co"
EMAIL_255 = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 59 + ".co"
ACCOUNT = {
    "first_name": "Sam", "last_name": "Doe", "provider_code": 1, "imap_username": "u", "imap_password": "p",
    "imap_host": "imap.client.example", "imap_port": 993, "smtp_username": "u", "smtp_password": "p",
    "smtp_host": "smtp.client.example", "smtp_port": 465,
}  # fmt: skip


@dataclass(frozen=True)
class Bad:
    """One bad request: where it goes, its raw body, and the API's answer."""

    id: str
    method: str
    path: str
    body: bytes
    message: str
    status: int = 400


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _deep(levels: int) -> bytes:
    return b'{"label": ' + b"[" * levels + b"]" * levels + b"}"


BIG = limits.BODY_LIMIT + 1
MEMBER = {"email": "new@client.example", "role": "view"}

CASES = [
    # -- the body as a whole ----------------------------------------------------------------------
    Bad("deep-array", "POST", "/custom-tags", b"[" * 100_000 + b"]" * 100_000,
        f"body must NOT be nested deeper than {limits.MAX_DEPTH} levels"),
    Bad("deep-in-field", "POST", "/custom-tags", _deep(5_000),
        f"body must NOT be nested deeper than {limits.MAX_DEPTH} levels"),
    Bad("deep-just-over", "POST", "/custom-tags", _deep(limits.MAX_DEPTH + 1),
        f"body must NOT be nested deeper than {limits.MAX_DEPTH} levels"),
    # At the limit the body is read, and its schema judges it.
    Bad("deep-at-the-limit", "POST", "/custom-tags", _deep(limits.MAX_DEPTH), "body/label must be string"),
    Bad("invalid-utf8", "POST", "/custom-tags", b'{"label": "\xff\xfe"}', "body must be valid UTF-8"),
    Bad("utf16", "POST", "/custom-tags", '{"label": "x"}'.encode("utf-16"), "body must be valid UTF-8"),
    Bad("not-json", "POST", "/custom-tags", b'{"label": ', "body must be valid JSON"),
    Bad("nan", "POST", "/workspace-members", b'{"email": "x@client.example", "role": "view", "n": NaN}',
        "body must be valid JSON"),
    Bad("infinite", "POST", "/workspace-members",
        b'{"email": "x@client.example", "role": "view", "n": 1e999}',
        "body/n must be a finite number"),
    Bad("huge-integer", "POST", "/accounts",
        _json({**ACCOUNT, "email": "x@client.example", "daily_limit": 10**30}),
        "body/daily_limit must be a safe integer (at most 9007199254740991 in size)"),
    Bad("too-large", "POST", "/custom-tags", _json({"label": "L" * BIG}), "Request body is too large", 413),
    Bad("500k-scopes", "POST", "/api-keys", _json({"name": "k", "scopes": ["leads:read"] * 500_000}),
        "Request body is too large", 413),
    # -- not an object -------------------------------------------------------------------------------
    Bad("string-body", "POST", "/workspace-members", b'"ana@client.example"', "body must be object"),
    Bad("array-body", "POST", "/workspace-members", b"[]", "body must be object"),
    Bad("number-body", "POST", "/custom-tags", b"42", "body must be object"),
    Bad("null-body", "POST", "/api-keys", b"null", "body must be object"),
    Bad("no-body", "POST", "/api-keys", b"", "body must be object"),
    # -- lone surrogates, anywhere -----------------------------------------------------------------
    Bad("surrogate-label", "POST", "/custom-tags", b'{"label": "\\ud800"}',
        "body/label must NOT contain a lone surrogate (\\ud800): send valid Unicode"),
    Bad("surrogate-patch-label", "PATCH", "/custom-tags/{tag}", b'{"label": "ok \\udfff"}',
        "body/label must NOT contain a lone surrogate (\\udfff): send valid Unicode"),
    Bad("surrogate-key-name", "POST", "/api-keys", b'{"name": "\\udc00", "scopes": ["leads:read"]}',
        "body/name must NOT contain a lone surrogate (\\udc00): send valid Unicode"),
    Bad("surrogate-nickname", "POST", "/workspace-members",
        b'{"email": "x@client.example", "role": "view", "nickname": "\\ud83d"}',
        "body/nickname must NOT contain a lone surrogate (\\ud83d): send valid Unicode"),
    Bad("surrogate-in-list", "POST", "/custom-tags/toggle-resource",
        b'{"tag_ids": ["t"], "resource_ids": ["\\ud800"], "resource_type": 2, "assign": true}',
        "body/resource_ids/0 must NOT contain a lone surrogate (\\ud800): send valid Unicode"),
    Bad("surrogate-key", "PATCH", "/workspaces/current", b'{"\\ud800": 1, "name": "x"}',
        "body must NOT contain a lone surrogate (\\ud800): send valid Unicode"),
    # -- wrong types ----------------------------------------------------------------------------------
    Bad("email-number", "POST", "/workspace-members", _json({"email": 5, "role": "view"}),
        "body/email must be string"),
    Bad("role-list", "POST", "/workspace-members", _json({"email": "x@client.example", "role": ["view"]}),
        "body/role must be equal to one of the allowed values"),
    Bad("scopes-string", "POST", "/api-keys", _json({"name": "k", "scopes": "leads:read"}),
        "body/scopes must be array"),
    Bad("label-object", "POST", "/custom-tags", _json({"label": {"a": 1}}), "body/label must be string"),
    Bad("name-null", "PATCH", "/workspaces/current", _json({"name": None}), "body/name must be string"),
    # -- emails: the spec's format: email --------------------------------------------------------------
    Bad("email-nul", "POST", "/workspace-members", _json({**MEMBER, "email": "a\x00@client.example"}),
        'body/email must match format "email"'),
    Bad("email-newline", "POST", "/workspace-members", _json({**MEMBER, "email": "a@client.example\n"}),
        'body/email must match format "email"'),
    Bad("email-no-dot", "POST", "/workspace-members", _json({**MEMBER, "email": "a@localhost"}),
        'body/email must match format "email"'),
    Bad("email-255", "POST", "/workspace-members", _json({**MEMBER, "email": EMAIL_255}),
        'body/email must match format "email"'),
    Bad("email-account", "POST", "/accounts", _json({**ACCOUNT, "email": "sdr at client"}),
        'body/email must match format "email"'),
    Bad("email-new-owner", "POST", "/workspaces/current/change-owner",
        _json({"email": "a@b@c.example", "sec": "x"}),
        'body/email must match format "email"'),
    # -- text fields: length and characters ----------------------------------------------------------
    Bad("label-256", "POST", "/custom-tags", _json({"label": "L" * 256}),
        "body/label must NOT have more than 255 characters"),
    Bad("label-nul", "POST", "/custom-tags", _json({"label": "a\x00b"}),
        'body/label must match format "one-line"'),
    Bad("label-newline", "PATCH", "/custom-tags/{tag}", _json({"label": "a\nb"}),
        'body/label must match format "one-line"'),
    Bad("label-blank", "POST", "/custom-tags", _json({"label": "   "}),
        'body/label must match pattern ".*\\S.*"'),
    Bad("key-name-256", "POST", "/api-keys", _json({"name": "k" * 256, "scopes": ["leads:read"]}),
        "body/name must NOT have more than 255 characters"),
    Bad("key-name-control", "POST", "/api-keys", _json({"name": "crm\x1bsync", "scopes": ["leads:read"]}),
        'body/name must match format "one-line"'),
    Bad("workspace-name-256", "PATCH", "/workspaces/current", _json({"name": "W" * 256}),
        "body/name must NOT have more than 255 characters"),
    Bad("workspace-name-tab", "PATCH", "/workspaces/current", _json({"name": "Hooli\tXYZ"}),
        'body/name must match format "one-line"'),
    Bad("nickname-81", "POST", "/workspace-members", _json({**MEMBER, "nickname": "n" * 81}),
        "body/nickname must NOT have more than 80 characters"),
    Bad("nickname-nul", "POST", "/workspace-members", _json({**MEMBER, "nickname": "a\x00"}),
        'body/nickname must match format "no-nul"'),
    Bad("scopes-179", "POST", "/api-keys", _json({"name": "k", "scopes": ["leads:read"] * 179}),
        "body/scopes must NOT have more than 178 items"),
    Bad("permissions-32", "POST", "/workspace-members", _json({**MEMBER, "permissions": ["crm.view"] * 32}),
        "body/permissions must NOT have more than 31 items"),
]  # fmt: skip


@pytest.fixture(scope="module")
def api(sandbox: Any) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    ws, key = sandbox.control.create_workspace("Bad input")
    with httpx.Client(
        base_url=f"{sandbox.base_url}/api/v2", headers={"Authorization": f"Bearer {key}"}, timeout=60
    ) as client:
        tag = client.post("/custom-tags", json={"label": "Existing"}).json()
        yield client, {"tag": tag["id"], "workspace": ws["id"]}


def _objects(client: httpx.Client) -> dict[str, Any]:
    return {
        path: client.get(path, params={"limit": 100}).json()
        for path in ("/custom-tags", "/api-keys", "/workspace-members", "/accounts")
    } | {"workspace": client.get("/workspaces/current").json()}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_body_is_refused_in_the_apis_shape_and_writes_nothing(
    api: tuple[httpx.Client, dict[str, str]], control: Any, case: Bad
) -> None:
    client, ids = api
    control.set_limits(per_second=100_000, per_minute=1_000_000)
    before = _objects(client)
    path = case.path.format(**ids)
    resp = client.request(case.method, path, content=case.body, headers={"content-type": "application/json"})
    phrase = {400: "Bad Request", 413: "Payload Too Large"}[case.status]
    assert resp.status_code == case.status, resp.text
    assert resp.headers["content-type"] == "application/json"
    assert resp.json() == {"statusCode": case.status, "error": phrase, "message": case.message}
    assert _objects(client) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "value"),
    [
        ("POST", "/custom-tags", {"label": "L" * 255}, "label", "L" * 255),
        ("PATCH", "/custom-tags/{tag}", {"label": "\u00e9" * 255}, "label", "\u00e9" * 255),
        ("POST", "/custom-tags", {"label": "\U0001f600" * 255}, "label", "\U0001f600" * 255),  # code points
        ("POST", "/api-keys", {"name": "k" * 255, "scopes": ["leads:read"]}, "name", "k" * 255),
        ("PATCH", "/workspaces/current", {"name": "W" * 255}, "name", "W" * 255),
        ("POST", "/workspace-members", {"email": "n80@client.example", "role": "view", "nickname": "n" * 80},
         "nickname", "n" * 80),
        ("POST", "/workspace-members",
         {"email": "multi@client.example", "role": "view", "nickname": "two\nlines"},
         "nickname", "two\nlines"),
        ("POST", "/workspace-members", {"email": EMAIL_254, "role": "view"}, "email", EMAIL_254),
        ("POST", "/api-keys", {"name": "every scope", "scopes": sorted(spec.all_scopes())}, "scopes",
         sorted(spec.all_scopes())),
    ],
)  # fmt: skip
def test_a_value_exactly_at_the_limit_is_accepted(
    api: tuple[httpx.Client, dict[str, str]],
    control: Any,
    method: str,
    path: str,
    body: Any,
    field: str,
    value: Any,
) -> None:
    client, ids = api
    control.set_limits(per_second=100_000, per_minute=1_000_000)
    resp = client.request(method, path.format(**ids), json=body)
    assert resp.status_code == 200, resp.text
    assert resp.json()[field] == value


def test_a_body_just_under_the_size_limit_is_read(api: tuple[httpx.Client, dict[str, str]]) -> None:
    client, _ = api
    body = _json({"label": "Big description", "description": ""})
    filler = "d" * (limits.BODY_LIMIT - len(body))
    payload = _json({"label": "Big description", "description": filler})
    assert len(payload) == limits.BODY_LIMIT
    resp = client.post("/custom-tags", content=payload, headers={"content-type": "application/json"})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["description"]) == len(filler)


def test_a_declared_length_over_the_limit_is_refused_unread(
    sandbox: Any, api: tuple[httpx.Client, dict[str, str]]
) -> None:
    """A ``Content-Length`` over the limit is answered at once: the body is never waited for."""
    client, _ = api
    host, port = httpx.URL(sandbox.base_url).host, httpx.URL(sandbox.base_url).port
    head = (
        f"POST /api/v2/custom-tags HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: {client.headers['Authorization']}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {limits.BODY_LIMIT * 4}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(head.encode() + b'{"label": "' + b"x" * 1000)  # far less than declared
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status, _, rest = answer.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 413")
    assert json.loads(rest.partition(b"\r\n\r\n")[2]) == {
        "statusCode": 413,
        "error": "Payload Too Large",
        "message": "Request body is too large",
    }


def test_no_bad_body_answered_500(api: tuple[httpx.Client, dict[str, str]], control: Any) -> None:
    """Over the whole module (this test runs last): the request log holds no 5xx for its workspace."""
    _, ids = api
    mine = [e for e in control.requests() if e["workspace_id"] == ids["workspace"]]
    assert len(mine) > len(CASES)
    assert [e for e in mine if e["status"] >= 500] == []
