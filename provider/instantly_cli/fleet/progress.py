"""What the fleet shows while it runs, on stderr.

On a terminal: a live display (rich) with one line per running stack — its
name, the resource steps in flight and done, the time so far — under a line
of totals. Elsewhere (CI logs, a pipe): one plain line when a stack starts and
one when it ends. Engine output never reaches the screen; it is in each
stack's log file.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from instantly_cli.fleet.report import STYLE, changes_text
from instantly_cli.fleet.runner import FINISHED, StackRun

__all__ = ["Progress"]

_VERBS = {
    "create": "creating",
    "update": "updating",
    "delete": "deleting",
    "replace": "replacing",
    "create-replacement": "creating replacements",
    "delete-replaced": "deleting replaced",
    "refresh": "reading",
    "read": "reading",
}


class Progress:
    """Shows ``runs`` of ``operation`` on ``console`` while a fleet runs; :meth:`tick` after each change."""

    def __init__(self, console: Console, operation: str, runs: Sequence[StackRun]) -> None:
        self.console = console
        self.operation = operation
        self.runs = runs
        self.live = console.is_terminal
        """Whether the display is live (a terminal) or plain lines (a log)."""
        self._seen: dict[str, str] = {}
        self._spinners: dict[str, Spinner] = {}
        self._live: Live | None = None

    def __enter__(self) -> Progress:
        if self.live:
            self._live = Live(
                get_renderable=self._render, console=self.console, refresh_per_second=8, transient=True
            )
            self._live.start()
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.stop()

    def tick(self, note: str | None) -> None:
        """Print ``note`` (if any) and, without a live display, the stacks that started or ended."""
        if note:
            self.console.print(f"[bold yellow]{note}[/]", highlight=False)
        if self.live:
            return
        for run in self.runs:
            if self._seen.get(run.name) == run.state:
                continue
            self._seen[run.name] = run.state
            if run.state == "running":
                self.console.print(f"{run.name}: {self.operation} started", highlight=False)
            elif run.state in FINISHED:
                self.console.print(Text.assemble(f"{run.name}: ", self._outcome(run)), highlight=False)

    def _outcome(self, run: StackRun) -> Text:
        parts = [run.state]
        if run.seconds is not None and run.state != "not started":
            parts.append(f"in {run.seconds:.1f}s")
        if run.changes:
            parts.append(f"({changes_text(run.changes)})")
        if run.api_requests:
            parts.append(f"{run.api_requests} API requests")
        if run.state in ("failed", "cancelled"):
            parts.append(f"— log: {run.log}")
        return Text(" ".join(parts), style=STYLE.get(run.state, ""))

    def _render(self) -> RenderableType:
        counts = Counter(run.state for run in self.runs)
        finished = sum(counts[s] for s in FINISHED)
        totals = [f"{self.operation}: {finished}/{len(self.runs)} done"]
        totals += [f"{counts[s]} {s}" for s in ("running", "failed", "cancelled", "queued") if counts[s]]
        grid = Table.grid(padding=(0, 2))
        now = time.monotonic()
        for run in self.runs:
            if run.state != "running":
                continue
            spinner = self._spinners.setdefault(run.name, Spinner("dots", style="cyan"))
            active = Counter(run.in_flight())
            doing = ", ".join(f"{_VERBS.get(op, op)} {n}" for op, n in sorted(active.items()))
            activity = " · ".join(filter(None, [doing, f"{run.done} done"]))
            elapsed = f"{now - run.started:.0f}s" if run.started else ""
            grid.add_row(spinner, Text(run.name, style="bold"), Text(activity), Text(elapsed, style="dim"))
        return Group(Text(" · ".join(totals), style="bold"), grid)
