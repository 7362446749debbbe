"""The sandbox's state and every rule of the API: one backend per domain over one database.

========================  =================================================
``db.py``                 SQLite, the lock, transactions, documents, paging
``members.py``            ``/workspace-members``
``workspaces.py``         ``/workspaces/current``, security token, plan
``audit.py``              ``/audit-logs`` (and recorded events)
``groups.py``             ``/workspace-group-members``
``keys.py``               ``/api-keys``, authentication, scopes
``catalog.py``            ``/campaigns``, ``/accounts``
``tags.py``               ``/custom-tags``, ``/custom-tag-mappings``
========================  =================================================

:class:`Store` builds the backends on one :class:`Db` and holds what spans
several of them (creating a workspace with its owner key, the state dump, reset).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from instantly_sandbox.store.audit import AuditLogs
from instantly_sandbox.store.catalog import Catalog
from instantly_sandbox.store.context import Context
from instantly_sandbox.store.db import KEY, SETTINGS, Db, Doc, Page
from instantly_sandbox.store.groups import Groups
from instantly_sandbox.store.keys import ApiKeys, mask
from instantly_sandbox.store.members import Members
from instantly_sandbox.store.tags import Tags
from instantly_sandbox.store.workspaces import Workspaces

__all__ = ["Context", "Doc", "Page", "Store"]


class Store:
    """All objects of all workspaces, one backend per domain.

    Handlers call one backend method per request, e.g.
    ``store.members.create(ctx, body)``; the backends share one database and
    its lock, so each call is one transaction.
    """

    def __init__(self, path: Path | str) -> None:
        self.db = Db(path)
        self.members = Members(self.db)
        self.workspaces = Workspaces(self.db, self.members)
        self.audit = AuditLogs(self.db, self.workspaces)
        self.groups = Groups(self.db)
        self.keys = ApiKeys(self.db, self.audit, self.groups)
        self.catalog = Catalog(self.db)
        self.tags = Tags(self.db, self.catalog)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def create_workspace(self, name: Any) -> dict[str, Any]:
        """Control plane: a workspace with its owner and a full-access key →
        ``{"workspace", "api_key", "security_token"}``."""
        with self.db.tx():
            ws, settings = self.workspaces.create(name)
            key = self.keys.new(ws["id"], "Sandbox full access", ["all:all"])
        return {"workspace": ws, "api_key": key["key"], "security_token": settings["security_token"]}

    def describe_workspace(self, ws: str) -> dict[str, Any]:
        """Control plane: ``{"workspace", "security_token", "plan": {"audit_logs"}}``."""
        with self.db.lock:
            workspace = self.workspaces.get(ws)
            settings = self.workspaces.settings(ws)
        return {
            "workspace": workspace,
            "security_token": settings["security_token"],
            "plan": {"audit_logs": settings["audit_logs"]},
        }

    def dump(self) -> Doc:
        """Every object of every workspace, by workspace and kind (keys masked; the
        sandbox-only settings left out: they hold the security tokens)."""
        with self.db.lock:
            out: Doc = {ws["id"]: {"workspace": ws} for ws in self.db.workspaces()}
            for kind, ws, doc in self.db.rows():
                if kind == SETTINGS:
                    continue
                if kind == KEY:
                    doc["key"] = mask(doc["key"])
                out.setdefault(ws, {}).setdefault(kind + "s", []).append(doc)
            return {"workspaces": out}

    def reset(self) -> None:
        """Delete everything."""
        with self.db.tx():
            self.db.clear()
