"""``audit``'s report for people: one table per section, then the findings with their waivers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from instantly_cli import common

if TYPE_CHECKING:
    from instantly_cli.audit import Report

__all__ = ["show"]

Obj = dict[str, Any]


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    return table


def show(report: Report) -> None:
    """The report for people: one table per section."""
    out = common.console
    if report.group is not None:
        table = _table("Workspace group memberships", "sub-workspace", "name", "status", "since")
        for g in report.group:
            table.add_row(g["sub_workspace_id"], g["sub_workspace_name"], g["status"], g["timestamp_created"])
        out.print(table if report.group else "No workspace group memberships.")
    for ws in report.workspaces:
        stacks = ", ".join(ws["stacks"] or []) or "none"
        owner = (ws.get("owner") or {}).get("email") or "?"
        out.rule(f"{ws['name'] or '?'} ({ws['id']})", align="left")
        out.print(f"owner: {owner}    stacks: {stacks}", highlight=False)
        _show_profile(ws)
        _show_keys(ws)
        _show_members(ws)
        _show_tags(ws)
        _show_events(ws)
    _show_findings(report)
    out.print(f"Stacks: {report.managed.note}" if report.managed.note else "", highlight=False)
    for e in report.errors:
        common.errors.print(
            f"error: {e['section']} of {e['workspace_id'] or 'the agency'}: {e['message']}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _show_keys(ws: Obj) -> None:
    if "api_keys" not in ws:
        return
    by_scope: dict[str, list[str]] = {}
    for k in ws["api_keys"]:
        mark = "" if k["managed"] is not False else " (no stack)"
        for s in k["scopes"] or ["(no scopes)"]:
            by_scope.setdefault(s, []).append(f"{k['name']}{mark}")
    if not ws["api_keys"]:
        common.console.print("API keys: none.")
        return
    table = _table(f"API keys by scope ({_n(len(ws['api_keys']), 'key')})", "scope", "keys", "flag")
    for scope in sorted(by_scope, key=lambda s: (not s.startswith("all:"), s)):
        table.add_row(scope, ", ".join(by_scope[scope]), "FULL ACCESS" if scope.startswith("all:") else "")
    common.console.print(table)


def _show_members(ws: Obj) -> None:
    if "members" not in ws:
        return
    table = _table(
        f"Members by role ({len(ws['members'])})", "role", "email", "status", "permissions", "stack"
    )
    for m in ws["members"]:
        managed = {True: "managed", False: "NONE", None: ""}[m["managed"]]
        status = "accepted" if m["accepted"] else "PENDING INVITATION"
        table.add_row(m["role"], m["email"], status, ", ".join(m["permissions"] or []), managed)
    common.console.print(table)


def _show_tags(ws: Obj) -> None:
    if "tags" not in ws:
        return
    if not ws["tags"]:
        common.console.print("Tags: none.")
        return
    table = _table(f"Tags ({len(ws['tags'])})", "label", "description", "campaigns", "accounts")
    for t in ws["tags"]:
        campaigns = ", ".join(c["name"] or c["id"] for c in t["campaigns"])
        table.add_row(t["label"], t["description"] or "", campaigns, ", ".join(t["accounts"]))
    common.console.print(table)


def _show_events(ws: Obj) -> None:
    logs = ws.get("audit_logs") or {}
    if not logs.get("available"):
        common.console.print(f"Audit log: {logs.get('note')}", highlight=False)
        return
    if not logs["events"]:
        common.console.print("Audit log: no events.")
        return
    table = _table(f"Audit log ({_n(len(logs['events']), 'event')})", "time", "user", "activity", "affected")
    for e in logs["events"]:
        who = e["user_name"] or e["user_id"] or ("API" if e["from_api"] else "?")
        affected = ", ".join(f"{k.removesuffix('_id')} {v}" for k, v in e["affected"].items())
        table.add_row(e["timestamp"], who, e["activity"], affected)
    common.console.print(table)


def _show_profile(ws: Obj) -> None:
    profile = ws.get("profile")
    if profile is None:
        return
    logo = profile["org_logo_url"] or "none"
    managed = {True: "    (a stack manages it)", False: "    (no stack manages it)", None: ""}[
        profile["managed"]
    ]
    common.console.print(f"profile: name {profile['name']!r}, logo {logo}{managed}", highlight=False)


def _show_findings(report: Report) -> None:
    out = common.console
    out.rule("Findings", align="left")
    if report.findings:
        names = {w["id"]: w["name"] for w in report.workspaces}
        table = _table("", "id", "severity", "workspace", "what", "waiver")
        for f in report.findings:
            waiver = ""
            if f.waiver is not None:
                state = (
                    f"EXPIRED {f.waiver.expires}, counts again"
                    if f.waiver.expired
                    else (f"waived until {f.waiver.expires}")
                )
                waiver = f"{state}: {f.waiver.reason}"
            table.add_row(
                f.id, f.severity, names.get(f.workspace_id) or f.workspace_id or "", f.message, waiver
            )
        out.print(table)
    else:
        out.print("Nothing flagged.")
    for w in report.waivers.stale:
        out.print(
            f"stale waiver {w.id} ({w.reason}): no such finding any more; remove it from "
            f"{report.waivers.file}",
            markup=False,
            highlight=False,
        )
    counting = sum(1 for f in report.findings if f.counts)
    waived = sum(1 for f in report.findings if f.waived)
    expired = sum(1 for f in report.findings if f.waiver is not None and f.waiver.expired)
    out.print(
        f"{counting} finding(s) count, {waived} waived, {expired} with an expired waiver, "
        f"{len(report.waivers.stale)} stale waiver(s).",
        highlight=False,
    )
