"""``instantly-pulumi audit``: who has access to what, and what nobody declared.

Steps 2, 4 and 5 of the agency's access-control routine (shared/rbac-guide.md),
for one workspace or every workspace of the agency's group:

* API keys by scope; a key with ``all:all`` or any other ``all:*`` is flagged;
* members by role, pending invitations flagged;
* the group's memberships by status (pending and rejected flagged);
* which campaigns and accounts each tag covers;
* recent audit-log events (time, user, activity, affected ids); a plan without
  audit logs is reported as such, not as an error;
* run in the project directory, keys and members that no stack's state holds
  (:mod:`.managed`), flagged.

Exit 0: nothing flagged; 1: something flagged; 2: something could not be read
(the report still shows the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from instantly_cli import access_map, common
from instantly_cli.managed import Managed, StateReadError, read_project
from instantly_cli.workspace_reader import WorkspaceReader, api_time, tag_coverage
from instantly_pulumi import models
from instantly_pulumi.errors import ApiError, AuthenticationError, PaymentRequiredError

Obj = dict[str, Any]
RECENT = 50
"""Events shown without ``--since`` (the routine prints the last 50)."""
AFFECTED = ("campaign_id", "webhook_id", "list_id", "subsequence_id", "api_key_id")
ROLES = ("owner", "admin", "editor", "view", "client")


def parse_since(value: str) -> datetime:
    """``--since``: a date (``2026-11-01``, midnight UTC) or an ISO 8601 date-time (no zone: UTC)."""
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        common.fail(
            f"--since {value!r} is not a date: give YYYY-MM-DD or an ISO 8601 date-time such as "
            "2026-11-01T09:00:00Z"
        )
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass
class Report:
    """What the audit found; :meth:`document` is the ``--json`` output."""

    since: datetime | None
    managed: Managed
    group: list[Obj] | None = None
    workspaces: list[Obj] = field(default_factory=list)
    findings: list[Obj] = field(default_factory=list)
    errors: list[Obj] = field(default_factory=list)

    def flag(self, kind: str, workspace_id: str, message: str, object_id: str | None = None) -> None:
        """Record something to look at (exit 1)."""
        self.findings.append(
            {"kind": kind, "workspace_id": workspace_id, "object_id": object_id, "message": message}
        )

    def error(self, workspace_id: str | None, section: str, exc: Exception) -> None:
        """Record what could not be read (exit 2)."""
        self.errors.append({"workspace_id": workspace_id, "section": section, "message": str(exc)})

    @property
    def exit_code(self) -> int:
        """2 when something could not be read, else 1 when something was flagged, else 0."""
        return common.ERROR if self.errors else common.PROBLEMS if self.findings else common.OK

    def document(self) -> Obj:
        """The one JSON document of ``--json``."""
        return {
            "generated_at": api_time(datetime.now(UTC)),
            "since": api_time(self.since) if self.since else None,
            "stacks": {
                "checked": self.managed.checked,
                "note": self.managed.note,
                "names": self.managed.stacks,
            },
            "group_memberships": self.group,
            "workspaces": self.workspaces,
            "findings": self.findings,
            "errors": self.errors,
            "exit_code": self.exit_code,
        }


# -- reading -----------------------------------------------------------------------------------------


def _section(report: Report, ws: str | None, section: str, read: Callable[[], Any]) -> Any:
    """``read()``; an API error is recorded and the audit goes on (a bad key stops it)."""
    try:
        return read()
    except AuthenticationError:
        raise
    except ApiError as exc:
        report.error(ws, section, exc)
        return None


def _group(report: Report, reader: WorkspaceReader, only: str | None) -> None:
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
            )
        if managed is False:
            report.flag("unmanaged_key", ws, f"API key {k.get('name')!r} is declared by no stack", k["id"])
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
            )
        if managed is False:
            report.flag("unmanaged_member", ws, f"member {m.get('email')} is declared by no stack", m["id"])
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


def collect(reader: WorkspaceReader, workspace_id: str | None, since: datetime | None) -> Report:
    """The audit of ``workspace_id`` (None: the agency's workspace and every accepted client)."""
    report = Report(since=since, managed=Managed(checked=False))
    try:
        report.managed = read_project(Path.cwd())
    except StateReadError as exc:
        report.managed = Managed(checked=False, note=f"the stacks' state could not be read: {exc}")
        report.error(None, "stack state", exc)
    own = reader.own_workspace()["id"]
    client = workspace_id if workspace_id not in (None, own) else None
    _group(report, reader, only=client)
    if workspace_id is None:
        accepted = [g for g in report.group or [] if g["status"] == "accepted"]
        targets = [(own, "the agency's own workspace")]
        targets += [(g["sub_workspace_id"], str(g["sub_workspace_name"])) for g in accepted]
    else:
        targets = [(workspace_id, workspace_id)]
    if client is not None and report.group is not None:
        status = {g["status"] for g in report.group}
        if "accepted" not in status:
            why = "its invitation is not accepted yet" if "pending" in status else "it is not in the group"
            report.error(
                client,
                "workspace",
                RuntimeError(f"the agency key cannot read workspace {client}: {why}"),
            )
            return report
    for ws, _name in common.walk("auditing", targets, label=lambda t: t[1]):
        audit_workspace(report, reader, ws)
    return report


# -- showing ------------------------------------------------------------------------------------------


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
        _show_keys(ws)
        _show_members(ws)
        _show_tags(ws)
        _show_events(ws)
    out.rule("Findings", align="left")
    if report.findings:
        names = {w["id"]: w["name"] for w in report.workspaces}
        table = _table("", "kind", "workspace", "what")
        for f in report.findings:
            table.add_row(f["kind"], names.get(f["workspace_id"]) or f["workspace_id"] or "", f["message"])
        out.print(table)
    else:
        out.print("Nothing flagged.")
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


# -- the command ----------------------------------------------------------------------------------


def command(
    workspace_id: Annotated[
        str | None,
        typer.Option("--workspace-id", help="Audit this workspace (a client's, or the key's own)."),
    ] = None,
    all_: Annotated[
        bool,
        typer.Option("--all", help="Audit the agency's workspace and every accepted client in its group."),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Audit-log events since this date or date-time (ISO 8601; default: the last 50)."
        ),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            dir_okay=False,
            help="With --all: also write the access map, one self-contained HTML page (people x clients).",
        ),
    ] = None,
) -> None:
    """Keys by scope, members by role, group memberships, tag coverage and audit-log events;
    flags full-access keys, pending invitations and what no stack declares (exit 1)."""
    if (workspace_id is None) == (not all_):
        common.fail("give either --workspace-id ID or --all")
    if html is not None and not all_:
        common.fail("--html FILE draws every workspace of the group: give it with --all")
    ws = common.workspace_id(workspace_id) if workspace_id is not None else None
    at = parse_since(since) if since is not None else None
    with common.api_reader() as reader:
        report = collect(reader, ws, at)
    if html is not None:
        access_map.write(report.document(), html)
    if json_:
        common.print_json(report.document())
    else:
        show(report)
    raise typer.Exit(report.exit_code)
