"""``instantly-pulumi audit``: who has access to what, and what nobody declared.

Steps 2, 4 and 5 of the agency's access-control routine (shared/rbac-guide.md),
for one workspace or every workspace of the agency's group:

* each workspace's profile (name, logo URL);
* API keys by scope; a key with ``all:all`` or any other ``all:*`` is flagged;
* members by role, pending invitations flagged;
* the group's memberships by status (pending and rejected flagged);
* which campaigns and accounts each tag covers;
* recent audit-log events (time, user, activity, affected ids); a plan without
  audit logs is reported as such, not as an error;
* run in the project directory, keys and members that no stack's state holds
  (:mod:`.managed`), flagged.

Each finding (:class:`~instantly_cli.access.Finding`) has a stable id, and
``audit-waivers.yaml`` (:mod:`.waivers`) accepts some until a date. Exit 0:
nothing flagged, or everything waived; 1: a finding counts; 2: something could
not be read (the report still shows the rest). ``--person`` is :mod:`.person`;
the tables are :mod:`.audit_tables`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from instantly_cli import access_map, common, person, waivers
from instantly_cli.access import Finding
from instantly_cli.audit_sections import audit_workspace, group
from instantly_cli.audit_tables import show
from instantly_cli.fleet.stacks import Project
from instantly_cli.managed import Managed, StateReadError, read_project
from instantly_cli.waivers import Waivers
from instantly_cli.workspace_reader import WorkspaceReader, api_time
from instantly_pulumi.errors import ConfigurationError

Obj = dict[str, Any]


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
    findings: list[Finding] = field(default_factory=list)
    errors: list[Obj] = field(default_factory=list)
    waivers: Waivers = field(default_factory=lambda: Waivers(file=None))

    def flag(
        self,
        kind: str,
        workspace_id: str,
        message: str,
        object_id: str | None = None,
        *,
        subject: str | None = None,
    ) -> None:
        """Record something to look at (exit 1 unless waived). ``subject`` is the object's natural
        key (an email, a key's name), from which with the kind and workspace its stable id is made."""
        self.findings.append(
            Finding(
                kind=kind,
                workspace_id=workspace_id,
                subject=subject or object_id or workspace_id,
                message=message,
                object_id=object_id,
            )
        )

    def error(self, workspace_id: str | None, section: str, exc: Exception) -> None:
        """Record what could not be read (exit 2)."""
        self.errors.append({"workspace_id": workspace_id, "section": section, "message": str(exc)})

    @property
    def exit_code(self) -> int:
        """2 when something could not be read, else 1 when a finding counts (flagged, and not
        covered by a waiver that holds today), else 0."""
        if self.errors:
            return common.ERROR
        return common.PROBLEMS if any(f.counts for f in self.findings) else common.OK

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
            "findings": [f.document() for f in self.findings],
            "waivers": self.waivers.document(),
            "errors": self.errors,
            "exit_code": self.exit_code,
        }


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
    group(report, reader, only=client)
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


# -- the command ----------------------------------------------------------------------------------


def waivers_file(given: str | None) -> Waivers:
    """``--waivers FILE``, else ``audit-waivers.yaml`` at the project root (the directory holding
    ``Pulumi.yaml``, here or above; outside a project, here). A mistake exits 2 naming it."""
    if given is not None:
        path, required = Path(given), True
    else:
        try:
            root = Project.find(Path.cwd()).root
        except ConfigurationError:
            root = Path.cwd()
        path, required = root / waivers.DEFAULT_FILE, False
    try:
        return waivers.load(path, required=required)
    except waivers.WaiverError as exc:
        common.fail(str(exc))


def command(
    workspace_id: Annotated[
        str | None,
        typer.Option("--workspace-id", help="Audit this workspace (a client's, or the key's own)."),
    ] = None,
    all_: Annotated[
        bool,
        typer.Option("--all", help="Audit the agency's workspace and every accepted client in its group."),
    ] = False,
    person_: Annotated[
        str | None,
        typer.Option(
            "--person",
            help="Where this person (an email) has access: every workspace the key reaches, their role "
            "there, and which stack file declares them.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Audit-log events since this date or date-time (ISO 8601; default: the last 50)."
        ),
    ] = None,
    waivers_: Annotated[
        str | None,
        typer.Option(
            "--waivers",
            help=f"Accepted findings (default: {waivers.DEFAULT_FILE} at the project root, if there is one).",
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
    flags full-access keys, pending invitations and what no stack declares (exit 1 unless waived).
    With --person: one person's access across every workspace."""
    if person_ is not None:
        if workspace_id is not None or all_ or since is not None or waivers_ is not None or html is not None:
            common.fail("--person goes alone (with --json): it reads every workspace the key reaches")
        person.command(person_, json_=json_)
        return
    if (workspace_id is None) == (not all_):
        common.fail("give either --workspace-id ID or --all (or --person EMAIL)")
    if html is not None and not all_:
        common.fail("--html FILE draws every workspace of the group: give it with --all")
    ws = common.workspace_id(workspace_id) if workspace_id is not None else None
    at = parse_since(since) if since is not None else None
    accepted = waivers_file(waivers_)
    with common.api_reader() as reader:
        report = collect(reader, ws, at)
    report.waivers = accepted
    waivers.apply(
        accepted,
        report.findings,
        today=datetime.now(UTC).date(),
        complete=ws is None and not report.errors,
        unmanaged_checked=report.managed.checked,
    )
    if html is not None:
        access_map.write(report.document(), html)
    if json_:
        common.print_json(report.document())
    else:
        show(report)
    raise typer.Exit(report.exit_code)
