"""Campaigns and email accounts: only what tags need to attach to (create, list, get)."""

from __future__ import annotations

from instantly_sandbox import spec
from instantly_sandbox.errors import BadRequestError
from instantly_sandbox.store.context import Context
from instantly_sandbox.store.db import ACCOUNT, CAMPAIGN, MAPPING, Db, Doc, Page, now, page, uuid7

RESOURCE_ACCOUNT, RESOURCE_CAMPAIGN = 1, 2


def _fields(schema: str) -> set[str]:
    return set(spec.spec()["components"]["schemas"][schema]["properties"])


class Catalog:
    """The ``/campaigns`` and ``/accounts`` backend (accounts are keyed by email)."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self._campaign_fields = _fields("Campaign")
        self._account_fields = _fields("Account")

    def _tagged(self, ws: str, tag_ids: list[str]) -> set[str]:
        """Resource ids carrying any of ``tag_ids`` (read from the tags' mappings)."""
        wanted = set(tag_ids)
        return {m["resource_id"] for m in self.db.all(MAPPING, ws) if m["tag_id"] in wanted}

    def resource_ids(self, ws: str, resource_type: int) -> list[str]:
        """Every account email or campaign id of ``ws``, in creation order."""
        if resource_type == RESOURCE_ACCOUNT:
            return [d["email"] for d in self.db.all(ACCOUNT, ws)]
        return [d["id"] for d in self.db.all(CAMPAIGN, ws)]

    def exists(self, ws: str, resource_type: int, rid: str) -> bool:
        """Whether the account (by email) or campaign (by id) exists in ``ws``."""
        kind = ACCOUNT if resource_type == RESOURCE_ACCOUNT else CAMPAIGN
        return self.db.get(kind, ws, rid) is not None

    def create_campaign(self, ctx: Context, body: Doc) -> Doc:
        """A draft campaign (status 0) from the body's Campaign fields."""
        allowed = self._campaign_fields
        with self.db.tx():
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
            return self.db.put(CAMPAIGN, ctx.workspace, doc["id"], doc)

    def list_campaigns(self, ctx: Context, q: Doc) -> Page:
        """Campaigns, filtered by ``tag_ids`` and ``search`` (name)."""
        with self.db.lock:
            docs = self.db.all(CAMPAIGN, ctx.workspace)
            if q.get("tag_ids"):
                tagged = self._tagged(ctx.workspace, q["tag_ids"])
                docs = [d for d in docs if d["id"] in tagged]
        if q.get("search"):
            docs = [d for d in docs if str(q["search"]).lower() in d["name"].lower()]
        return page(docs, q.get("limit"), q.get("starting_after"))

    def get_campaign(self, ctx: Context, id_: str) -> Doc:
        """One campaign (404 if not in this workspace)."""
        with self.db.lock:
            return self.db.must(CAMPAIGN, ctx.workspace, id_)

    def create_account(self, ctx: Context, body: Doc) -> Doc:
        """An email account (400 when the email exists in the workspace)."""
        allowed = self._account_fields
        with self.db.tx():
            if self.db.get(ACCOUNT, ctx.workspace, body["email"]):
                raise BadRequestError("An account with this email already exists")
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
            return self.db.put(ACCOUNT, ctx.workspace, body["email"], doc)

    def list_accounts(self, ctx: Context, q: Doc) -> Page:
        """Accounts, filtered by ``tag_ids`` and ``search`` (email); the cursor is an email."""
        with self.db.lock:
            docs = self.db.all(ACCOUNT, ctx.workspace)
            if q.get("tag_ids"):
                tagged = self._tagged(ctx.workspace, q["tag_ids"])
                docs = [d for d in docs if d["email"] in tagged]
        if q.get("search"):
            docs = [d for d in docs if str(q["search"]).lower() in d["email"].lower()]
        return page(docs, q.get("limit"), q.get("starting_after"), key=lambda d: d["email"])

    def get_account(self, ctx: Context, email: str) -> Doc:
        """One account by email (404 if not in this workspace)."""
        with self.db.lock:
            return self.db.must(ACCOUNT, ctx.workspace, email)
