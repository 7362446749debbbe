"""docs/sandbox.md cannot drift from the sandbox: every control-plane route the app serves is
documented (and nothing else is), and so are every command-line flag and every variable
``seed --format env`` exports."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from instantly_sandbox import cli
from instantly_sandbox.app import build_app
from instantly_sandbox.seed import Seeded, SeededWorkspace, as_env
from instantly_sandbox.store import Store

PAGE = Path(__file__).parents[2] / "docs" / "sandbox.md"
MENTION = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/_sandbox/[^`\s]*)`")


def served_control_routes(tmp_path: Path) -> set[tuple[str, str]]:
    store = Store(tmp_path / "docs.db")
    try:
        app = build_app(store)
    finally:
        store.close()
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith("/_sandbox")
        for method in route.methods
    }


def test_every_control_route_is_documented_and_nothing_else(tmp_path: Path) -> None:
    served = served_control_routes(tmp_path)
    documented = set(MENTION.findall(PAGE.read_text()))
    assert len(served) >= 16
    assert served - documented == set(), "routes missing from docs/sandbox.md"
    assert documented - served == set(), "docs/sandbox.md names routes the sandbox does not serve"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", ["serve", "seed"])
def test_every_flag_and_default_is_documented(command: str) -> None:
    text = PAGE.read_text()
    sub = _subcommands()[command]
    for action in sub._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}`" in text, f"docs/sandbox.md does not document {command} {flag}"
        if action.default not in (None, argparse.SUPPRESS) and action.dest != "help":
            shown = f"{action.default:g}" if isinstance(action.default, float) else str(action.default)
            assert f"`{shown}`" in text, f"docs/sandbox.md does not name {command}'s default {shown}"
    assert "`8787`" in text
    assert "instantly-sandbox serve" in text


def test_every_seed_variable_is_documented() -> None:
    ws = SeededWorkspace(name="W", id="w", owner_key="sk_x", security_token="sec_x")
    ws.campaigns.append({"id": "c", "name": "C"})
    ws.accounts.append("a@x.example")
    ws.tags.append({"id": "t", "label": "Enterprise", "campaigns": ["c"], "accounts": ["a@x.example"]})
    seeded = Seeded(base_url="http://x", agency=ws, clients={"HOOLI": ws, "PIED_PIPER": ws})
    names = re.findall(r"^export ([A-Z_]+)=", as_env(seeded), re.M)
    assert "INSTANTLY_API_KEY" in names
    text = PAGE.read_text()
    for name in names:
        assert f"`{name}`" in text, f"docs/sandbox.md does not name {name}"
