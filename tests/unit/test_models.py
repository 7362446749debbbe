"""The vocabulary in models.py matches the official OpenAPI spec exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from instantly_pulumi import models

SPEC = json.loads(
    (Path(__file__).parents[2] / "provider" / "instantly_sandbox" / "openapi-v2-subset.json").read_text()
)


def schema(name: str) -> dict[str, Any]:
    result: dict[str, Any] = SPEC["components"]["schemas"][name]
    return result


def test_scopes_are_the_178_of_the_spec() -> None:
    enum = schema("APIKey")["properties"]["scopes"]["items"]["enum"]
    assert len(enum) == 178
    assert set(enum) == models.SCOPES


def test_permissions_are_the_31_of_the_spec() -> None:
    prop = schema("WorkspaceMember")["properties"]["permissions"]
    items = prop.get("items") or next(p["items"] for p in prop.get("anyOf", []) if "items" in p)
    assert set(items["enum"]) == models.PERMISSIONS
    assert len(models.PERMISSIONS) == 31


def test_assignable_roles_are_in_the_spec_minus_owner_and_client() -> None:
    enum = set(schema("WorkspaceMember")["properties"]["role"]["enum"])
    assert enum - {"owner", "client"} == set(models.ASSIGNABLE_ROLES)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("ana@client.example", True), ("a@b.co", True), ("ana", False), ("a b@c.d", False), ("a@b", False)],
)
def test_is_email(value: str, ok: bool) -> None:
    assert models.is_email(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("019a8c3e-0000-7000-8000-00000000ac3e", True),
        ("019A8C3E-0000-7000-8000-00000000AC3E", True),
        ("019a8c3e00007000800000000000ac3e", False),
        ("not-a-uuid", False),
        ("", False),
    ],
)
def test_is_uuid(value: str, ok: bool) -> None:
    assert models.is_uuid(value) is ok


def test_full_access_scopes() -> None:
    assert models.full_access_scopes(["campaigns:read", "all:read", "all:all"]) == ["all:read", "all:all"]


def test_audit_activities_are_the_spec_enum_with_its_names() -> None:
    prop = schema("AuditLog")["properties"]["activity_type"]
    assert sorted(models.AUDIT_ACTIVITIES) == sorted(prop["enum"])
    assert {str(k): v for k, v in models.AUDIT_ACTIVITIES.items()} == prop["x-enumDescriptions"]
