"""The sandbox's state and every rule of the API, on SQLite.

One table of JSON documents keyed by (kind, workspace, id), plus one of
workspaces. Every public method runs in one transaction under one lock, so a
request either changes everything it should or nothing, and concurrent
requests cannot interleave. WAL mode; a restart loses nothing committed.

Objects are stored in their wire shape (the official schemas), so handlers
return them as they are (API keys are masked on the way out except on create).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from instantly_sandbox import spec
from instantly_sandbox.errors import ApiError, bad_request, conflict, forbidden, not_found

DEFAULT_LIMIT = 10
Doc = dict[str, Any]

# The kinds of documents, and the audit activity types the sandbox emits.
MEMBER, KEY, GROUP, TAG, MAPPING, CAMPAIGN, ACCOUNT, AUDIT = (
    "member",
    "api_key",
    "group_member",
    "tag",
    "mapping",
    "campaign",
    "account",
    "audit_log",
)
ACTIVITY_KEY_CREATED, ACTIVITY_KEY_DELETED = 37, 38
RESOURCE_ACCOUNT, RESOURCE_CAMPAIGN = 1, 2


def uuid7() -> str:
    """A time-ordered UUIDv7 (RFC 9562): ids sort by creation, as the API's do."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (
        (ms & ((1 << 48) - 1)) << 80
        | 0x7 << 76
        | (rand >> 68 & 0xFFF) << 64
        | 0b10 << 62
        | rand & ((1 << 62) - 1)
    )
    return str(uuid.UUID(int=value))


