"""One reader per collection: how every part of the project lists what a workspace holds.

Each collection the project reads is a :class:`Listing` stated here once (its path and what it
holds); the resources take their API path from it (``listing = MEMBERS``), and :class:`Reader`
lists it through the one :class:`~instantly_pulumi.client.InstantlyClient` — every page, 100 a
page, following the cursor, acting in a client with ``x-as-workspace``. ``discover`` and ``audit``
(through the command line's reader, which also knows the key's own workspace), the access map, the
exclusive collections and the resources' own reads all list through it, so a collection is read the
same way, under the same rate budget, everywhere.

A reader made with ``shared=True`` (the provider's) takes whole lists from the client's
per-process cache, so the resources of one process and their exclusive collection read each list
once (:meth:`~instantly_pulumi.client.InstantlyClient.list_cached`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from instantly_pulumi.client import InstantlyClient

__all__ = [
    "ACCOUNTS",
    "API_KEYS",
    "CAMPAIGNS",
    "GROUP_MEMBERS",
    "MEMBERS",
    "PROFILE",
    "TAGS",
    "TAG_MAPPINGS",
    "Listing",
    "Reader",
]

Obj = dict[str, Any]


@dataclass(frozen=True)
class Listing:
    """One list endpoint of the API."""

    path: str
    """The collection's path (``/workspace-members``)."""
    what: str
    """What it holds, plural, for messages (``workspace members``)."""


MEMBERS = Listing("/workspace-members", "workspace members")
API_KEYS = Listing("/api-keys", "API keys")
TAGS = Listing("/custom-tags", "custom tags")
TAG_MAPPINGS = Listing("/custom-tag-mappings", "tag mappings")
CAMPAIGNS = Listing("/campaigns", "campaigns")
ACCOUNTS = Listing("/accounts", "email accounts")
GROUP_MEMBERS = Listing("/workspace-group-members", "workspace group members")
PROFILE = "/workspaces/current"
"""A workspace's own object (its profile: ``name``, ``org_logo_url``, ``owner``...): one object, no id."""


class Reader:
    """Lists a workspace's collections through one client (never a second HTTP client).

    ``workspace_id`` arguments name the workspace to act in (``x-as-workspace``); None is the key's
    own. :meth:`acting` turns one into the header's value: as given here, and None for the key's own
    workspace in the command line's reader, which knows it.
    """

    def __init__(self, client: InstantlyClient, *, shared: bool = False) -> None:
        self.client = client
        self.shared = shared
        """Whole lists come from the client's per-process cache (the provider's reads)."""

    def acting(self, workspace_id: str | None) -> str | None:
        """The ``x-as-workspace`` value for ``workspace_id`` (None: the key's own workspace)."""
        return workspace_id

    def scan(
        self,
        listing: Listing,
        workspace_id: str | None,
        *,
        target: str | None = None,
        operation: str | None = None,
        params: Obj | None = None,
    ) -> Iterator[Obj]:
        """The items of ``listing`` in ``workspace_id`` one by one, reading a page only when the
        one before is used up (a search that stops at its match reads no further page)."""
        where = target or (f"in workspace {workspace_id}" if workspace_id else "in the key's workspace")
        return self.client.paginate(
            listing.path,
            operation=operation or f"list {listing.what}",
            target=where,
            workspace_id=self.acting(workspace_id),
            params=params,
        )

    def items(
        self,
        listing: Listing,
        workspace_id: str | None,
        *,
        target: str | None = None,
        operation: str | None = None,
        fresh: bool = False,
    ) -> list[Obj]:
        """Every item of ``listing`` in ``workspace_id``. ``target`` and ``operation`` name what is
        read in an error; ``fresh`` bypasses a shared reader's cache."""
        if self.shared and not fresh:
            where = target or (f"in workspace {workspace_id}" if workspace_id else "in the key's workspace")
            return self.client.list_cached(
                listing.path,
                operation=operation or f"list {listing.what}",
                target=where,
                workspace_id=self.acting(workspace_id),
            )
        return list(self.scan(listing, workspace_id, target=target, operation=operation))

    # -- one method a collection -----------------------------------------------------------------

    def members(self, workspace_id: str | None) -> list[Obj]:
        """Every member of the workspace, the owner and pending invitations included."""
        return self.items(MEMBERS, workspace_id)

    def api_keys(self, workspace_id: str | None) -> list[Obj]:
        """Every API key of the workspace (values come masked to their last characters)."""
        return self.items(API_KEYS, workspace_id)

    def tags(self, workspace_id: str | None) -> list[Obj]:
        """Every custom tag of the workspace."""
        return self.items(TAGS, workspace_id)

    def mappings(self, workspace_id: str | None) -> list[Obj]:
        """Every tag mapping of the workspace (which campaigns and accounts carry which tag)."""
        return self.items(TAG_MAPPINGS, workspace_id)

    def campaigns(self, workspace_id: str | None) -> list[Obj]:
        """Every campaign of the workspace."""
        return self.items(CAMPAIGNS, workspace_id)

    def accounts(self, workspace_id: str | None) -> list[Obj]:
        """Every email account of the workspace."""
        return self.items(ACCOUNTS, workspace_id)

    def group_members(self) -> list[Obj]:
        """The key's workspace group, seen from its admin side (every status)."""
        return self.items(GROUP_MEMBERS, None)

    def profile(self, workspace_id: str | None, *, target: str | None = None) -> Obj:
        """The workspace's own object (``GET /workspaces/current``): id, name, logo, owner, plan."""
        found: Obj = self.client.request(
            "GET",
            PROFILE,
            operation="read workspace",
            target=target or (workspace_id or "the API key's own workspace"),
            workspace_id=self.acting(workspace_id),
        )
        return found
