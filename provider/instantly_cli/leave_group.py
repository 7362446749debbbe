"""``instantly-pulumi leave-group``: a sub-workspace leaves the agency's group, from its own side.

Only the sub-workspace's owner can leave (the agency removes from the other
side with a stack's ``destroy``). So the key is the sub-workspace's own
(``INSTANTLY_API_KEY`` of its owner), and ``--workspace-id`` must be that
key's workspace: the command reads its admin membership
(``GET /workspace-group-members/admin``) and deletes it
(``DELETE /workspace-group-members/{workspace_group_member_id}``). A stack
that declared the membership shows it gone on its next ``pulumi refresh``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from instantly_cli import common
from instantly_pulumi.errors import NotFoundError, ServerError, TransportError, UnexpectedAnswerError


def command(
    workspace_id: Annotated[
        str, typer.Option("--workspace-id", help="The sub-workspace that leaves: the key's own workspace.")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Leave the workspace group this workspace belongs to (run with the sub-workspace owner's key)."""
    ws = common.workspace_id(workspace_id)
    with common.api_reader() as reader:
        own = reader.own_workspace()
        if own.get("id") != ws:
            common.fail(
                f"INSTANTLY_API_KEY belongs to workspace {own.get('name')!r} ({own.get('id')}), not {ws}: a "
                "workspace leaves its group from its own side, so use a key of that workspace (its owner's). "
                "The agency removes a client from its side by destroying the client stack's group_membership."
            )
        admin = reader.admin_membership()
        member_id = admin.get("workspace_group_member_id")
        if not admin.get("has_admin_workspace") or not member_id:
            common.fail(f"{own.get('name')} ({ws}) is not in a workspace group: there is nothing to leave")
        group = admin.get("workspace_name")
        common.confirm(f"Take {own.get('name')} ({ws}) out of the workspace group of {group}?", yes=yes)
        try:
            reader.client.request(
                "DELETE",
                f"/workspace-group-members/{member_id}",
                operation="leave the workspace group",
                target=f"of {group} (membership {member_id})",
            )
        except NotFoundError:
            pass  # gone already: what was asked for
        except (ServerError, TransportError, UnexpectedAnswerError) as exc:
            common.errors.print(
                f"warning: {exc}; reading the membership to see whether it is gone", markup=False
            )
            if reader.admin_membership().get("workspace_group_member_id") == member_id:
                common.fail("the workspace is still in the group: running the command again is safe")
    common.console.print(
        f"{own.get('name')} ({ws}) left the workspace group of {group} (membership {member_id} deleted). "
        "The agency's stack for this workspace shows the membership gone on its next `pulumi refresh`.",
        highlight=False,
    )
