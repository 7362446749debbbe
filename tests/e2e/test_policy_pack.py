"""The policy pack in policy/ (instantly-access-guardrails), enforced by the real CLI on client stacks.

`pulumi preview --policy-pack policy` starts the pack through this project's language host
(RunPlugin, in the pack's own virtualenv policy/venv, which `make venv` creates) and checks every
resource the stack declares; a mandatory violation fails the preview, an advisory one is reported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO, ClientStack, World

pytestmark = pytest.mark.e2e

PACK = REPO / "policy"


@pytest.fixture(scope="module")
def pack() -> Path:
    """The pack, with its virtualenv; never skipped: a missing venv is a failure."""
    if not (PACK / "venv" / "bin" / "python").exists():
        pytest.fail("no policy/venv: run `make venv` (make test does it), or `pulumi install` in policy/")
    return PACK


def client(world: World, **overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "workspace_id": world.client_id,
        "members": [{"email": "ana@client.example", "access": "sdr", "nickname": "Ana"}],
        "api_keys": [{"name": "crm-sync", "scopes": ["campaigns:read"], "rotation": "2026-12"}],
    }
    spec.update(overrides)
    return spec


def preview(stack: ClientStack, pack: Path, *extra: str) -> Any:
    return stack.run("preview", "--policy-pack", str(pack), *extra, check=False)


def test_a_full_access_key_fails_the_preview_even_when_the_stack_allows_it(
    client_stack: ClientStack, world: World, pack: Path
) -> None:
    root = {"name": "root", "scopes": ["all:all"], "allow_full_access": True, "rotation": "2026-12"}
    client_stack.write(client(world, api_keys=[root]))
    # Without the pack the stack may have the key: the provider's own check lets it through.
    assert client_stack.run("preview", check=False).returncode == 0

    proc = preview(client_stack, pack)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "instantly-access-guardrails" in out
    assert re.search(r"\[mandatory\]\s+no-full-access-keys", out), out
    assert "all:all" in out
    assert "Traceback" not in out
    # A failed policy check makes no write.
    assert [r for r in client_stack.requests() if r["method"] != "GET"] == []


def test_a_stack_within_the_guardrails_passes(client_stack: ClientStack, world: World, pack: Path) -> None:
    client_stack.write(client(world))
    proc = preview(client_stack, pack)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"Policies:\s+✅ instantly-access-guardrails@v0\.1\.0", out), out  # it ran, and passed
    assert "[mandatory]" not in out
    assert "[advisory]" not in out


def test_advisory_policies_report_without_failing(
    client_stack: ClientStack, world: World, pack: Path
) -> None:
    client_stack.write(
        client(
            world,
            members=[{"email": "bo@client.example", "access": "viewer"}],
            api_keys=[{"name": "crm-sync", "scopes": ["campaigns:read"]}],
        )
    )
    proc = preview(client_stack, pack)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"\[advisory\]\s+keys-declare-rotation", out), out
    assert "declares no rotation" in out
    assert re.search(r"\[advisory\]\s+members-have-nicknames", out), out


def test_the_pack_config_file_drives_the_configurable_policies(
    client_stack: ClientStack, world: World, pack: Path, tmp_path: Path
) -> None:
    client_stack.write(
        client(
            world,
            members=[
                {"email": "boss@agency.example", "access": "admin", "nickname": "Boss"},
                {"email": "ceo@client.example", "access": "admin", "nickname": "CEO"},
            ],
            api_keys=[{"name": "crm-sync", "scopes": ["campaigns:read"], "rotation": "2020-01"}],
        )
    )
    # Unconfigured, an admin from any domain passes, and any rotation is recent enough.
    proc = preview(client_stack, pack)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "admins-from-agency-domains" not in proc.stdout

    # A mandatory violation ends the preview's checks, so each configured policy gets its own run.
    config = tmp_path / "guardrails.json"

    def with_config(policies: dict[str, Any]) -> tuple[int, str]:
        config.write_text(json.dumps(policies))
        proc = preview(client_stack, pack, "--policy-pack-config", str(config))
        return proc.returncode, proc.stdout + proc.stderr

    code, out = with_config({"admins-from-agency-domains": {"domains": ["agency.example"]}})
    assert code != 0, out
    assert re.search(r"\[mandatory\]\s+admins-from-agency-domains", out), out
    assert "ceo@client.example would be an admin" in out
    assert "boss@agency.example would be an admin" not in out

    code, out = with_config({"keys-declare-rotation": {"enforcementLevel": "mandatory", "max_age_days": 90}})
    assert code != 0, out
    assert re.search(r"\[mandatory\]\s+keys-declare-rotation", out), out
    assert "last rotated 2020-01" in out

    code, out = with_config({"few-admins": {"max_admins": 1}})
    assert code == 0, out
    assert re.search(r"\[advisory\]\s+few-admins", out), out
    assert "would have 2 admins (at most 1)" in out

    # A config the schemas refuse stops before the pack checks anything.
    config.write_text(json.dumps({"few-admins": {"max_admins": "two"}}))
    proc = preview(client_stack, pack, "--policy-pack-config", str(config))
    assert proc.returncode != 0
    assert "few-admins" in proc.stdout + proc.stderr
