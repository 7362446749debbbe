"""Workspaces: creation (with the owner), the current workspace, ownership transfer,
and the sandbox-only settings behind them (security token, plan)."""

from __future__ import annotations

import secrets
from typing import Any

from instantly_sandbox.errors import BadRequestError, ForbiddenError
from instantly_sandbox.store.context import Context
from instantly_sandbox.store.db import SETTINGS, Db, Doc, now, uuid7
from instantly_sandbox.store.members import Members


def _new_settings() -> Doc:
    # The token stands for the `sec` of change-owner, which the API does not
    # document (instantly-api.md §5): the sandbox makes it a per-workspace secret.
    return {"security_token": "sec_" + secrets.token_urlsafe(24), "audit_logs": True}


class Workspaces:
    """The ``/workspaces/current`` backend, and workspace creation for the control plane."""

    def __init__(self, db: Db, members: Members) -> None:
        self.db = db
        self.members = members
        self._backfill()

    def _backfill(self) -> None:
        """Settings for workspaces created before the sandbox kept them (an older database)."""
        with self.db.tx():
            for ws in self.db.workspaces():
                if self.db.get(SETTINGS, ws["id"], ws["id"]) is None:
                    self.db.put(SETTINGS, ws["id"], ws["id"], _new_settings())

    def create(self, name: Any) -> tuple[Doc, Doc]:
        """A workspace with its owner (an accepted member) → (workspace, settings).
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
        settings = self.db.put(SETTINGS, ws_id, ws_id, _new_settings())
        return ws, settings

    def get(self, ws: str) -> Doc:
        """The workspace ``ws`` (404 ``Workspace not found``)."""
        with self.db.lock:
            return self.db.workspace(ws)

    def settings(self, ws: str) -> Doc:
        """``{"security_token", "audit_logs"}`` of workspace ``ws`` (404 if unknown)."""
        with self.db.lock:
            self.db.workspace(ws)
            return self.db.must(SETTINGS, ws, ws)

    def set_plan(self, ws: str, audit_logs: Any) -> Doc:
        """Control plane: whether the plan includes audit logs → the new settings' plan part."""
        if not isinstance(audit_logs, bool):
            raise BadRequestError("body/audit_logs must be boolean")
        with self.db.tx():
            self.db.workspace(ws)
            settings = self.db.must(SETTINGS, ws, ws)
            settings["audit_logs"] = audit_logs
            self.db.put(SETTINGS, ws, ws, settings)
        return {"workspace_id": ws, "audit_logs": audit_logs}

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
        """Transfer ownership to the accepted member ``email``; ``sec`` must be the
        workspace's security token (403 otherwise, checked first)."""
        with self.db.tx():
            ws = self.db.workspace(ctx.workspace)
            token = self.db.must(SETTINGS, ws["id"], ws["id"])["security_token"]
            if not secrets.compare_digest(str(body["sec"]).encode(), token.encode()):
                raise ForbiddenError("Invalid security token")
            member = self.members.make_owner(ws["id"], str(body["email"]))
            ws["owner"], ws["timestamp_updated"] = member["user_id"], now()
            return self.db.put_workspace(ws)
