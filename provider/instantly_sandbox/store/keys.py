"""API keys, and what they decide: who is calling (authentication, ``x-as-workspace``)
and what it may do (scopes)."""

from __future__ import annotations

import secrets

from instantly_sandbox.errors import BadRequestError, ForbiddenError, UnauthorizedError
from instantly_sandbox.store.audit import ACTIVITY_KEY_CREATED, ACTIVITY_KEY_DELETED, AuditLogs
from instantly_sandbox.store.context import Context
from instantly_sandbox.store.db import KEY, Db, Doc, Page, now, page, uuid7
from instantly_sandbox.store.groups import Groups


def mask(key: str) -> str:
    """A key as list and delete responses show it: only the last 4 characters."""
    return "*" * 16 + key[-4:]


class ApiKeys:
    """The ``/api-keys`` backend, authentication and scope checks."""

    def __init__(self, db: Db, audit: AuditLogs, groups: Groups) -> None:
        self.db = db
        self.audit = audit
        self.groups = groups

    def new(self, ws: str, name: str, scopes: list[str]) -> Doc:
        """A key of workspace ``ws`` with its full secret (call inside a transaction)."""
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
        return self.db.put(KEY, ws, doc["id"], doc, doc["key"])

    def authenticate(self, bearer: str | None, as_workspace: str | None) -> Context:
        """The caller's context; 401 for a bad key, 403 for an x-as-workspace it may not use."""
        with self.db.lock:
            key = self.db.find(KEY, None, bearer) if bearer else None
        if key is None:
            raise UnauthorizedError()
        own = key["organization_id"]
        if not as_workspace or as_workspace == own:
            return Context(key, own, own)
        if not self.groups.is_accepted_sub(own, as_workspace):
            raise ForbiddenError(
                f"x-as-workspace: workspace {as_workspace} is not an accepted sub-workspace "
                "of this key's workspace"
            )
        return Context(key, own, as_workspace)

    @staticmethod
    def check_scopes(ctx: Context, required: tuple[str, ...]) -> None:
        """403 naming the scopes when the key has none of ``required``."""
        if not set(ctx.key["scopes"]) & set(required):
            raise ForbiddenError(f"API key is missing one of the scopes: {', '.join(required)}")

    def create(self, ctx: Context, body: Doc) -> Doc:
        """A new key; the only answer that carries the full secret."""
        with self.db.tx():
            key = self.new(ctx.workspace, body["name"], list(body["scopes"]))
            self.audit.key_event(ctx, ACTIVITY_KEY_CREATED, key)
            return key

    def list(self, ctx: Context, q: Doc) -> Page:
        """The workspace's keys, masked."""
        with self.db.lock:
            result = page(self.db.all(KEY, ctx.workspace), q.get("limit"), q.get("starting_after"))
        result.items = [{**k, "key": mask(k["key"])} for k in result.items]
        return result

    def delete(self, ctx: Context, id_: str) -> Doc:
        """Revoke a key (never the calling one); returns it masked."""
        with self.db.tx():
            key = self.db.must(KEY, ctx.workspace, id_)
            if key["id"] == ctx.key["id"]:
                raise BadRequestError("An API key cannot delete itself")
            self.db.delete(KEY, ctx.workspace, id_)
            self.audit.key_event(ctx, ACTIVITY_KEY_DELETED, key)
            return {**key, "key": mask(key["key"])}
