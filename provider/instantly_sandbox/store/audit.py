"""Audit logs: the events the sandbox emits (API key created/deleted) and the listing."""

from __future__ import annotations

import json

from instantly_sandbox.store.context import Context
from instantly_sandbox.store.db import AUDIT, Db, Doc, Page, now, page, uuid7

ACTIVITY_KEY_CREATED, ACTIVITY_KEY_DELETED = 37, 38


def _event(ws: str, activity: int) -> Doc:
    return {
        "id": uuid7(),
        "timestamp": now(),
        "organization_id": ws,
        "activity_type": activity,
        "user_agent": None,
        "user_id": None,
        "ip_address": "127.0.0.1",
        "from_api": True,
        "api_key_id": None,
        "audit_metadata": {},
    }


class AuditLogs:
    """The ``/audit-logs`` backend."""

    def __init__(self, db: Db) -> None:
        self.db = db

    def key_event(self, ctx: Context, activity: int, key: Doc) -> None:
        """An API key was created or deleted by ``ctx`` (call inside a transaction)."""
        doc = _event(ctx.workspace, activity)
        doc["api_key_id"] = key["id"]
        doc["audit_metadata"] = {"api_key_name": key["name"], "by_api_key_id": ctx.key["id"]}
        self.db.put(AUDIT, ctx.workspace, doc["id"], doc)

    def list(self, ctx: Context, q: Doc) -> Page:
        """Newest first; filters ``activity_type``, ``search``, ``start_date``, ``end_date``."""
        with self.db.lock:
            docs = list(reversed(self.db.all(AUDIT, ctx.workspace)))
        if q.get("activity_type") is not None:
            docs = [d for d in docs if d["activity_type"] == q["activity_type"]]
        if q.get("search"):
            needle = str(q["search"]).lower()
            docs = [d for d in docs if needle in json.dumps(d["audit_metadata"]).lower()]
        if q.get("start_date"):
            docs = [d for d in docs if d["timestamp"] >= q["start_date"]]
        if q.get("end_date"):
            docs = [d for d in docs if d["timestamp"] <= q["end_date"]]
        return page(docs, q.get("limit"), q.get("starting_after"))
