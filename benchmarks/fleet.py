"""(a) The fleet at several --parallel against a sequential loop of `pulumi up`, on fresh client stacks.

Every variant gets its own fresh client workspaces, project and backend, so each run creates the same
resources from nothing. The loop is what an agency runs today: for each stack, `pulumi stack init`
then `pulumi up --yes` (which previews first). The fleet creates missing stacks itself.

The bound of a run is ``max(CPU / cores, API time)``: CPU is every process's (see harness.py); API
time is the latency the requests need at the concurrency allowed — four provider calls per stack,
``parallel`` stacks at once, and the client's rate budget (90 % of 100 requests a second):
``max(R·L / (4·P), max over stacks of R_s·L / 4, R / 90)`` for R requests of latency L.
"""

# The report is prose for people: "×" is the multiplication sign it means.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from harness import LATENCY, THREADS, Bench, Measure, client

RATE = 90.0
"""Requests a second the client's budget plans for one agency key (MARGIN × 100)."""


@dataclass
class Variant:
    """One way of applying the fleet, measured."""

    name: str
    parallel: int
    measure: Measure
    per_stack_requests: list[int]

    def api_time(self) -> float:
        """Seconds the API latency alone needs (see the module docstring)."""
        total = sum(self.per_stack_requests)
        concurrency = THREADS * min(self.parallel, len(self.per_stack_requests))
        longest = max(self.per_stack_requests, default=0) * LATENCY / THREADS
        return max(total * LATENCY / concurrency, longest, total / RATE)

    def bound(self) -> float:
        """``max(CPU / cores, API time)``: the machine to itself."""
        return max(self.measure.cpu / (os.cpu_count() or 1), self.api_time())


def run(bench: Bench, stacks: int, members: int, parallels: list[int]) -> list[Variant]:
    """The sequential loop, then the fleet at each of ``parallels``."""
    variants: list[Variant] = []

    def fresh(label: str) -> Any:
        values = {f"client{i:02d}": client(bench.world(), members) for i in range(stacks)}
        return bench.project(label, values), list(values)

    cli, names = fresh("sequential")
    per_stack: list[int] = []

    def loop() -> None:
        for name in names:
            before = len(bench.control.requests())
            cli.run("stack", "init", name)
            cli.run("up", stack=name)  # `pulumi up --yes`: previews first, as users run it
            per_stack.append(len(bench.control.requests()) - before)

    variants.append(Variant("sequential `pulumi up --yes`", 1, bench.measure(loop), per_stack))
    print(f"  sequential: {variants[-1].measure.wall:.1f}s", flush=True)

    for parallel in parallels:
        cli, _names = fresh(f"fleet-p{parallel}")
        measured = bench.measure(lambda cli=cli, p=parallel: bench.fleet(cli, "up", "--parallel", str(p)))
        requests = [s["api_requests"] for s in measured.detail["stacks"]]
        variants.append(Variant(f"fleet up --parallel {parallel}", parallel, measured, requests))
        print(f"  fleet --parallel {parallel}: {measured.wall:.1f}s", flush=True)
    return variants
