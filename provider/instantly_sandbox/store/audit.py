"""Audit logs: the events the sandbox emits (API key created/deleted), events recorded
through the control plane (a login, a campaign launch), and the listing, which a
workspace whose plan lacks audit logs answers with 402."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from instantly_sandbox import spec
from instantly_sandbox.errors import BadRequestError, PaymentRequiredError
from instantly_sandbox.store.context import Context
from instantly_sandbox.store.db import AUDIT, Db, Doc, Page, now, page, timestamp, uuid7
from instantly_sandbox.store.workspaces import Workspaces

ACTIVITY_KEY_CREATED, ACTIVITY_KEY_DELETED = 37, 38

# What a control-plane caller may set; the rest (id, organization_id) is the sandbox's.
_RECORDABLE = (
    "activity_type",
    "timestamp",
    "user_id",
    "user_name",
    "user_agent",
    "ip_address",
    "from_api",
    "api_key_id",
    "affected_count",
    "campaign_id",
    "webhook_id",
    "subsequence_id",
    "list_id",
    "audit_metadata",
)


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

    def __init__(self, db: Db, workspaces: Workspaces) -> None:
        self.db = db
        self.workspaces = workspaces

    def key_event(self, ctx: Context, activity: int, key: Doc) -> None:
        """An API key was created or deleted by ``ctx`` (call inside a transaction)."""
        doc = _event(ctx.workspace, activity)
        doc["api_key_id"] = key["id"]
        doc["audit_metadata"] = {"api_key_name": key["name"], "by_api_key_id": ctx.key["id"]}
        self.db.put(AUDIT, ctx.workspace, doc["id"], doc)

    def record(self, ws: str, body: Any) -> Doc:
        """Control plane: an event of workspace ``ws`` from AuditLog fields
        (``activity_type`` required). The result is checked against the AuditLog schema."""
        self.workspaces.get(ws)
        if not isinstance(body, dict):
            raise BadRequestError("body must be object")
        if "activity_type" not in body:
            raise BadRequestError("body must have required property 'activity_type'")
        unknown = sorted(set(body) - set(_RECORDABLE))
        if unknown:
            raise BadRequestError(f"body/{unknown[0]} is not a field an audit event can be recorded with")
        doc = _event(ws, body["activity_type"])
        doc["from_api"] = False  # recorded events stand for what people do in the app
        doc.update({k: body[k] for k in _RECORDABLE if k in body})
        doc["timestamp"] = _normalized(doc["timestamp"])
        spec.check_stored("AuditLog", doc)
        with self.db.tx():
            return self.db.put(AUDIT, ws, doc["id"], doc)

    def list(self, ctx: Context, q: Doc) -> Page:
        """Newest first; filters ``activity_type``, ``search``, ``start_date``, ``end_date``."""
        if not self.workspaces.settings(ctx.workspace)["audit_logs"]:
            raise PaymentRequiredError("Workspace plan does not include audit logs")
        with self.db.lock:
            docs = list(reversed(self.db.all(AUDIT, ctx.workspace)))
        # Newest first by timestamp (recorded events may be back-dated); ties stay
        # newest-created first (sort is stable, also with reverse=True).
        docs.sort(key=lambda d: str(d["timestamp"]), reverse=True)
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


def _normalized(value: Any) -> str:
    """An ISO-8601 date-time in the API's form (so date filters compare as strings)."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return timestamp(parsed)
    raise BadRequestError('body/timestamp must match format "date-time"')
