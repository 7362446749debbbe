"""The workspace group: an admin workspace's sub-workspaces, invitations and their answers."""

from __future__ import annotations

import builtins
from datetime import UTC, datetime, timedelta

from instantly_sandbox.errors import BadRequestError, ConflictError, NotFoundError
from instantly_sandbox.store.context import Context
from instantly_sandbox.store.db import GROUP, Db, Doc, Page, now, page, uuid7


class Groups:
    """The ``/workspace-group-members`` backend."""

    def __init__(self, db: Db) -> None:
        self.db = db

    def _active(self) -> list[Doc]:
        return [g for g in self.db.all(GROUP) if g["status"] in ("pending", "accepted")]

    def _visible(self, ctx: Context, doc: Doc) -> Doc:
        """404 unless the caller's workspace is one of the two ends of the membership."""
        if ctx.workspace not in (doc["admin_workspace_id"], doc["sub_workspace_id"]):
            raise NotFoundError()
        return doc

    def is_accepted_sub(self, admin: str, sub: str) -> bool:
        """Whether ``sub`` is an accepted sub-workspace of ``admin`` (x-as-workspace's rule)."""
        with self.db.lock:
            return any(
                g["sub_workspace_id"] == sub and g["status"] == "accepted" for g in self.db.all(GROUP, admin)
            )

    def invite(self, ctx: Context, body: Doc) -> Doc:
        """A pending invitation of ``sub_workspace_id`` into the caller's group."""
        sub, admin = body["sub_workspace_id"], ctx.workspace
        with self.db.tx():
            if sub == admin:
                raise BadRequestError("A workspace cannot invite itself")
            sub_ws, admin_ws = self.db.workspace(sub), self.db.workspace(admin)
            active = self._active()
            if any(g["sub_workspace_id"] == sub for g in active):
                raise ConflictError("The sub workspace already has an active parent or invitation")
            if any(g["sub_workspace_id"] == admin for g in active) or any(
                g["admin_workspace_id"] == sub for g in active
            ):
                raise ConflictError(
                    "The requested workspace hierarchy conflicts with an active workspace group "
                    "relationship: a workspace cannot be both an admin workspace and a sub workspace"
                )
            ts = now()
            doc: Doc = {
                "id": uuid7(),
                "admin_workspace_id": admin,
                "sub_workspace_id": sub,
                "status": "pending",
                "timestamp_created": ts,
                "timestamp_updated": ts,
                "sub_workspace_name": sub_ws["name"],
                "admin_workspace_name": admin_ws["name"],
            }
            return self.db.put(GROUP, admin, doc["id"], doc, sub)

    def list(self, ctx: Context, q: Doc) -> Page:
        """The caller's group (as admin), in creation order."""
        with self.db.lock:
            return page(self.db.all(GROUP, ctx.workspace), q.get("limit"), q.get("starting_after"))

    def get(self, ctx: Context, id_: str) -> Doc:
        """One membership, seen from either end."""
        with self.db.lock:
            _, doc = self.db.locate(GROUP, id_)
        return self._visible(ctx, doc)

    def delete(self, ctx: Context, id_: str) -> Doc:
        """Remove a membership, from either end (immediate)."""
        with self.db.tx():
            admin, doc = self.db.locate(GROUP, id_)
            self._visible(ctx, doc)
            self.db.delete(GROUP, admin, id_)
            return doc

    def admin_of(self, ctx: Context) -> Doc:
        """``GET /admin``: the caller's admin workspace, if it has one (accepted)."""
        with self.db.lock:
            for g in self.db.all(GROUP):
                if g["sub_workspace_id"] == ctx.workspace and g["status"] == "accepted":
                    return {
                        "workspace_name": g["admin_workspace_name"] or "Undefined",
                        "has_admin_workspace": True,
                        "workspace_group_member_id": g["id"],
                    }
        return {"workspace_name": "Undefined", "has_admin_workspace": False}

    def accept_overdue(self, age_seconds: float) -> builtins.list[Doc]:
        """Play every sub-workspace owner: accept the invitations pending for ``age_seconds`` or more."""
        cutoff = datetime.now(UTC) - timedelta(seconds=age_seconds)
        with self.db.tx():
            due = [
                g
                for g in self.db.all(GROUP)
                if g["status"] == "pending" and datetime.fromisoformat(g["timestamp_created"]) <= cutoff
            ]
            return [self.answer(g["id"], accept=True) for g in due]

    def answer(self, id_: str, accept: bool) -> Doc:
        """Control plane: the sub-workspace's owner accepts or rejects a pending invitation."""
        with self.db.tx():
            admin, doc = self.db.locate(GROUP, id_)
            if doc["status"] != "pending":
                raise BadRequestError(f"The invitation is {doc['status']}, not pending")
            doc["status"] = "accepted" if accept else "rejected"
            doc["timestamp_updated"] = now()
            return self.db.put(GROUP, admin, id_, doc, doc["sub_workspace_id"])
