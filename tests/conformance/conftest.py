"""Every response the conformance tests receive is validated against the official schema.

An httpx response hook finds the operation (method + path template), takes the
spec's schema for the status (or the API's common error shape for a status
the operation does not list) and fails the test on any mismatch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

SPEC = json.loads(
    (Path(__file__).parents[2] / "provider" / "instantly_sandbox" / "openapi-v2-subset.json").read_text()
)
ERROR_SHAPE = {
    "type": "object",
    "required": ["statusCode", "error", "message"],
    "properties": {
        "statusCode": {"type": "number"},
        "error": {"type": "string"},
        "message": {"type": "string"},
    },
}

# Literal segments first, so /admin and /toggle-resource are not taken for {id}.
_ROUTES = sorted(
    (
        (method.upper(), re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path, op)
        for path, ops in SPEC["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict) and "responses" in op
    ),
    key=lambda r: r[2].count("{"),
)

SEEN: dict[tuple[str, int], int] = {}
"""(operationId, status) → how many responses were validated."""


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]]:
    for m, pattern, _template, op in _ROUTES:
        if m == method and pattern.match(path):
            return op["operationId"], op
    raise AssertionError(f"{method} {path} is not an operation of the spec")


def schema_for(op: dict[str, Any], status: int) -> dict[str, Any]:
    response = op["responses"].get(str(status))
    if response is None:
        assert status >= 400, f"{op['operationId']} answered {status}, which the spec does not list"
        return {**ERROR_SHAPE, "properties": {**ERROR_SHAPE["properties"], "statusCode": {"enum": [status]}}}
    schema = dict(response["content"]["application/json"]["schema"])
    schema["components"] = SPEC["components"]  # so "#/components/..." resolves
    return schema


def validate_response(response: httpx.Response) -> None:
    response.read()
    op_id, op = operation_for(response.request.method, response.request.url.path)
    schema = schema_for(op, response.status_code)
    body = response.json()
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        details = "; ".join(
            f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message[:200]}" for e in errors[:5]
        )
        raise AssertionError(f"{op_id} {response.status_code} does not match the official schema: {details}")
    SEEN[(op_id, response.status_code)] = SEEN.get((op_id, response.status_code), 0) + 1


@pytest.fixture
def api(sandbox: Any) -> Iterator[Callable[..., httpx.Client]]:
    """``api(key, as_workspace=None)`` → an httpx client whose every response is validated."""
    clients: list[httpx.Client] = []

    def make(key: str | None, as_workspace: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        if as_workspace:
            headers["x-as-workspace"] = as_workspace
        client = httpx.Client(
            base_url=f"{sandbox.base_url}/api/v2",
            headers=headers,
            event_hooks={"response": [validate_response]},
            timeout=30,
        )
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not SEEN:
        return
    ops = {op for op, _ in SEEN}
    total = len(
        [o for o in SPEC["paths"].values() for m in o.values() if isinstance(m, dict) and "responses" in m]
    )
    terminalreporter.section("conformance: responses validated against the official schemas")
    terminalreporter.write_line(
        f"{sum(SEEN.values())} responses, {len(SEEN)} (operation, status) pairs, "
        f"{len(ops)}/{total} operations"
    )
