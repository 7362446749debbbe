"""What the fleet reports when it ends: a table for people, or one JSON document.

Both carry the same facts per stack: its result, the resources by kind of
change, the API requests its processes made, its duration, and — when it
failed or was cancelled — why and where its full log is; after ``up``, who
was added to its workspace and who removed; with ``--detect-drift``, each
drifted resource with its fields. The JSON shape is
documented in docs/cli/fleet.md.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from instantly_cli.fleet.runner import FINE, Fleet, StackRun

__all__ = ["STYLE", "changes_text", "document", "print_report"]

_ORDER = ("create", "update", "replace", "delete", "read", "refresh", "same")
STYLE = {
    "succeeded": "green",
    "failed": "bold red",
    "cancelled": "yellow",
    "not started": "dim",
    "skipped": "dim",
    "unchanged": "dim",
}
"""How each result is shown."""


def changes_text(changes: dict[str, int]) -> str:
    """``{"create": 3, "same": 20}`` → ``3 create, 20 same`` (the usual order)."""
    ranked = sorted(changes.items(), key=lambda kv: (_ORDER.index(kv[0]) if kv[0] in _ORDER else 99, kv[0]))
    return ", ".join(f"{n} {op}" for op, n in ranked if n)


def stack_document(run: StackRun) -> dict[str, Any]:
    """One stack's facts, as in the JSON document."""
    return {
        "name": run.name,
        "result": run.state,
        "changes": dict(run.changes),
        "api_requests": run.api_requests if run.state != "not started" else 0,
        "seconds": round(run.seconds, 2) if run.seconds is not None else None,
        "created": run.created,
        "new": run.new,
        "log": str(run.log) if run.log.exists() else None,
        "error": run.error,
        "pending_operations": run.pending_operations,
        "pending_cleared": run.pending_cleared,
        "drift": [d.document() for d in run.drift.drifts] if run.drift is not None else None,
        "why": run.why,
        "members": run.members.document() if run.members is not None else None,
    }


def document(fleet: Fleet, shard: str | None) -> dict[str, Any]:
    """The whole run as one JSON-ready document."""
    results = Counter(run.state for run in fleet.runs)
    return {
        "command": fleet.operation,
        "project": fleet.project.name,
        "backend": fleet.backend,
        "run_dir": str(fleet.run_dir),
        "parallel": fleet.parallel,
        "shard": shard,
        "rate_budget_file": str(fleet.budget_file),
        "interrupted": bool(fleet.interrupted),
        "seconds": round(fleet.seconds, 2),
        "ok": not fleet.interrupted and all(r.state in FINE for r in fleet.runs),
        "changed_only": fleet.changed_only,
        "results": dict(sorted(results.items())),
        "api_requests": sum(r.api_requests or 0 for r in fleet.runs),
        "detect_drift": fleet.detect_drift,
        "drifted": [r.name for r in fleet.runs if r.drift and r.drift.drifts] if fleet.detect_drift else None,
        "stacks": [stack_document(run) for run in fleet.runs],
    }


def _drift_cell(run: StackRun) -> Text:
    if run.state != "succeeded" or run.drift is None:
        return Text("—")
    found = run.drift.drifts
    if not found:
        return Text("none", style="green")
    resources = len({d.resource for d in found})
    return Text(f"{resources} resource{'s' if resources > 1 else ''} drifted", style="bold yellow")


def _why(run: StackRun) -> str:
    """For a stack ``--changed`` did not run: why not; else nothing to say."""
    return "nothing changed since its last fleet up" if run.state == "unchanged" else "—"


def print_report(console: Console, fleet: Fleet) -> None:
    """The summary table, then why each failed or cancelled stack stopped and where its log is."""
    command = fleet.operation + (" --detect-drift" if fleet.detect_drift else "")
    command += " --changed" if fleet.changed_only else ""
    table = Table(title=f"fleet {command} — {fleet.project.name}", title_justify="left")
    table.add_column("stack", style="bold")
    table.add_column("result")
    table.add_column("drift" if fleet.detect_drift else "changes")
    table.add_column("API requests", justify="right")
    table.add_column("duration", justify="right")
    for run in fleet.runs:
        requests = run.api_requests
        table.add_row(
            run.name,
            Text(run.state + (" (new)" if run.created or run.new else ""), style=STYLE.get(run.state, "")),
            _drift_cell(run) if fleet.detect_drift else changes_text(run.changes) or _why(run),
            "—" if requests is None or run.state == "not started" else str(requests),
            f"{run.seconds:.1f}s" if run.seconds is not None and run.state != "not started" else "—",
        )
    console.print(table)
    for run in fleet.runs:
        people = run.members.text() if run.members is not None else ""
        if people:
            console.print(f"{run.name}: {people}", highlight=False, markup=False, soft_wrap=True)
        if run.why:
            console.print(f"{run.name}: ran: {'; '.join(run.why)}", highlight=False, markup=False)
        for drift in run.drift.drifts if run.drift else ():
            console.print(f"{run.name}: {drift.text()}", highlight=False, markup=False, soft_wrap=True)
    for run in fleet.runs:
        if run.state in ("failed", "cancelled") or (run.state == "skipped" and run.error):
            console.print(Text(f"{run.name} {run.state}:", style=STYLE.get(run.state, "")), highlight=False)
            if run.error:
                for line in run.error.splitlines():
                    console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
            if run.pending_operations:
                console.print(
                    f"  {run.pending_operations} pending operation(s) left in the state: run "
                    f"`pulumi refresh --clear-pending-creates --stack {run.name}`",
                    highlight=False,
                    markup=False,
                )
            if run.state != "skipped":
                console.print(f"  log: {run.log}", highlight=False, markup=False, soft_wrap=True)
    counts = Counter(run.state for run in fleet.runs)
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing to run"
    total = sum(r.api_requests or 0 for r in fleet.runs)
    if fleet.detect_drift:
        drifted = [r.name for r in fleet.runs if r.drift and r.drift.drifts]
        summary += f"; {len(drifted)} drifted" if drifted else "; no drift"
    console.print(
        f"{len(fleet.runs)} stacks in {fleet.seconds:.1f}s (--parallel {fleet.parallel}): {summary}; "
        f"{total} API requests; backend {fleet.backend}; logs in {fleet.run_dir}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
