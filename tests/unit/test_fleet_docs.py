"""docs/cli/fleet.md documents every command and every flag the fleet has, and every exit code."""

from __future__ import annotations

from pathlib import Path

import typer

from instantly_cli.common import DRIFTED
from instantly_cli.fleet import app
from instantly_cli.fleet.command import INTERRUPTED

PAGE = Path(__file__).parents[2] / "docs" / "cli" / "fleet.md"


def test_every_command_and_flag_is_documented() -> None:
    text = PAGE.read_text()
    group = typer.main.get_command(app)
    commands = group.commands  # type: ignore[attr-defined]
    assert set(commands) == {"preview", "up", "refresh", "destroy", "list"}
    for name, command in commands.items():
        assert f"fleet {name}" in text or f"`{name}`" in text, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("-"):
                    assert f"`{opt}" in text, f"{opt} of fleet {name} is not in {PAGE.name}"


def test_every_exit_code_is_documented() -> None:
    text = PAGE.read_text()
    for code in (0, 1, 2, DRIFTED, INTERRUPTED):
        assert f"| {code} |" in text


def test_only_preview_and_up_take_policy_packs() -> None:
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name, command in commands.items():
        opts = {opt for param in command.params for opt in param.opts}
        takes = {"--policy-pack", "--policy-pack-config"} <= opts
        assert takes == (name in ("preview", "up")), name


def test_only_refresh_detects_drift() -> None:
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name, command in commands.items():
        opts = {opt for param in command.params for opt in param.opts}
        assert ("--detect-drift" in opts) == (name == "refresh"), name
