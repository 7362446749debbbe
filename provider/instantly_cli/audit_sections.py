"""``audit``'s sections: each read from the API into the report, flagging what it finds.

One function a section — the group's memberships, and per workspace its profile, members, keys,
tags and audit-log events (:func:`audit_workspace`) — through the command's one reader. An API
error in a section is recorded and the audit goes on; a refused key stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from instantly_cli.workspace_reader import WorkspaceReader, tag_coverage
from instantly_pulumi import models
from instantly_pulumi.errors import ApiError, AuthenticationError, PaymentRequiredError

if TYPE_CHECKING:
    from instantly_cli.audit import Report

__all__ = ["audit_workspace", "group"]

Obj = dict[str, Any]
RECENT = 50
"""Events shown without ``--since`` (the routine prints the last 50)."""
AFFECTED = ("campaign_id", "webhook_id", "list_id", "subsequence_id", "api_key_id")
ROLES = ("owner", "admin", "editor", "view", "client")


def _section(report: Report, ws: str | None, section: str, read: Callable[[], Any]) -> Any:
    """``read()``; an API error is recorded and the audit goes on (a bad key stops it)."""
    try:
        return read()
    except AuthenticationError:
        raise
    except ApiError as exc:
        report.error(ws, section, exc)
        return None


def group(report: Report, reader: WorkspaceReader, only: str | None) -> None:
    """The group's memberships (``only``: that sub-workspace's), pending and rejected flagged."""
    items = _section(report, None, "group memberships", reader.group_members)
    if items is None:
        return
    report.group = [
        {k: g.get(k) for k in ("id", "sub_workspace_id", "sub_workspace_name", "status", "timestamp_created")}
        for g in items
        if only is None or g.get("sub_workspace_id") == only
    ]
    for g in report.group:
        if g["status"] in ("pending", "rejected"):
            what = "has not accepted" if g["status"] == "pending" else "rejected"
            report.flag(
                f"group_invitation_{g['status']}",
                g["sub_workspace_id"],
                f"{g['sub_workspace_name']} {what} the invitation into the agency's group",
                g["id"],
                subject=g["sub_workspace_id"],
            )


def _keys(report: Report, ws: str, keys: list[Obj]) -> list[Obj]:
    out = []
    for k in keys:
        scopes = list(k.get("scopes") or [])
        wide = models.full_access_scopes(scopes)
        managed = (k["id"] in report.managed.keys) if report.managed.checked else None
        out.append(
            {
                "id": k["id"],
                "name": k.get("name"),
                "scopes": scopes,
                "full_access": wide,
                "managed": managed,
                "timestamp_created": k.get("timestamp_created"),
            }
        )
        if wide:
            report.flag(
                "full_access_key",
                ws,
                f"API key {k.get('name')!r} has {', '.join(wide)}: access to every resource",
                k["id"],
                subject=str(k.get("name")),
            )
        if managed is False:
            report.flag(
                "unmanaged_key",
                ws,
                f"API key {k.get('name')!r} is declared by no stack",
                k["id"],
                subject=str(k.get("name")),
            )
    return out


def _members(report: Report, ws: str, members: list[Obj]) -> list[Obj]:
    out = []
    for m in members:
        owner = m.get("role") == "owner"
        managed = (m["id"] in report.managed.members) if report.managed.checked and not owner else None
        out.append(
            {
                "id": m["id"],
                "email": m.get("email"),
                "role": m.get("role"),
                "accepted": bool(m.get("accepted")),
                "nickname": m.get("nickname"),
                "permissions": m.get("permissions"),
                "managed": managed,
            }
        )
        if not m.get("accepted"):
            report.flag(
                "pending_invitation",
                ws,
                f"{m.get('email')} ({m.get('role')}) was invited and has not accepted",
                m["id"],
                subject=str(m.get("email")),
            )
        if managed is False:
            report.flag(
                "unmanaged_member",
                ws,
                f"member {m.get('email')} is declared by no stack",
                m["id"],
                subject=str(m.get("email")),
            )
    out.sort(key=lambda m: (ROLES.index(m["role"]) if m["role"] in ROLES else len(ROLES), m["email"]))
    return out


def _tags(tags: list[Obj], mappings: list[Obj], campaigns: list[Obj] | None) -> list[Obj]:
    names = {c["id"]: c.get("name") for c in campaigns or []}
    coverage = tag_coverage(tags, mappings)
    return [
        {
            "id": t["id"],
            "label": t.get("label"),
            "description": t.get("description"),
            "campaigns": [{"id": c, "name": names.get(c)} for c in coverage[t["id"]]["campaigns"]],
            "accounts": coverage[t["id"]]["accounts"],
        }
        for t in tags
    ]


def _events(report: Report, reader: WorkspaceReader, ws: str) -> Obj:
    try:
        items = reader.audit_logs(ws, report.since, RECENT)
    except PaymentRequiredError as exc:
        return {
            "available": False,
            "note": f"audit logs are not on this workspace's plan ({exc.server_message})",
            "events": [],
        }
    except AuthenticationError:
        raise
    except ApiError as exc:
        report.error(ws, "audit logs", exc)
        return {"available": False, "note": "could not be read (see errors)", "events": []}
    events = [
        {
            "timestamp": e.get("timestamp"),
            "user_name": e.get("user_name"),
            "user_id": e.get("user_id"),
            "activity_type": e.get("activity_type"),
            "activity": models.AUDIT_ACTIVITIES.get(e.get("activity_type") or 0, "unknown activity"),
            "from_api": e.get("from_api"),
            "ip_address": e.get("ip_address"),
            "affected": {k: e[k] for k in AFFECTED if e.get(k)},
        }
        for e in items
    ]
    return {"available": True, "note": None, "events": events}


def audit_workspace(report: Report, reader: WorkspaceReader, ws: str) -> None:
    """Read one workspace into the report."""
    entry: Obj = {"id": ws, "name": None, "stacks": report.managed.stacks_of(ws) or None}
    report.workspaces.append(entry)
    workspace = _section(report, ws, "workspace", lambda: reader.workspace(ws))
    if workspace is None:
        return
    entry["name"] = workspace.get("name")
    entry["profile"] = {
        "name": workspace.get("name"),
        "org_logo_url": workspace.get("org_logo_url"),
        "managed": (ws in report.managed.profiles) if report.managed.checked else None,
    }
    members = _section(report, ws, "members", lambda: reader.members(ws))
    if members is not None:
        owner = next((m for m in members if m.get("user_id") == workspace.get("owner")), None)
        entry["owner"] = {"user_id": workspace.get("owner"), "email": owner.get("email") if owner else None}
        entry["members"] = _members(report, ws, members)
    keys = _section(report, ws, "API keys", lambda: reader.api_keys(ws))
    if keys is not None:
        entry["api_keys"] = _keys(report, ws, keys)
    tags = _section(report, ws, "tags", lambda: reader.tags(ws))
    mappings = _section(report, ws, "tag mappings", lambda: reader.mappings(ws)) if tags else []
    if tags is not None and mappings is not None:
        campaigns = _section(report, ws, "campaigns", lambda: reader.campaigns(ws)) if mappings else []
        entry["tags"] = _tags(tags, mappings, campaigns)
    entry["audit_logs"] = _events(report, reader, ws)
    if report.managed.checked and not entry["stacks"] and reader.acting(ws) is not None:
        report.flag("unmanaged_workspace", ws, f"no stack of this project manages {entry['name']}")
