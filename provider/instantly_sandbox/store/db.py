"""The sandbox's storage: SQLite, one lock, one transaction per request, JSON documents.

One table of JSON documents keyed by (kind, workspace, id), with an optional
``lookup`` column for natural keys (an email, a label, a key's secret), plus one
table of workspaces. Every domain backend shares one :class:`Db`; every public
backend method runs under its lock (reads) or in one :meth:`Db.tx` (writes), so
a request either changes everything it should or nothing, and concurrent
requests cannot interleave. WAL mode; a restart loses nothing committed.

Objects are stored in their wire shape (the official schemas), so handlers
return them as they are.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from instantly_sandbox.errors import NotFoundError

DEFAULT_LIMIT = 10
Doc = dict[str, Any]

# The kinds of documents. They are the shared vocabulary of the backends: a
# backend owns the kinds it writes and may read another's (catalog reads the
# tags' mappings to filter by tag).
MEMBER = "member"
KEY = "api_key"
GROUP = "group_member"
TAG = "tag"
MAPPING = "mapping"
CAMPAIGN = "campaign"
ACCOUNT = "account"
AUDIT = "audit_log"
# Sandbox-only facts about a workspace (security token, plan): not an API object,
# kept out of the Workspace document because that schema is closed.
SETTINGS = "workspace_settings"


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
    return timestamp(datetime.now(UTC))


def timestamp(t: datetime) -> str:
    """``t`` in the API's timestamp form (UTC, milliseconds, Z)."""
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


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


def page(
    docs: list[Doc],
    limit: int | None,
    starting_after: str | None,
    key: Callable[[Doc], str] = lambda d: d["id"],
) -> Page:
    """Cursor pagination in the given order; the cursor is the last item's id (or ``key``)."""
    if starting_after:
        ids = [key(d) for d in docs]
        if starting_after in ids:
            docs = docs[ids.index(starting_after) + 1 :]
        else:
            docs = [d for d in docs if key(d) > starting_after]
    size = limit or DEFAULT_LIMIT
    items = docs[:size]
    more = len(docs) > size
    return Page(items, key(items[-1]) if more and items else None)


class Db:
    """The SQLite database of one sandbox, with its lock and its document helpers."""

    def __init__(self, path: Path | str) -> None:
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(
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
        self.lock = threading.RLock()
        self._depth = 0

    def close(self) -> None:
        """Close the database."""
        with self.lock:
            self._conn.close()

    @contextmanager
    def tx(self) -> Iterator[None]:
        """One transaction: all of a request's changes, or none.

        Nested calls join the outer transaction, so a facade can compose two
        backends' writes into one commit.
        """
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
            self._conn.execute("COMMIT")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """Raw SQL, for what the helpers below do not cover."""
        return self._conn.execute(sql, params)

    # -- workspaces ------------------------------------------------------------------------------

    def workspace(self, ws: str) -> Doc:
        """The workspace document ``ws`` (404 ``Workspace not found`` if unknown)."""
        row = self._conn.execute("SELECT data FROM workspaces WHERE id=?", (ws,)).fetchone()
        if row is None:
            raise NotFoundError("Workspace not found")
        loaded: Doc = json.loads(row[0])
        return loaded

    def put_workspace(self, ws: Doc) -> Doc:
        """Insert or replace a workspace document."""
        self._conn.execute(
            "INSERT INTO workspaces (id, data) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET data=excluded.data",
            (ws["id"], json.dumps(ws)),
        )
        return ws

    def workspaces(self) -> list[Doc]:
        """Every workspace, in creation order."""
        rows = self._conn.execute("SELECT data FROM workspaces ORDER BY rowid")
        return [json.loads(r[0]) for r in rows]

    # -- documents -------------------------------------------------------------------------------

    def get(self, kind: str, ws: str, id_: str) -> Doc | None:
        """The document, or None."""
        row = self._conn.execute(
            "SELECT data FROM objects WHERE kind=? AND workspace=? AND id=?", (kind, ws, id_)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def must(self, kind: str, ws: str, id_: str) -> Doc:
        """The document, or 404 ``Resource not found``."""
        doc = self.get(kind, ws, id_)
        if doc is None:
            raise NotFoundError()
        return doc

    def locate(self, kind: str, id_: str) -> tuple[str, Doc]:
        """(workspace, document) of an id in any workspace, or 404."""
        row = self._conn.execute(
            "SELECT workspace, data FROM objects WHERE kind=? AND id=?", (kind, id_)
        ).fetchone()
        if row is None:
            raise NotFoundError()
        return row[0], json.loads(row[1])

    def put(self, kind: str, ws: str, id_: str, doc: Doc, lookup: str | None = None) -> Doc:
        """Insert or replace a document (and its natural-key ``lookup``)."""
        self._conn.execute(
            "INSERT INTO objects (kind, workspace, id, lookup, data) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, workspace, id) DO UPDATE SET data=excluded.data, lookup=excluded.lookup",
            (kind, ws, id_, lookup, json.dumps(doc)),
        )
        return doc

    def delete(self, kind: str, ws: str, id_: str) -> None:
        """Delete one document (no error when absent)."""
        self._conn.execute("DELETE FROM objects WHERE kind=? AND workspace=? AND id=?", (kind, ws, id_))

    def all(self, kind: str, ws: str | None = None) -> list[Doc]:
        """Every document of a kind (in one workspace, or in all), in creation order."""
        if ws is None:
            rows = self._conn.execute("SELECT data FROM objects WHERE kind=? ORDER BY seq", (kind,))
        else:
            rows = self._conn.execute(
                "SELECT data FROM objects WHERE kind=? AND workspace=? ORDER BY seq", (kind, ws)
            )
        return [json.loads(r[0]) for r in rows]

    def find(self, kind: str, ws: str | None, lookup: str) -> Doc | None:
        """The document with this natural key (in one workspace, or in any), or None."""
        if ws is None:
            row = self._conn.execute(
                "SELECT data FROM objects WHERE kind=? AND lookup=?", (kind, lookup)
            ).fetchone()
        else:
            row = self._conn.execute(
                "SELECT data FROM objects WHERE kind=? AND workspace=? AND lookup=?", (kind, ws, lookup)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def rows(self) -> list[tuple[str, str, Doc]]:
        """Every document as (kind, workspace, doc), in creation order (for the state dump)."""
        rows = self._conn.execute("SELECT kind, workspace, data FROM objects ORDER BY seq")
        return [(kind, ws, json.loads(data)) for kind, ws, data in rows]

    def clear(self) -> None:
        """Delete everything (call inside :meth:`tx`)."""
        self._conn.execute("DELETE FROM objects")
        self._conn.execute("DELETE FROM workspaces")
