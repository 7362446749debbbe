"""What the commands read from the API, in one place.

:class:`WorkspaceReader` wraps the one :class:`~instantly_pulumi.client.InstantlyClient`
of a command and reads through it only: every list is paged by
:meth:`~instantly_pulumi.client.InstantlyClient.paginate` (100 a page,
following the cursor), and a workspace other than the key's own is reached with
``x-as-workspace`` (:meth:`WorkspaceReader.acting`). :meth:`WorkspaceReader.snapshot`
reads everything a stack can declare about one workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from instantly_pulumi import models
from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.errors import ApiError, PermissionDeniedError

__all__ = ["Snapshot", "WorkspaceReader", "api_time", "tag_coverage"]

Obj = dict[str, Any]

ACCOUNT, CAMPAIGN = models.RESOURCE_TYPES["account"], models.RESOURCE_TYPES["campaign"]


def api_time(at: datetime) -> str:
    """A date-time in the API's form: ``2026-03-05T23:09:47.274Z`` (UTC)."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@dataclass
class Snapshot:
    """One workspace as the API shows it: the objects a client stack can declare, and its owner."""

    workspace: Obj
    """The Workspace object (``id``, ``name``, ``owner`` = the owner's user id)."""
    members: list[Obj]
    """Every member, the owner and pending invitations included."""
    api_keys: list[Obj]
    """Every API key (values masked by the API; never shown)."""
    tags: list[Obj]
    """Every custom tag."""
    mappings: list[Obj]
    """Every tag mapping (``tag_id``, ``resource_type`` 1 account / 2 campaign, ``resource_id``)."""
    campaigns: list[Obj] | None = None
    """Every campaign, or None when the key may not list them."""
    accounts: list[Obj] | None = None
    """Every email account, or None when the key may not list them."""
    notes: list[str] = field(default_factory=list)
    """What could not be read, said plainly."""

    @property
    def owner(self) -> Obj | None:
        """The owner member (by the workspace's ``owner`` user id, else by role)."""
        owner_id = self.workspace.get("owner")
        return next((m for m in self.members if m.get("user_id") == owner_id), None) or next(
            (m for m in self.members if m.get("role") == "owner"), None
        )


def tag_coverage(tags: list[Obj], mappings: list[Obj]) -> dict[str, dict[str, list[str]]]:
    """Tag id → ``{"campaigns": [...ids], "accounts": [...emails]}`` in the API's order."""
    out: dict[str, dict[str, list[str]]] = {t["id"]: {"campaigns": [], "accounts": []} for t in tags}
    for m in mappings:
        covered = out.get(m.get("tag_id", ""))
        if covered is None:
            continue
        kind = "accounts" if m.get("resource_type") == ACCOUNT else "campaigns"
        if m.get("resource_id") not in covered[kind]:
            covered[kind].append(m["resource_id"])
    return out


