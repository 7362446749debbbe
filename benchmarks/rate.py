"""(d) The rate budget across stacks: 8 stacks at once against a sandbox that limits the agency key.

The sandbox charges every request to the calling key's own workspace (`per: key_workspace`, the
pessimistic reading of Instantly's rule), with a limit low enough that the API, not the CPU, is what
bounds the run. Two ways to run the same 8 stacks at once are compared:

- `instantly-pulumi fleet up --parallel 8`: every stack process spends one shared budget;
- 8 plain `pulumi up --skip-preview` started together: each process has a budget of its own.

For each: the requests, how many were refused with 429 (and retried by the client), the wall time,
and the rate achieved while requests were flowing, sampled from the sandbox's request log.
"""

from __future__ import annotations

import subprocess
import threading
import time
from typing import Any

from harness import Bench, client

LIMIT = 20
"""Requests a second the sandbox allows the agency key (and 60 times that a minute)."""


def _sampled(bench: Bench, action: Any) -> dict[str, Any]:
    """Run ``action`` while sampling the request log's length; the rate while requests flowed."""
    bench.control.clear_requests()
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.monotonic(), len(bench.control.requests())))
            done.wait(0.5)

    sampler = threading.Thread(target=sample)
    start = time.monotonic()
    sampler.start()
    try:
        action()
    finally:
        done.set()
        sampler.join()
    wall = time.monotonic() - start
    log = bench.control.requests()
    samples.append((time.monotonic(), len(log)))
    total = len(log)
    # The flow starts between the last sample that saw no request and the first that saw one, and
    # ends between the last that saw fewer than all and the first that saw all: take the midpoints.
    begin = _between([t for t, n in samples if n == 0], [t for t, n in samples if n > 0])
    end = _between([t for t, n in samples if n < total], [t for t, n in samples if n == total])
    busiest = max(
        ((n2 - n1) / (t2 - t1) for (t1, n1), (t2, n2) in zip(samples, samples[2:], strict=False) if t2 > t1),
        default=0.0,
    )
    return {
        "wall": wall,
        "requests": total,
        "refused": sum(1 for r in log if r["status"] == 429),
        "rate": total / (end - begin) if begin is not None and end is not None and end > begin else 0.0,
        "busiest": busiest,
    }


def _between(before: list[float], after: list[float]) -> float | None:
    """Midway from the last time in ``before`` to the first in ``after`` (the log only grows, so the
    one precedes the other); None when either is empty."""
    return (max(before) + min(after)) / 2 if before and after else None


def run(bench: Bench, stacks: int, members: int) -> dict[str, Any]:
    """The fleet, then separate processes, on fresh stacks each; the sandbox limits the agency key."""
    env = {"INSTANTLY_RATE_PER_SECOND": str(LIMIT), "INSTANTLY_RATE_PER_MINUTE": str(LIMIT * 60)}
    out: dict[str, Any] = {"limit": LIMIT, "stacks": stacks, "resources": members + 8}

    values = {f"rate{i}": client(bench.world(), members) for i in range(stacks)}
    cli = bench.project("rate-fleet", values)
    cli.env = {**cli.env, **env}
    bench.control.set_limits(per_second=LIMIT, per_minute=LIMIT * 60, per="key_workspace")
    try:
        out["fleet"] = _sampled(bench, lambda: bench.fleet(cli, "up", "--parallel", str(stacks)))
        print(f"  fleet: {out['fleet']['refused']} refused, {out['fleet']['rate']:.1f}/s", flush=True)

        values = {f"rate{i}": client(bench.world(), members) for i in range(stacks)}
        bench.control.set_limits(per_second=LIMIT, per_minute=LIMIT * 60, per="key_workspace")
        solo = bench.project("rate-separate", values)
        solo.env = {**solo.env, **env}
        for name in values:
            solo.run("stack", "init", name)

        def separately() -> None:
            procs = [
                subprocess.Popen(
                    [
                        str(solo.bin_dir) + "/pulumi",
                        "up",
                        "--yes",
                        "--skip-preview",
                        "--non-interactive",
                        "--stack",
                        name,
                    ],
                    cwd=solo.project_dir,
                    env=solo.environment(),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for name in values
            ]
            codes = [p.wait() for p in procs]
            out["separate_failed"] = sum(1 for c in codes if c != 0)

        out["separate"] = _sampled(bench, separately)
        print(
            f"  separate: {out['separate']['refused']} refused, {out['separate']['rate']:.1f}/s", flush=True
        )
    finally:
        bench.control.set_limits(per_second=10_000, per_minute=600_000)
    return out
