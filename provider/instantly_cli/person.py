"""``instantly-pulumi audit --person EMAIL``: where one person has access, across every client.

Every workspace the agency key reaches — its own and every client accepted into its group — is
read with one member listing each (20 members are one page), side by side in threads over the one
client, so the shared rate budget (:mod:`instantly_pulumi.throttle`) paces them: for N clients,
N + 3 requests (the key's own workspace, the group, and one listing per workspace). Each workspace
then says the person's role, permissions and whether they accepted, and which stack file declares
them (:mod:`.declared`); a workspace a stack declares them in but the key cannot read (an invitation
into the group still pending) is listed as unreachable.

Emails match whatever their case. Exit 0: every access found is declared; 1: the person has access
no stack file declares; 2: a workspace or a stack file could not be read.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from instantly_cli import common, declared
from instantly_cli.access import PersonReport, Seat
from instantly_cli.workspace_reader import WorkspaceReader, api_time
from instantly_pulumi import models
from instantly_pulumi.errors import ApiError, AuthenticationError

__all__ = ["collect", "command", "show"]

WORKERS = 8
"""Workspaces read at once: enough to keep the rate budget busy, few enough for a small machine."""


def collect(reader: WorkspaceReader, email: str, stacks: declared.Declared) -> PersonReport:
    """``email`` in the key's own workspace and every accepted client, and where stacks declare it."""
    report = PersonReport(email=email, project=str(stacks.root) if stacks.root else None)
    report.errors += stacks.errors
    if stacks.root is None:
        report.notes.append(
            "not run in a Pulumi project (no Pulumi.yaml here or above): which stack declares the person "
            "was not looked up"
        )
    own = reader.own_workspace()
    seats = [Seat(workspace_id=own["id"], workspace_name=own.get("name"), agency=True)]
    seats += [
        Seat(workspace_id=g["sub_workspace_id"], workspace_name=g.get("sub_workspace_name"), agency=False)
        for g in reader.group_members()
        if g.get("status") == "accepted"
    ]
    wanted = email.casefold()

    def read(seat: Seat) -> None:
        try:
            members = reader.members(seat.workspace_id)
        except AuthenticationError:
            raise
        except ApiError as exc:
            seat.error = str(exc)
            return
        seat.member = next((m for m in members if str(m.get("email", "")).casefold() == wanted), None)

    with ThreadPoolExecutor(max_workers=max(1, min(WORKERS, len(seats)))) as pool:
        list(pool.map(read, seats))  # list(): re-raises the first error (a refused key)
    reached = {s.workspace_id for s in seats}
    for stack in stacks.stacks:
        ws = stack.client.workspace_id
        if ws not in reached and stacks.declarations(email, ws):
            reached.add(ws)
            seats.append(Seat(workspace_id=ws, workspace_name=None, agency=False, reachable=False))
    for seat in seats:
        seat.declared = stacks.declarations(email, seat.workspace_id)
        seat.stacks = [s.name for s in stacks.of(seat.workspace_id)]
    report.seats = seats
    report.requests = reader.client.requests_sent
    return report


def document(report: PersonReport) -> dict[str, object]:
    """The one JSON document of ``audit --person --json`` (docs/cli/audit.md describes it)."""
    return {
        "person": report.email,
        "generated_at": api_time(datetime.now(UTC)),
        "project": report.project,
        "summary": report.summary,
        "workspaces": [s.document() for s in report.seats],
        "notes": report.notes,
        "errors": report.errors,
        "requests": report.requests,
        "exit_code": report.exit_code,
    }


STATUS = {
    "declared": "",
    "undeclared": "NO STACK DECLARES",
    "missing": "declared, not in the workspace",
    "unreachable": "declared; the key cannot read the workspace",
    "unreadable": "COULD NOT READ",
}


def show(report: PersonReport) -> None:
    """A table of the workspaces where the person is, or is declared, and a one-line summary."""
    table = Table(title=f"Access of {report.email}", title_justify="left")
    for column in ("workspace", "role", "permissions", "invitation", "declared in", "flag"):
        table.add_column(column, overflow="fold")
    for seat in report.seats:
        if seat.status == "absent":
            continue
        m = seat.member or {}
        name = (seat.workspace_name or seat.workspace_id) + (" (agency)" if seat.agency else "")
        declared_in = ", ".join(
            f"{d.line_in} (team, stack {d.stack})" if d.via == "team" else d.file for d in seat.declared
        )
        table.add_row(
            name,
            str(m.get("role") or ""),
            ", ".join(m.get("permissions") or []),
            "" if seat.member is None else ("accepted" if m.get("accepted") else "PENDING"),
            declared_in or "-",
            seat.error or STATUS[seat.status],
        )
    out = common.console
    if any(s.status != "absent" for s in report.seats):
        out.print(table)
    s = report.summary
    out.print(
        f"{report.email}: member of {s['member_of']} of {s['workspaces']} workspaces "
        f"({s['pending']} pending); {s['declared']} declared, {s['undeclared']} undeclared, "
        f"{s['missing']} declared but missing; {report.requests} API requests.",
        highlight=False,
    )
    for note in report.notes:
        out.print(f"note: {note}", highlight=False)
    for error in report.errors:
        common.errors.print(f"error: {error}", markup=False, highlight=False, soft_wrap=True)


def command(email: str, *, json_: bool) -> None:
    """Run ``audit --person``: exit 0, 1 (undeclared access) or 2."""
    email = email.strip()
    if not models.is_email(email):
        common.fail(f"--person {email!r} is not an email address")
    stacks = declared.read(Path.cwd())
    with common.api_reader() as reader:
        report = collect(reader, email, stacks)
    if json_:
        common.print_json(document(report))
    else:
        show(report)
    raise typer.Exit(report.exit_code)
