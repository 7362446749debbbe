"""The ``/api/v2`` handlers: each takes one checked :class:`~instantly_sandbox.gate.Call`,
makes one store call and returns the wire body. The rules are in the store;
the routes are in ``routes.py``."""

from __future__ import annotations

from typing import Any

from instantly_sandbox.gate import Call
from instantly_sandbox.store import Store

# -- workspace members


def create_member(store: Store, call: Call) -> Any:
    return store.members.create(call.ctx, call.body)


def list_members(store: Store, call: Call) -> Any:
    return store.members.list(call.ctx, call.query).body()


def get_member(store: Store, call: Call) -> Any:
    return store.members.get(call.ctx, call.params["id"])


def patch_member(store: Store, call: Call) -> Any:
    return store.members.patch(call.ctx, call.params["id"], call.body)


def delete_member(store: Store, call: Call) -> Any:
    return store.members.delete(call.ctx, call.params["id"])


# -- API keys


def create_key(store: Store, call: Call) -> Any:
    return store.keys.create(call.ctx, call.body)


def list_keys(store: Store, call: Call) -> Any:
    return store.keys.list(call.ctx, call.query).body()


def delete_key(store: Store, call: Call) -> Any:
    return store.keys.delete(call.ctx, call.params["id"])


# -- workspace group members


def invite(store: Store, call: Call) -> Any:
    return store.groups.invite(call.ctx, call.body)


def list_group(store: Store, call: Call) -> Any:
    return store.groups.list(call.ctx, call.query).body()


def admin_of(store: Store, call: Call) -> Any:
    return store.groups.admin_of(call.ctx)


def get_group(store: Store, call: Call) -> Any:
    return store.groups.get(call.ctx, call.params["id"])


def delete_group(store: Store, call: Call) -> Any:
    return store.groups.delete(call.ctx, call.params["id"])


# -- custom tags and mappings


def toggle(store: Store, call: Call) -> Any:
    return store.tags.toggle(call.ctx, call.body)


def create_tag(store: Store, call: Call) -> Any:
    return store.tags.create(call.ctx, call.body)


def list_tags(store: Store, call: Call) -> Any:
    return store.tags.list(call.ctx, call.query).body()


def get_tag(store: Store, call: Call) -> Any:
    return store.tags.get(call.ctx, call.params["id"])


def patch_tag(store: Store, call: Call) -> Any:
    return store.tags.patch(call.ctx, call.params["id"], call.body)


def delete_tag(store: Store, call: Call) -> Any:
    return store.tags.delete(call.ctx, call.params["id"])


def list_mappings(store: Store, call: Call) -> Any:
    return store.tags.list_mappings(call.ctx, call.query).body()


# -- audit logs and the current workspace


def list_audit_logs(store: Store, call: Call) -> Any:
    return store.audit.list(call.ctx, call.query).body()


def get_current(store: Store, call: Call) -> Any:
    return store.workspaces.current(call.ctx)


def patch_current(store: Store, call: Call) -> Any:
    return store.workspaces.patch_current(call.ctx, call.body)


def change_owner(store: Store, call: Call) -> Any:
    return store.workspaces.change_owner(call.ctx, call.body)


# -- campaigns and accounts (so tags have something to attach to)


def create_campaign(store: Store, call: Call) -> Any:
    return store.catalog.create_campaign(call.ctx, call.body)


def list_campaigns(store: Store, call: Call) -> Any:
    return store.catalog.list_campaigns(call.ctx, call.query).body()


def get_campaign(store: Store, call: Call) -> Any:
    return store.catalog.get_campaign(call.ctx, call.params["id"])


def create_account(store: Store, call: Call) -> Any:
    return store.catalog.create_account(call.ctx, call.body)


def list_accounts(store: Store, call: Call) -> Any:
    return store.catalog.list_accounts(call.ctx, call.query).body()


def get_account(store: Store, call: Call) -> Any:
    return store.catalog.get_account(call.ctx, call.params["email"])
