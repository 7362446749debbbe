"""The rules of the policy pack (policy/guardrails.py), without the policy SDK; the pack itself runs
through the real CLI in tests/e2e/test_policy_pack.py."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from instantly_pulumi import models

PACK = Path(__file__).parents[2] / "policy"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("guardrails", PACK / "guardrails.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["guardrails"] = module
    spec.loader.exec_module(module)
    return module


g = _load()
TODAY = dt.date(2026, 12, 6)


def test_urn_type_is_the_dynamic_resources_own_type() -> None:
    urn = "urn:pulumi:acme::instantly-clients::pulumi-python:dynamic/instantly:ApiKey::key-crm"
    assert g.urn_type(urn) == g.API_KEY
    nested = "urn:pulumi:acme::p::my:comp$pulumi-python:dynamic/instantly:WorkspaceMember::m"
    assert g.urn_type(nested) == g.WORKSPACE_MEMBER
    assert g.urn_type("not a urn") == ""


@pytest.mark.parametrize("scope", sorted(s for s in models.SCOPES if s.startswith("all:")))
def test_every_full_access_scope_is_refused_even_when_allowed(scope: str) -> None:
    (message,) = g.full_access_scopes(
        {"name": "root", "scopes": ["campaigns:read", scope], "allow_full_access": True}
    )
    assert scope in message
    assert "campaigns:read" not in message
    assert "allow_full_access" in message


def test_narrow_keys_pass() -> None:
    narrow = [s for s in models.SCOPES if not s.startswith("all:")]
    assert g.full_access_scopes({"name": "k", "scopes": narrow}) == []


def test_admins_only_from_the_configured_domains() -> None:
    check = g.admin_outside_domains
    config = {"domains": ["Agency.example", "@agency.co"]}
    assert check({"email": "x@agency.example", "role": "admin"}, config) == []
    assert check({"email": "x@AGENCY.CO", "role": "admin"}, config) == []
    assert check({"email": "x@client.example", "role": "editor"}, config) == []
    (message,) = check({"email": "x@client.example", "role": "admin"}, config)
    assert "x@client.example" in message
    assert "agency.co, agency.example" in message
    # A look-alike domain is another domain.
    assert check({"email": "x@evil-agency.example", "role": "admin"}, config)
    # Nothing configured: nothing to check.
    assert check({"email": "x@client.example", "role": "admin"}, {}) == []


def test_keys_declare_a_recent_rotation() -> None:
    check = g.rotation_problems
    assert "declares no rotation" in check({"name": "k"}, {}, TODAY)[0]
    assert "declares no rotation" in check({"name": "k", "rotation": "  "}, {}, TODAY)[0]
    assert check({"name": "k", "rotation": "2020-01"}, {}, TODAY) == []  # no max age configured
    ninety = {"max_age_days": 90.0}  # JSON numbers reach the pack as floats
    assert check({"name": "k", "rotation": "2026-10"}, ninety, TODAY) == []
    assert check({"name": "k", "rotation": "v7"}, ninety, TODAY) == []  # not a date: any value rotates
    (old,) = check({"name": "k", "rotation": "2026-09-01"}, ninety, TODAY)
    assert "96 days ago" in old
    assert "at most 90" in old
    assert "not a date" in check({"name": "k", "rotation": "2026-13"}, ninety, TODAY)[0]


def test_members_have_nicknames_except_the_exempt_domains() -> None:
    check = g.missing_nickname
    assert check({"email": "a@client.example", "nickname": "Ana"}, {}) == []
    assert check({"email": "a@client.example"}, {})
    assert check({"email": "me@agency.example"}, {"except_domains": ["agency.example"]}) == []


def test_few_admins_per_workspace() -> None:
    members = [
        {"email": "a@x", "role": "admin", "workspace_id": "w1"},
        {"email": "b@x", "role": "admin", "workspace_id": "w1"},
        {"email": "c@x", "role": "admin", "workspace_id": "w1"},
        {"email": "d@x", "role": "editor", "workspace_id": "w1"},
        {"email": "e@x", "role": "admin", "workspace_id": "w2"},
    ]
    (message,) = g.too_many_admins(members, {})
    assert "w1 would have 3 admins (at most 2)" in message
    assert g.too_many_admins(members, {"max_admins": 3.0}) == []
    assert len(g.too_many_admins(members, {"max_admins": 0})) == 2
