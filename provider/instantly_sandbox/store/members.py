"""Workspace members: invitations, roles, the owner, acceptance (control plane)."""

from __future__ import annotations

import json

from instantly_sandbox.errors import BadRequestError
from instantly_sandbox.store.context import Context
from instantly_sandbox.store.db import MEMBER, Db, Doc, Page, now, page, uuid7

# Roles the API never assigns through POST/PATCH (instantly-api.md §7).
_RESERVED_ROLES = ("owner", "client")


class Members:
    """The ``/workspace-members`` backend."""

    def __init__(self, db: Db) -> None:
        self.db = db

    def _put(self, ws: str, doc: Doc) -> Doc:
        return self.db.put(MEMBER, ws, doc["id"], doc, doc["email"].lower())

    def add_owner(self, ws: str, owner_id: str, email: str, name: str, ts: str) -> Doc:
        """The accepted owner of a new workspace (call inside a transaction)."""
        doc: Doc = {
            "id": uuid7(),
            "email": email,
            "user_id": owner_id,
            "role": "owner",
            "timestamp_created": ts,
            "workspace_id": ws,
            "accepted": True,
            "name": {"first": "Owner", "last": name},
        }
        return self._put(ws, doc)

    def create(self, ctx: Context, body: Doc) -> Doc:
        """Invite ``body['email']``: a pending member (400 for a reserved role or a duplicate email)."""
        if body["role"] in _RESERVED_ROLES:
            raise BadRequestError(f"body/role '{body['role']}' cannot be assigned through the API")
        with self.db.tx():
            email = body["email"]
            if self.db.find(MEMBER, ctx.workspace, email.lower()):
                raise BadRequestError("A member with this email already exists in the workspace")
            doc: Doc = {
                "id": uuid7(),
                "email": email,
                "user_id": uuid7(),
                "role": body["role"],
                "timestamp_created": now(),
                "workspace_id": ctx.workspace,
                "accepted": False,
                "issuer_id": ctx.key["id"],
                "nickname": body.get("nickname"),
                "user_email": body.get("user_email"),
                "permissions": body.get("permissions"),
            }
            return self._put(ctx.workspace, doc)

    def list(self, ctx: Context, q: Doc) -> Page:
        """Members of the workspace, filtered by ``accepted`` and ``search`` (email or name)."""
        with self.db.lock:
            docs = self.db.all(MEMBER, ctx.workspace)
        if q.get("accepted") is not None:
            docs = [d for d in docs if d["accepted"] is q["accepted"]]
        if q.get("search"):
            needle = str(q["search"]).lower()
            docs = [
                d
                for d in docs
                if needle in d["email"].lower() or needle in json.dumps(d.get("name", "")).lower()
            ]
        return page(docs, q.get("limit"), q.get("starting_after"))

    def get(self, ctx: Context, id_: str) -> Doc:
        """One member (404 if not in this workspace)."""
        with self.db.lock:
            return self.db.must(MEMBER, ctx.workspace, id_)

    def patch(self, ctx: Context, id_: str, body: Doc) -> Doc:
        """Change ``role`` and ``nickname`` (the owner's role cannot change)."""
        if body.get("role") in _RESERVED_ROLES:
            raise BadRequestError(f"body/role '{body['role']}' cannot be assigned through the API")
        with self.db.tx():
            doc = self.db.must(MEMBER, ctx.workspace, id_)
            if doc["role"] == "owner" and "role" in body:
                raise BadRequestError("The workspace owner's role cannot be changed")
            doc.update({k: body[k] for k in ("role", "nickname") if k in body})
            return self._put(ctx.workspace, doc)

    def delete(self, ctx: Context, id_: str) -> Doc:
        """Remove a member (never the owner); returns the deleted member."""
        with self.db.tx():
            doc = self.db.must(MEMBER, ctx.workspace, id_)
            if doc["role"] == "owner":
                raise BadRequestError("The workspace owner cannot be removed")
            self.db.delete(MEMBER, ctx.workspace, id_)
            return doc

    def accept(self, id_: str) -> Doc:
        """Control plane: the invitee accepts (404 for an unknown id)."""
        with self.db.tx():
            ws, doc = self.db.locate(MEMBER, id_)
            doc["accepted"] = True
            return self._put(ws, doc)

    def make_owner(self, ws: str, email: str) -> Doc:
        """The accepted member ``email`` becomes the owner, the old owner an admin
        (400 when ``email`` is not an accepted member). Call inside a transaction."""
        member = self.db.find(MEMBER, ws, email.lower())
        if member is None or not member["accepted"]:
            raise BadRequestError("The new owner must be an accepted member of the workspace")
        for old in self.db.all(MEMBER, ws):
            if old["role"] == "owner" and old["id"] != member["id"]:
                old["role"] = "admin"
                self._put(ws, old)
        member["role"] = "owner"
        return self._put(ws, member)
