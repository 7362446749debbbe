"""Workspaces: creation (with the owner), the current workspace, ownership transfer."""

from __future__ import annotations

from typing import Any

from instantly_sandbox.errors import BadRequestError
from instantly_sandbox.store.context import Context
from instantly_sandbox.store.db import Db, Doc, now, uuid7
from instantly_sandbox.store.members import Members


class Workspaces:
    """The ``/workspaces/current`` backend, and workspace creation for the control plane."""

    def __init__(self, db: Db, members: Members) -> None:
        self.db = db
        self.members = members

    def create(self, name: Any) -> Doc:
        """A workspace with its owner (an accepted member).
        Call inside a transaction (the facade adds the owner's key in the same one)."""
        if not isinstance(name, str) or not name.strip():
            raise BadRequestError("body/name must NOT have fewer than 1 characters")
        ws_id, owner_id, ts = uuid7(), uuid7(), now()
        ws: Doc = {
            "id": ws_id,
            "timestamp_created": ts,
            "timestamp_updated": ts,
            "owner": owner_id,
            "name": name,
            "plan_id": "pid_sandbox",
            "org_logo_url": None,
        }
        self.db.put_workspace(ws)
        slug = "".join(c for c in name.lower() if c.isalnum())[:20] or "workspace"
        self.members.add_owner(ws_id, owner_id, f"owner@{slug}-{ws_id[-6:]}.example", name, ts)
        return ws

    def get(self, ws: str) -> Doc:
        """The workspace ``ws`` (404 ``Workspace not found``)."""
        with self.db.lock:
            return self.db.workspace(ws)

    def current(self, ctx: Context) -> Doc:
        """The workspace the request acts in."""
        return self.get(ctx.workspace)

    def patch_current(self, ctx: Context, body: Doc) -> Doc:
        """Rename it or change its logo."""
        with self.db.tx():
            ws = self.db.workspace(ctx.workspace)
            ws.update({k: body[k] for k in ("name", "org_logo_url") if k in body})
            ws["timestamp_updated"] = now()
            return self.db.put_workspace(ws)

    def change_owner(self, ctx: Context, body: Doc) -> Doc:
        """Transfer ownership to the accepted member ``email``."""
        with self.db.tx():
            ws = self.db.workspace(ctx.workspace)
            member = self.members.make_owner(ws["id"], str(body["email"]))
            ws["owner"], ws["timestamp_updated"] = member["user_id"], now()
            return self.db.put_workspace(ws)
