"""What the commands read from the API, in one place.

:class:`WorkspaceReader` is the library's one reader (:mod:`instantly_pulumi.reader`: every
collection listed the same way as the resources and the exclusive collections list it) over the
one :class:`~instantly_pulumi.client.InstantlyClient` of a command, plus what only the commands
read: a workspace other than the key's own is reached with ``x-as-workspace``
(:meth:`WorkspaceReader.acting`), the audit log, the key's own scopes, and
:meth:`WorkspaceReader.snapshot`, everything a stack can declare about one workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from instantly_pulumi import models
from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.errors import ApiError, PermissionDeniedError
from instantly_pulumi.reader import Reader

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


class WorkspaceReader(Reader):
    """The library's :class:`~instantly_pulumi.reader.Reader` for the commands, which are given
    workspace ids and must not send ``x-as-workspace`` for the key's own workspace."""

    def __init__(self, client: InstantlyClient) -> None:
        super().__init__(client)
        self._own: Obj | None = None

    # -- whose workspace --------------------------------------------------------------------------

    def own_workspace(self) -> Obj:
        """The API key's own workspace (``GET /workspaces/current`` without ``x-as-workspace``)."""
        if self._own is None:
            self._own = self.profile(None)
        return self._own

    def acting(self, workspace_id: str | None) -> str | None:
        """The ``x-as-workspace`` value for ``workspace_id``: None for the key's own workspace."""
        if workspace_id is None:
            return None
        return None if workspace_id == self.own_workspace().get("id") else workspace_id

    def workspace(self, workspace_id: str) -> Obj:
        """The Workspace object of ``workspace_id`` (its profile: name, logo, owner)."""
        return self.profile(workspace_id, target=workspace_id)

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
            keys = self.api_keys(None)
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
