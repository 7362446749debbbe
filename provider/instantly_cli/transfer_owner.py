"""``instantly-pulumi transfer-owner``: hand a workspace's ownership to one of its members.

The official operation (``POST /workspaces/current/change-owner``) takes the
new owner's ``email`` and a security token ``sec`` — not the guide's
``new_owner_id``. The token comes from ``--security-token`` or
``INSTANTLY_SECURITY_TOKEN``, never from a stack file, and is never printed.

Before any write it refuses, exit 2, when the new owner is not an accepted
member of the workspace, or when the key's own scopes (when they can be told)
lack ``workspaces:update``; the API's own 403 naming the scope is surfaced the
same way. It asks for confirmation unless ``--yes`` and prints the owner before
and after.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.table import Table

from instantly_cli import common
from instantly_cli.workspace_reader import WorkspaceReader
from instantly_pulumi import models
from instantly_pulumi.errors import PermissionDeniedError, ServerError, TransportError, UnexpectedAnswerError

Obj = dict[str, Any]
TOKEN_ENV = "INSTANTLY_SECURITY_TOKEN"  # noqa: S105 — the variable's name, not a token
UPDATE_SCOPES = frozenset({"workspaces:update", "workspaces:all", "all:update", "all:all"})
"""Any one of these lets a key change the owner (the operation's documented scopes)."""


def owner_email(workspace: Obj, members: list[Obj]) -> str:
    """The owner's email (the workspace names its owner by user id)."""
    owner = next((m for m in members if m.get("user_id") == workspace.get("owner")), None)
    return str(owner.get("email")) if owner else f"user {workspace.get('owner')}"


def _check_scopes(reader: WorkspaceReader) -> None:
    scopes = reader.own_key_scopes()
    if scopes is not None and not UPDATE_SCOPES & set(scopes):
        common.fail(
            "INSTANTLY_API_KEY lacks the scope to change a workspace's owner: it needs one of "
            f"{', '.join(sorted(UPDATE_SCOPES))} (it has {', '.join(scopes) or 'none'}). Nothing was changed."
        )


def command(
    workspace_id: Annotated[str, typer.Option("--workspace-id", help="The workspace whose owner changes.")],
    to: Annotated[
        str, typer.Option("--to", help="The new owner's email: an accepted member of the workspace.")
    ],
    security_token: Annotated[
        str | None,
        typer.Option(
            "--security-token",
            help=f"The workspace's security token (the API's `sec`); default: ${TOKEN_ENV}. Never printed.",
            show_default=False,
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Make an accepted member the workspace's owner (the old owner stays, as an admin)."""
    ws = common.workspace_id(workspace_id)
    email = to.strip()
    if not models.is_email(email):
        common.fail(f"--to {email!r} is not an email address")
    token = (security_token or os.environ.get(TOKEN_ENV) or "").strip()
    if not token:
        common.fail(
            f"no security token: pass --security-token or set {TOKEN_ENV} (the workspace's token; "
            "it is never read from a stack file)"
        )
    with common.api_reader(secrets=(token,)) as reader:
        before = reader.workspace(ws)
        members = reader.members(ws)
        old = owner_email(before, members)
        new = next((m for m in members if str(m.get("email", "")).lower() == email.lower()), None)
        name = before.get("name")
        if new is None:
            common.fail(
                f"{email} is not a member of {name} ({ws}): invite them first (a WorkspaceMember in the "
                "client's stack), and once they have accepted, run transfer-owner again. Nothing was changed."
            )
        if not new.get("accepted"):
            common.fail(
                f"{email} was invited to {name} ({ws}) but has not accepted yet: only an accepted member "
                "can become the owner. Nothing was changed."
            )
        if new.get("user_id") == before.get("owner"):
            common.console.print(f"{email} already owns {name} ({ws}): nothing to do.", highlight=False)
            return
        _check_scopes(reader)
        common.confirm(f"Make {email} the owner of {name} ({ws}) instead of {old}?", yes=yes)
        try:
            reader.client.request(
                "POST",
                "/workspaces/current/change-owner",
                operation="change the owner of",
                target=f"workspace {ws}",
                workspace_id=reader.acting(ws),
                json={"email": new["email"], "sec": token},
            )
        except PermissionDeniedError as exc:
            if "token" in exc.server_message.lower():
                common.fail(
                    f"the API refused the security token ({exc.server_message}): check --security-token "
                    f"or {TOKEN_ENV}. Nothing was changed.",
                    secrets=(token,),
                )
            common.fail(
                f"the API refused the change ({exc.server_message}). Nothing was changed.", secrets=(token,)
            )
        except (ServerError, TransportError, UnexpectedAnswerError) as exc:
            # Ambiguous: the owner read below tells whether it landed.
            common.errors.print(
                f"warning: {common.redact(str(exc), token)}; reading the owner to see whether it changed",
                markup=False,
            )
        after = reader.workspace(ws)
        now = owner_email(after, reader.members(ws))
    table = Table(title=f"Owner of {name} ({ws})", title_justify="left")
    table.add_column("before")
    table.add_column("after")
    table.add_row(old, now)
    common.console.print(table)
    if after.get("owner") != new.get("user_id"):
        common.fail(f"the owner is still {now}: the change did not land; running the command again is safe")
