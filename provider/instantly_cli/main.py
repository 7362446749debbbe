"""The ``instantly-pulumi`` console script: every command, registered in one place."""

from __future__ import annotations

import typer

from instantly_cli import audit, demo, discover, fleet, leave_group, transfer_owner

app = typer.Typer(
    name="instantly-pulumi",
    help="Operator commands for Instantly client workspaces managed with Pulumi. "
    "The key comes from INSTANTLY_API_KEY, the origin from INSTANTLY_BASE_URL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Operator commands for Instantly client workspaces managed with Pulumi."""


app.command("discover")(discover.command)
app.command("audit")(audit.command)
app.command("transfer-owner")(transfer_owner.command)
app.command("leave-group")(leave_group.command)
app.command("demo")(demo.command)
app.add_typer(fleet.app, name="fleet")


def run() -> None:
    """Entry point of the ``instantly-pulumi`` console script."""
    app()