class WorkspaceReader:
    """Reads for the commands, through one client (never a second HTTP client)."""

    def __init__(self, client: InstantlyClient) -> None:
        self.client = client
        self._own: Obj | None = None

    # -- whose workspace --------------------------------------------------------------------------

    def own_workspace(self) -> Obj:
        """The API key's own workspace (``GET /workspaces/current`` without ``x-as-workspace``)."""
        if self._own is None:
            self._own = self.client.request(
                "GET", "/workspaces/current", operation="read", target="the API key's own workspace"
            )
        return self._own

    def acting(self, workspace_id: str) -> str | None:
        """The ``x-as-workspace`` value for ``workspace_id``: None for the key's own workspace."""
        return None if workspace_id == self.own_workspace().get("id") else workspace_id

    def workspace(self, workspace_id: str) -> Obj:
        """The Workspace object of ``workspace_id``."""
        ws: Obj = self.client.request(
            "GET",
            "/workspaces/current",
            operation="read workspace",
            target=workspace_id,
            workspace_id=self.acting(workspace_id),
        )
        return ws

    # -- lists ---------------------------------------------------------------------------------------

    def items(self, path: str, what: str, workspace_id: str | None, **params: Any) -> list[Obj]:
        """Every item at ``path`` in ``workspace_id`` (None: the key's own), page after page."""
        target = f"in workspace {workspace_id}" if workspace_id else "in the key's workspace"
        acting = self.acting(workspace_id) if workspace_id else None
        return list(
            self.client.paginate(
                path, operation=f"list {what}", target=target, workspace_id=acting, params=params
            )
        )

    def members(self, workspace_id: str) -> list[Obj]:
        """Every member of the workspace (``/workspace-members``)."""
        return self.items("/workspace-members", "workspace members", workspace_id)

    def api_keys(self, workspace_id: str) -> list[Obj]:
        """Every API key of the workspace (``/api-keys``; values come masked)."""
        return self.items("/api-keys", "API keys", workspace_id)

    def tags(self, workspace_id: str) -> list[Obj]:
        """Every custom tag of the workspace."""
        return self.items("/custom-tags", "custom tags", workspace_id)

    def mappings(self, workspace_id: str) -> list[Obj]:
        """Every tag mapping of the workspace (which campaigns and accounts carry which tag)."""
        return self.items("/custom-tag-mappings", "tag mappings", workspace_id)

    def campaigns(self, workspace_id: str) -> list[Obj]:
        """Every campaign of the workspace."""
        return self.items("/campaigns", "campaigns", workspace_id)

    def accounts(self, workspace_id: str) -> list[Obj]:
        """Every email account of the workspace."""
        return self.items("/accounts", "email accounts", workspace_id)

    def group_members(self) -> list[Obj]:
        """The key's workspace group, seen from its admin side (every status)."""
        return self.items("/workspace-group-members", "workspace group members", None)

    def admin_membership(self) -> Obj:
        """``GET /workspace-group-members/admin``: the key's own workspace's admin, if any."""
        found: Obj = self.client.request(
            "GET",
            "/workspace-group-members/admin",
            operation="read",
            target="the admin workspace of the key's workspace",
        )
        return found

    def audit_logs(self, workspace_id: str, since: datetime | None, recent: int) -> list[Obj]:
        """Events since ``since`` (every page), or the ``recent`` newest when ``since`` is None."""
        acting = self.acting(workspace_id)
        target = f"in workspace {workspace_id}"
        if since is None:
            page: Obj = self.client.request(
                "GET",
                "/audit-logs",
                operation="list audit logs",
                target=target,
                workspace_id=acting,
                params={"limit": recent},
            )
            items: list[Obj] = page.get("items", [])
            return items[:recent]
        return list(
            self.client.paginate(
                "/audit-logs",
                operation="list audit logs",
                target=target,
                workspace_id=acting,
                params={"start_date": api_time(since)},
            )
        )

    def own_key_scopes(self) -> list[str] | None:
        """The scopes of the key in use, when they can be told: its workspace's key list shows
        each value masked down to its last 4 characters, and one key only ending like ours is ours.
        None when the key may not list keys, or the ending is ambiguous."""
        secret = self.client.credentials.api_key
        try:
            keys = self.items("/api-keys", "API keys", None)
        except ApiError:
            return None
        ours = [k for k in keys if str(k.get("key", "")).endswith(secret[-4:])]
        return list(ours[0].get("scopes") or []) if len(ours) == 1 else None

    # -- one workspace, whole -------------------------------------------------------------------------

    def snapshot(self, workspace_id: str, *, catalog: bool = True) -> Snapshot:
        """Everything a client stack can declare about ``workspace_id``, plus its campaigns and
        accounts (``catalog``) for names and existence; those two may be missing (scopes)."""
        snap = Snapshot(
            workspace=self.workspace(workspace_id),
            members=self.members(workspace_id),
            api_keys=self.api_keys(workspace_id),
            tags=self.tags(workspace_id),
            mappings=self.mappings(workspace_id),
        )
        if catalog:
            snap.campaigns = self._optional(snap, "campaigns", lambda: self.campaigns(workspace_id))
            snap.accounts = self._optional(snap, "email accounts", lambda: self.accounts(workspace_id))
        return snap

    @staticmethod
    def _optional(snap: Snapshot, what: str, read: Callable[[], list[Obj]]) -> list[Obj] | None:
        try:
            return read()
        except PermissionDeniedError as exc:
            snap.notes.append(f"{what} could not be listed ({exc.server_message}): shown by id only")
            return None
