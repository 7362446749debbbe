"""Custom tags and their mappings to campaigns and accounts (``toggle-resource``)."""

from __future__ import annotations

from instantly_sandbox.errors import BadRequestError, ConflictError, NotFoundError
from instantly_sandbox.store.catalog import RESOURCE_ACCOUNT, Catalog
from instantly_sandbox.store.context import Context
from instantly_sandbox.store.db import MAPPING, TAG, Db, Doc, Page, now, page, uuid7


class Tags:
    """The ``/custom-tags`` and ``/custom-tag-mappings`` backend."""

    def __init__(self, db: Db, catalog: Catalog) -> None:
        self.db = db
        self.catalog = catalog

    def create(self, ctx: Context, body: Doc) -> Doc:
        """A tag; labels are trimmed and unique per workspace (409)."""
        label = body["label"].strip()
        with self.db.tx():
            if self.db.find(TAG, ctx.workspace, label):
                raise ConflictError("A tag with this name already exists.")
            ts = now()
            doc: Doc = {
                "id": uuid7(),
                "timestamp_created": ts,
                "timestamp_updated": ts,
                "organization_id": ctx.workspace,
                "label": label,
                "description": body.get("description"),
            }
            return self.db.put(TAG, ctx.workspace, doc["id"], doc, label)

    def list(self, ctx: Context, q: Doc) -> Page:
        """Tags, filtered by ``search`` (label), ``tag_ids`` and ``resource_ids`` (tagged ones)."""
        with self.db.lock:
            docs = self.db.all(TAG, ctx.workspace)
            mappings = self.db.all(MAPPING, ctx.workspace)
        if q.get("search"):
            docs = [d for d in docs if str(q["search"]).lower() in d["label"].lower()]
        if q.get("tag_ids"):
            wanted = set(q["tag_ids"])
            docs = [d for d in docs if d["id"] in wanted]
        if q.get("resource_ids"):
            resources = set(q["resource_ids"])
            tagged = {m["tag_id"] for m in mappings if m["resource_id"] in resources}
            docs = [d for d in docs if d["id"] in tagged]
        return page(docs, q.get("limit"), q.get("starting_after"))

    def get(self, ctx: Context, id_: str) -> Doc:
        """One tag (404 if not in this workspace)."""
        with self.db.lock:
            return self.db.must(TAG, ctx.workspace, id_)

    def patch(self, ctx: Context, id_: str, body: Doc) -> Doc:
        """Change ``label`` (still unique) and ``description``."""
        with self.db.tx():
            doc = self.db.must(TAG, ctx.workspace, id_)
            if "label" in body:
                label = body["label"].strip()
                other = self.db.find(TAG, ctx.workspace, label)
                if other and other["id"] != id_:
                    raise ConflictError("A tag with this name already exists.")
                doc["label"] = label
            if "description" in body:
                doc["description"] = body["description"]
            doc["timestamp_updated"] = now()
            return self.db.put(TAG, ctx.workspace, id_, doc, doc["label"])

    def delete(self, ctx: Context, id_: str) -> Doc:
        """Delete a tag and its mappings (instantly-api.md §7)."""
        with self.db.tx():
            doc = self.db.must(TAG, ctx.workspace, id_)
            self.db.delete(TAG, ctx.workspace, id_)
            self.db.execute(
                "DELETE FROM objects WHERE kind=? AND workspace=? AND lookup LIKE ?",
                (MAPPING, ctx.workspace, f"{id_}|%"),
            )
            return doc

    def toggle(self, ctx: Context, body: Doc) -> Doc:
        """Assign or unassign tags to resources (idempotent; 404 for an unknown tag or resource)."""
        ws, kind = ctx.workspace, body["resource_type"]
        with self.db.tx():
            for tag_id in body["tag_ids"]:
                self.db.must(TAG, ws, tag_id)
            if body.get("selected_all"):
                excluded = set(body.get("excluded_resource_ids") or [])
                ids = [i for i in self.catalog.resource_ids(ws, kind) if i not in excluded]
            else:
                ids = list(body.get("resource_ids") or [])
                if not ids:
                    raise BadRequestError("body must have required property 'resource_ids'")
                for rid in ids:
                    if not self.catalog.exists(ws, kind, rid):
                        what = "Account" if kind == RESOURCE_ACCOUNT else "Campaign"
                        raise NotFoundError(f"{what} {rid} not found")
            for tag_id in body["tag_ids"]:
                for rid in ids:
                    self._set(ws, tag_id, kind, rid, body["assign"])
        return {"success": True}

    def _set(self, ws: str, tag_id: str, kind: int, rid: str, assign: bool) -> None:
        lookup = f"{tag_id}|{kind}|{rid}"
        existing = self.db.find(MAPPING, ws, lookup)
        if assign and existing is None:
            doc: Doc = {
                "id": uuid7(),
                "tag_id": tag_id,
                "resource_id": rid,
                "resource_type": kind,
                "timestamp_created": now(),
                "organization_id": ws,
            }
            self.db.put(MAPPING, ws, doc["id"], doc, lookup)
        elif not assign and existing is not None:
            self.db.delete(MAPPING, ws, existing["id"])

    def list_mappings(self, ctx: Context, q: Doc) -> Page:
        """Mappings, filtered by ``resource_ids``."""
        with self.db.lock:
            docs = self.db.all(MAPPING, ctx.workspace)
        if q.get("resource_ids"):
            wanted = set(q["resource_ids"])
            docs = [d for d in docs if d["resource_id"] in wanted]
        return page(docs, q.get("limit"), q.get("starting_after"))