def now() -> str:
    """ISO-8601 UTC with milliseconds and Z, as the API writes timestamps."""
    t = datetime.now(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def mask(key: str) -> str:
    """A key as list and delete responses show it: only the last 4 characters."""
    return "*" * 16 + key[-4:]


class Context:
    """Who is calling: the key's workspace, the workspace acted in, the key itself."""

    def __init__(self, key_doc: Doc, key_workspace: str, workspace: str) -> None:
        self.key = key_doc
        self.key_workspace = key_workspace
        self.workspace = workspace


class Page:
    """One page of a list: ``items`` and the cursor to the next one."""

    def __init__(self, items: list[Doc], next_starting_after: str | None) -> None:
        self.items = items
        self.next_starting_after = next_starting_after

    def body(self) -> Doc:
        """The wire shape: ``next_starting_after`` omitted on the last page."""
        out: Doc = {"items": self.items}
        if self.next_starting_after:
            out["next_starting_after"] = self.next_starting_after
        return out


class Store:
    """All objects of all workspaces, and the rules that govern them."""

    def __init__(self, path: Path | str) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS workspaces (id TEXT PRIMARY KEY, data TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS objects (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL, workspace TEXT NOT NULL, id TEXT NOT NULL,
                lookup TEXT, data TEXT NOT NULL,
                UNIQUE (kind, workspace, id)
            );
            CREATE INDEX IF NOT EXISTS objects_lookup ON objects (kind, lookup);
            CREATE INDEX IF NOT EXISTS objects_ws ON objects (kind, workspace, seq);
            """
        )
        self._lock = threading.RLock()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def tx(self) -> Iterator[None]:
        """One transaction: all of a request's changes, or none."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- raw documents ---------------------------------------------------------------------------

    def _get(self, kind: str, ws: str, id_: str) -> Doc | None:
        row = self._db.execute(
            "SELECT data FROM objects WHERE kind=? AND workspace=? AND id=?", (kind, ws, id_)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def _must(self, kind: str, ws: str, id_: str) -> Doc:
        doc = self._get(kind, ws, id_)
        if doc is None:
            raise not_found()
        return doc

    def _put(self, kind: str, ws: str, id_: str, doc: Doc, lookup: str | None = None) -> Doc:
        self._db.execute(
            "INSERT INTO objects (kind, workspace, id, lookup, data) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, workspace, id) DO UPDATE SET data=excluded.data, lookup=excluded.lookup",
            (kind, ws, id_, lookup, json.dumps(doc)),
        )
        return doc

    def _delete(self, kind: str, ws: str, id_: str) -> None:
        self._db.execute("DELETE FROM objects WHERE kind=? AND workspace=? AND id=?", (kind, ws, id_))

    def _all(self, kind: str, ws: str | None = None) -> list[Doc]:
        if ws is None:
            rows = self._db.execute("SELECT data FROM objects WHERE kind=? ORDER BY seq", (kind,))
        else:
            rows = self._db.execute(
                "SELECT data FROM objects WHERE kind=? AND workspace=? ORDER BY seq", (kind, ws)
            )
        return [json.loads(r[0]) for r in rows]

    def _find(self, kind: str, ws: str | None, lookup: str) -> Doc | None:
        if ws is None:
            row = self._db.execute(
                "SELECT data FROM objects WHERE kind=? AND lookup=?", (kind, lookup)
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT data FROM objects WHERE kind=? AND workspace=? AND lookup=?", (kind, ws, lookup)
            ).fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def _page(
        docs: list[Doc],
        limit: int | None,
        starting_after: str | None,
        key: Callable[[Doc], str] = lambda d: d["id"],
    ) -> Page:
        """Cursor pagination in creation order; the cursor is the last item's id."""
        if starting_after:
            ids = [key(d) for d in docs]
            if starting_after in ids:
                docs = docs[ids.index(starting_after) + 1 :]
            else:
                docs = [d for d in docs if key(d) > starting_after]
        size = limit or DEFAULT_LIMIT
        page = docs[:size]
        more = len(docs) > size
        return Page(page, key(page[-1]) if more and page else None)

    # -- workspaces and keys ---------------------------------------------------------------------

    def workspace(self, ws: str) -> Doc:
        """The workspace ``ws`` (404 if unknown)."""
        row = self._db.execute("SELECT data FROM workspaces WHERE id=?", (ws,)).fetchone()
        if row is None:
            raise not_found("Workspace not found")
        loaded: Doc = json.loads(row[0])
        return loaded

    def create_workspace(self, name: Any) -> tuple[Doc, str]:
        """A workspace with its owner (an accepted member) and a full-access key."""
        if not isinstance(name, str) or not name.strip():
            raise bad_request("body/name must NOT have fewer than 1 characters")
        with self.tx():
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
            self._db.execute("INSERT INTO workspaces (id, data) VALUES (?, ?)", (ws_id, json.dumps(ws)))
            slug = "".join(c for c in name.lower() if c.isalnum())[:20] or "workspace"
            email = f"owner@{slug}-{ws_id[-6:]}.example"
            member: Doc = {
                "id": uuid7(),
                "email": email,
                "user_id": owner_id,
                "role": "owner",
                "timestamp_created": ts,
                "workspace_id": ws_id,
                "accepted": True,
                "name": {"first": "Owner", "last": name},
            }
            self._put(MEMBER, ws_id, member["id"], member, email.lower())
            key = self._new_key(ws_id, "Sandbox full access", ["all:all"])
        return ws, key["key"]

    def _new_key(self, ws: str, name: str, scopes: list[str]) -> Doc:
        ts = now()
        doc: Doc = {
            "id": uuid7(),
            "name": name,
            "scopes": scopes,
            "key": "sk_" + secrets.token_urlsafe(30),
            "organization_id": ws,
            "timestamp_created": ts,
            "timestamp_updated": ts,
        }
        self._put(KEY, ws, doc["id"], doc, doc["key"])
        return doc

    def authenticate(self, bearer: str | None, as_workspace: str | None) -> Context:
        """The caller's context; 401 for a bad key, 403 for an x-as-workspace it may not use."""
        with self._lock:
            key = self._find(KEY, None, bearer) if bearer else None
            if key is None:
                raise ApiError(401, "Missing Authorization header")
            own = key["organization_id"]
            if not as_workspace or as_workspace == own:
                return Context(key, own, own)
            accepted = any(
                g["sub_workspace_id"] == as_workspace and g["status"] == "accepted"
                for g in self._all(GROUP, own)
            )
            if not accepted:
                raise forbidden(
                    f"x-as-workspace: workspace {as_workspace} is not an accepted sub-workspace "
                    "of this key's workspace"
                )
            return Context(key, own, as_workspace)

    @staticmethod
    def check_scopes(ctx: Context, required: tuple[str, ...]) -> None:
        """403 naming the scopes when the key has none of ``required``."""
        if not set(ctx.key["scopes"]) & set(required):
            raise forbidden(f"API key is missing one of the scopes: {', '.join(required)}")

    def create_api_key(self, ctx: Context, body: Doc) -> Doc:
        with self.tx():
            key = self._new_key(ctx.workspace, body["name"], list(body["scopes"]))
            self._audit(ctx, ACTIVITY_KEY_CREATED, key)
            return key

    def list_api_keys(self, ctx: Context, limit: int | None, after: str | None) -> Page:
        with self._lock:
            page = self._page(self._all(KEY, ctx.workspace), limit, after)
        page.items = [{**k, "key": mask(k["key"])} for k in page.items]
        return page

    def delete_api_key(self, ctx: Context, id_: str) -> Doc:
        with self.tx():
            key = self._must(KEY, ctx.workspace, id_)
            if key["id"] == ctx.key["id"]:
                raise bad_request("An API key cannot delete itself")
            self._delete(KEY, ctx.workspace, id_)
            self._audit(ctx, ACTIVITY_KEY_DELETED, key)
            return {**key, "key": mask(key["key"])}

    def _audit(self, ctx: Context, activity: int, key: Doc) -> None:
        doc: Doc = {
            "id": uuid7(),
            "timestamp": now(),
            "organization_id": ctx.workspace,
            "activity_type": activity,
            "user_agent": None,
            "user_id": None,
            "ip_address": "127.0.0.1",
            "from_api": True,
            "api_key_id": key["id"],
            "audit_metadata": {"api_key_name": key["name"], "by_api_key_id": ctx.key["id"]},
        }
        self._put(AUDIT, ctx.workspace, doc["id"], doc)

    def list_audit_logs(self, ctx: Context, q: Doc) -> Page:
        with self._lock:
            docs = list(reversed(self._all(AUDIT, ctx.workspace)))  # newest first
        if q.get("activity_type") is not None:
            docs = [d for d in docs if d["activity_type"] == q["activity_type"]]
        if q.get("search"):
            needle = str(q["search"]).lower()
            docs = [d for d in docs if needle in json.dumps(d["audit_metadata"]).lower()]
        if q.get("start_date"):
            docs = [d for d in docs if d["timestamp"] >= q["start_date"]]
        if q.get("end_date"):
            docs = [d for d in docs if d["timestamp"] <= q["end_date"]]
        return self._page(docs, q.get("limit"), q.get("starting_after"))

    # -- workspace members -------------------------------------------------------------------------

    def create_member(self, ctx: Context, body: Doc) -> Doc:
        if body["role"] in ("owner", "client"):
            raise bad_request(f"body/role '{body['role']}' cannot be assigned through the API")
        with self.tx():
            email = body["email"]
            if self._find(MEMBER, ctx.workspace, email.lower()):
                raise bad_request("A member with this email already exists in the workspace")
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
            return self._put(MEMBER, ctx.workspace, doc["id"], doc, email.lower())

    def list_members(self, ctx: Context, q: Doc) -> Page:
        with self._lock:
            docs = self._all(MEMBER, ctx.workspace)
        if q.get("accepted") is not None:
            docs = [d for d in docs if d["accepted"] is q["accepted"]]
        if q.get("search"):
            needle = str(q["search"]).lower()
            docs = [
                d
                for d in docs
                if needle in d["email"].lower() or needle in json.dumps(d.get("name", "")).lower()
            ]
        return self._page(docs, q.get("limit"), q.get("starting_after"))

    def get_member(self, ctx: Context, id_: str) -> Doc:
        with self._lock:
            return self._must(MEMBER, ctx.workspace, id_)

    def patch_member(self, ctx: Context, id_: str, body: Doc) -> Doc:
        if body.get("role") in ("owner", "client"):
            raise bad_request(f"body/role '{body['role']}' cannot be assigned through the API")
        with self.tx():
            doc = self._must(MEMBER, ctx.workspace, id_)
            if doc["role"] == "owner" and "role" in body:
                raise bad_request("The workspace owner's role cannot be changed")
            doc.update({k: body[k] for k in ("role", "nickname") if k in body})
            return self._put(MEMBER, ctx.workspace, id_, doc, doc["email"].lower())

    def delete_member(self, ctx: Context, id_: str) -> Doc:
        with self.tx():
            doc = self._must(MEMBER, ctx.workspace, id_)
            if doc["role"] == "owner":
                raise bad_request("The workspace owner cannot be removed")
            self._delete(MEMBER, ctx.workspace, id_)
            return doc

    def accept_member(self, id_: str) -> Doc:
        """Control plane: the invitee accepts."""
        with self.tx():
            row = self._db.execute(
                "SELECT workspace FROM objects WHERE kind=? AND id=?", (MEMBER, id_)
            ).fetchone()
            if row is None:
                raise not_found()
            doc = self._must(MEMBER, row[0], id_)
            doc["accepted"] = True
            return self._put(MEMBER, row[0], id_, doc, doc["email"].lower())

    # -- workspace group ---------------------------------------------------------------------------

    def _group_doc(self, id_: str) -> tuple[str, Doc]:
        row = self._db.execute(
            "SELECT workspace, data FROM objects WHERE kind=? AND id=?", (GROUP, id_)
        ).fetchone()
        if row is None:
            raise not_found()
        return row[0], json.loads(row[1])

    def _active(self) -> list[Doc]:
        return [g for g in self._all(GROUP) if g["status"] in ("pending", "accepted")]

    def invite(self, ctx: Context, body: Doc) -> Doc:
        sub, admin = body["sub_workspace_id"], ctx.workspace
        with self.tx():
            if sub == admin:
                raise bad_request("A workspace cannot invite itself")
            sub_ws, admin_ws = self.workspace(sub), self.workspace(admin)
            active = self._active()
            if any(g["sub_workspace_id"] == sub for g in active):
                raise conflict("The sub workspace already has an active parent or invitation")
            if any(g["sub_workspace_id"] == admin for g in active) or any(
                g["admin_workspace_id"] == sub for g in active
            ):
                raise conflict(
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
            return self._put(GROUP, admin, doc["id"], doc, sub)

    def list_group(self, ctx: Context, limit: int | None, after: str | None) -> Page:
        with self._lock:
            return self._page(self._all(GROUP, ctx.workspace), limit, after)

    def get_group(self, ctx: Context, id_: str) -> Doc:
        with self._lock:
            _, doc = self._group_doc(id_)
        if ctx.workspace not in (doc["admin_workspace_id"], doc["sub_workspace_id"]):
            raise not_found()
        return doc

    def delete_group(self, ctx: Context, id_: str) -> Doc:
        with self.tx():
            admin, doc = self._group_doc(id_)
            if ctx.workspace not in (doc["admin_workspace_id"], doc["sub_workspace_id"]):
                raise not_found()
            self._delete(GROUP, admin, id_)
            return doc

    def admin_of(self, ctx: Context) -> Doc:
        with self._lock:
            for g in self._all(GROUP):
                if g["sub_workspace_id"] == ctx.workspace and g["status"] == "accepted":
                    return {
                        "workspace_name": g["admin_workspace_name"] or "Undefined",
                        "has_admin_workspace": True,
                        "workspace_group_member_id": g["id"],
                    }
        return {"workspace_name": "Undefined", "has_admin_workspace": False}

    def answer_invitation(self, id_: str, accept: bool) -> Doc:
        """Control plane: the sub-workspace's owner accepts or rejects."""
        with self.tx():
            admin, doc = self._group_doc(id_)
            if doc["status"] != "pending":
                raise bad_request(f"The invitation is {doc['status']}, not pending")
            doc["status"] = "accepted" if accept else "rejected"
            doc["timestamp_updated"] = now()
            return self._put(GROUP, admin, id_, doc, doc["sub_workspace_id"])

    # -- custom tags -------------------------------------------------------------------------------

    def create_tag(self, ctx: Context, body: Doc) -> Doc:
        label = body["label"].strip()
        with self.tx():
            if self._find(TAG, ctx.workspace, label):
                raise conflict("A tag with this name already exists.")
            ts = now()
            doc: Doc = {
                "id": uuid7(),
                "timestamp_created": ts,
                "timestamp_updated": ts,
                "organization_id": ctx.workspace,
                "label": label,
                "description": body.get("description"),
            }
            return self._put(TAG, ctx.workspace, doc["id"], doc, label)

    def list_tags(self, ctx: Context, q: Doc) -> Page:
        with self._lock:
            docs = self._all(TAG, ctx.workspace)
            mappings = self._all(MAPPING, ctx.workspace)
        if q.get("search"):
            docs = [d for d in docs if str(q["search"]).lower() in d["label"].lower()]
        if q.get("tag_ids"):
            wanted = set(q["tag_ids"])
            docs = [d for d in docs if d["id"] in wanted]
        if q.get("resource_ids"):
            resources = set(q["resource_ids"])
            tagged = {m["tag_id"] for m in mappings if m["resource_id"] in resources}
            docs = [d for d in docs if d["id"] in tagged]
        return self._page(docs, q.get("limit"), q.get("starting_after"))

    def get_tag(self, ctx: Context, id_: str) -> Doc:
        with self._lock:
            return self._must(TAG, ctx.workspace, id_)

    def patch_tag(self, ctx: Context, id_: str, body: Doc) -> Doc:
        with self.tx():
            doc = self._must(TAG, ctx.workspace, id_)
            if "label" in body:
                label = body["label"].strip()
                other = self._find(TAG, ctx.workspace, label)
                if other and other["id"] != id_:
                    raise conflict("A tag with this name already exists.")
                doc["label"] = label
            if "description" in body:
                doc["description"] = body["description"]
            doc["timestamp_updated"] = now()
            return self._put(TAG, ctx.workspace, id_, doc, doc["label"])

    def delete_tag(self, ctx: Context, id_: str) -> Doc:
        with self.tx():
            doc = self._must(TAG, ctx.workspace, id_)
            self._delete(TAG, ctx.workspace, id_)
            self._db.execute(
                "DELETE FROM objects WHERE kind=? AND workspace=? AND lookup LIKE ?",
                (MAPPING, ctx.workspace, f"{id_}|%"),
            )
            return doc

    def toggle(self, ctx: Context, body: Doc) -> Doc:
        ws, kind = ctx.workspace, body["resource_type"]
        with self.tx():
            for tag_id in body["tag_ids"]:
                self._must(TAG, ws, tag_id)
            pool = ACCOUNT if kind == RESOURCE_ACCOUNT else CAMPAIGN
            if body.get("selected_all"):
                excluded = set(body.get("excluded_resource_ids") or [])
                ids = [d["email"] if pool == ACCOUNT else d["id"] for d in self._all(pool, ws)]
                ids = [i for i in ids if i not in excluded]
            else:
                ids = list(body.get("resource_ids") or [])
                if not ids:
                    raise bad_request("body must have required property 'resource_ids'")
                for rid in ids:
                    if self._get(pool, ws, rid) is None:
                        raise not_found(f"{'Account' if pool == ACCOUNT else 'Campaign'} {rid} not found")
            for tag_id in body["tag_ids"]:
                for rid in ids:
                    lookup = f"{tag_id}|{kind}|{rid}"
                    existing = self._find(MAPPING, ws, lookup)
                    if body["assign"] and existing is None:
                        doc: Doc = {
                            "id": uuid7(),
                            "tag_id": tag_id,
                            "resource_id": rid,
                            "resource_type": kind,
                            "timestamp_created": now(),
                            "organization_id": ws,
                        }
                        self._put(MAPPING, ws, doc["id"], doc, lookup)
                    elif not body["assign"] and existing is not None:
                        self._delete(MAPPING, ws, existing["id"])
        return {"success": True}

    def list_mappings(self, ctx: Context, q: Doc) -> Page:
        with self._lock:
            docs = self._all(MAPPING, ctx.workspace)
        if q.get("resource_ids"):
            wanted = set(q["resource_ids"])
            docs = [d for d in docs if d["resource_id"] in wanted]
        return self._page(docs, q.get("limit"), q.get("starting_after"))

    # -- campaigns and accounts --------------------------------------------------------------------

    def _tags_of(self, ws: str, rid: str) -> set[str]:
        return {m["tag_id"] for m in self._all(MAPPING, ws) if m["resource_id"] == rid}

    def create_campaign(self, ctx: Context, body: Doc, allowed: set[str]) -> Doc:
        with self.tx():
            ts = now()
            doc = {k: v for k, v in body.items() if k in allowed}
            doc.update(
                {
                    "id": uuid7(),
                    "status": 0,
                    "timestamp_created": ts,
                    "timestamp_updated": ts,
                    "organization": ctx.workspace,
                }
            )
            doc = {k: v for k, v in doc.items() if k in allowed}
            spec.check_stored("Campaign", doc)
            return self._put(CAMPAIGN, ctx.workspace, doc["id"], doc)

    def list_campaigns(self, ctx: Context, q: Doc) -> Page:
        with self._lock:
            docs = self._all(CAMPAIGN, ctx.workspace)
            if q.get("tag_ids"):
                wanted = set(q["tag_ids"])
                docs = [d for d in docs if self._tags_of(ctx.workspace, d["id"]) & wanted]
        if q.get("search"):
            docs = [d for d in docs if str(q["search"]).lower() in d["name"].lower()]
        return self._page(docs, q.get("limit"), q.get("starting_after"))

    def get_campaign(self, ctx: Context, id_: str) -> Doc:
        with self._lock:
            return self._must(CAMPAIGN, ctx.workspace, id_)

    def create_account(self, ctx: Context, body: Doc, allowed: set[str]) -> Doc:
        with self.tx():
            if self._get(ACCOUNT, ctx.workspace, body["email"]):
                raise bad_request("An account with this email already exists")
            ts = now()
            doc = {k: v for k, v in body.items() if k in allowed}
            doc.update(
                {
                    "timestamp_created": ts,
                    "timestamp_updated": ts,
                    "organization": ctx.workspace,
                    "warmup_status": 0,
                    "status": 1,
                    "setup_pending": False,
                    "is_managed_account": False,
                }
            )
            doc = {k: v for k, v in doc.items() if k in allowed}
            spec.check_stored("Account", doc)
            return self._put(ACCOUNT, ctx.workspace, body["email"], doc)

    def list_accounts(self, ctx: Context, q: Doc) -> Page:
        with self._lock:
            docs = self._all(ACCOUNT, ctx.workspace)
            if q.get("tag_ids"):
                wanted = set(q["tag_ids"])
                docs = [d for d in docs if self._tags_of(ctx.workspace, d["email"]) & wanted]
        if q.get("search"):
            docs = [d for d in docs if str(q["search"]).lower() in d["email"].lower()]
        return self._page(docs, q.get("limit"), q.get("starting_after"), key=lambda d: d["email"])

    def get_account(self, ctx: Context, email: str) -> Doc:
        with self._lock:
            return self._must(ACCOUNT, ctx.workspace, email)

    # -- the current workspace ----------------------------------------------------------------------

    def get_current(self, ctx: Context) -> Doc:
        with self._lock:
            return self.workspace(ctx.workspace)

    def patch_current(self, ctx: Context, body: Doc) -> Doc:
        with self.tx():
            ws = self.workspace(ctx.workspace)
            ws.update({k: body[k] for k in ("name", "org_logo_url") if k in body})
            ws["timestamp_updated"] = now()
            self._db.execute("UPDATE workspaces SET data=? WHERE id=?", (json.dumps(ws), ws["id"]))
            return ws

    def change_owner(self, ctx: Context, body: Doc) -> Doc:
        with self.tx():
            ws = self.workspace(ctx.workspace)
            member = self._find(MEMBER, ctx.workspace, str(body["email"]).lower())
            if member is None or not member["accepted"]:
                raise bad_request("The new owner must be an accepted member of the workspace")
            old = self._find(
                MEMBER,
                ctx.workspace,
                next(
                    (m["email"].lower() for m in self._all(MEMBER, ctx.workspace) if m["role"] == "owner"), ""
                ),
            )
            if old and old["id"] != member["id"]:
                old["role"] = "admin"
                self._put(MEMBER, ctx.workspace, old["id"], old, old["email"].lower())
            member["role"] = "owner"
            self._put(MEMBER, ctx.workspace, member["id"], member, member["email"].lower())
            ws["owner"], ws["timestamp_updated"] = member["user_id"], now()
            self._db.execute("UPDATE workspaces SET data=? WHERE id=?", (json.dumps(ws), ws["id"]))
            return ws

    # -- control plane -------------------------------------------------------------------------------

    def dump(self) -> Doc:
        """Every object of every workspace, by workspace and kind (keys masked)."""
        with self._lock:
            out: Doc = {}
            for (data,) in self._db.execute("SELECT data FROM workspaces ORDER BY rowid"):
                ws = json.loads(data)
                out[ws["id"]] = {"workspace": ws}
            for kind, ws, data in self._db.execute("SELECT kind, workspace, data FROM objects ORDER BY seq"):
                doc = json.loads(data)
                if kind == KEY:
                    doc["key"] = mask(doc["key"])
                out.setdefault(ws, {}).setdefault(kind + "s", []).append(doc)
            return {"workspaces": out}

    def reset(self) -> None:
        """Delete everything."""
        with self.tx():
            self._db.execute("DELETE FROM objects")
            self._db.execute("DELETE FROM workspaces")
