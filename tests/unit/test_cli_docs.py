"""Every command of ``instantly-pulumi`` has its page in docs/cli/, listed in the index, and
the page names every flag the command takes (so the pages cannot drift from the code)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from instantly_cli.main import app

DOCS = Path(__file__).parents[2] / "docs" / "cli"
GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]


def test_the_commands_of_the_interface_are_registered() -> None:
    assert {"discover", "audit", "transfer-owner", "leave-group", "demo"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_a_page_naming_every_flag(name: str) -> None:
    page = DOCS / f"{name}.md"
    assert page.is_file(), f"docs/cli/{name}.md is missing"
    text = page.read_text()
    assert f"# `instantly-pulumi {name}`" in text
    for param in GROUP.commands[name].params:  # type: ignore[attr-defined]
        for flag in param.opts:
            if flag != "--help":
                assert f"`{flag}" in text, f"docs/cli/{name}.md does not document {flag}"
    assert "## Exit codes" in text


@pytest.mark.parametrize("name", COMMANDS)
def test_the_index_links_each_page(name: str) -> None:
    assert f"]({name}.md)" in (DOCS / "README.md").read_text()
