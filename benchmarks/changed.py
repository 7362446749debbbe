"""(h) `fleet up --changed` against plain `fleet up`: many stacks, one of them changed.

    .venv/bin/python benchmarks/changed.py [--stacks 100] [--members 3] [--parallel 4] [--into FILE]

One project of ``--stacks`` small client stacks (``members + 2 keys + 2 × 3 tags`` resources each) on a
file backend, applied once by `fleet up` (not measured). Then, each with the sandbox's latency on:

1. one stack's file changes (a member's role), and `fleet up <that stack>` runs it alone: the cost of
   one stack's `up` through the fleet;
2. another stack's file changes, and `fleet up --changed` runs the project: the goal is (1) plus at
   most 2 s;
3. a third stack's file changes, and plain `fleet up` runs the project: every stack runs.

Standalone (it needs only `make cli` and the virtualenv); prints its Markdown section, and with
``--into docs/benchmarks.md`` puts it there in place of the previous one (`make bench` writes the
sections (a)-(d) and not this one: run this after it).
"""

# The report is prose for people: "×" is the multiplication sign it means.
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import LATENCY, Bench, Measure, client, machine

HEADING = "## (h) `fleet up --changed`:"
"""How the section begins (and how --into finds the previous one)."""


def run(bench: Bench, stacks: int, members: int, parallel: int) -> dict[str, Any]:
    """The three measured runs (see the module docstring) and what they did."""
    values = {f"client{i:03d}": client(bench.world(), members) for i in range(stacks)}
    cli = bench.project("changed", values)
    started = time.monotonic()
    bench.fleet(cli, "up", "--parallel", str(parallel))
    setup = time.monotonic() - started
    print(f"  setup: {stacks} stacks applied in {setup:.0f}s", flush=True)
    names = sorted(values)

    def change(name: str) -> None:
        value = values[name]
        value["members"][0]["role"] = "editor" if value["members"][0]["role"] == "view" else "view"
        bench.write_stack(cli.project_dir, name, value)

    loads: list[float] = []

    def measured(*args: str) -> Measure:
        m = bench.measure(lambda: bench.fleet(cli, "up", *args))
        loads.append(os.getloadavg()[0])  # other work on the machine skews wall time, not CPU time
        print(f"  fleet up {' '.join(args)}: {m.wall:.1f}s", flush=True)
        return m

    change(names[0])
    alone = measured(names[0])
    change(names[1])
    changed = measured("--changed", "--parallel", str(parallel))
    change(names[2])
    plain = measured("--parallel", str(parallel))
    return {
        "loads": loads,
        "stacks": stacks,
        "resources_per_stack": members + 2 + 2 * 3,
        "parallel": parallel,
        "setup": setup,
        "alone": alone,
        "changed": changed,
        "plain": plain,
    }


def _ran(m: Measure) -> str:
    results: dict[str, int] = m.detail.get("results", {})
    return ", ".join(f"{n} {state}" for state, n in sorted(results.items()))


def render(r: dict[str, Any], where: dict[str, Any]) -> str:
    """The Markdown section of docs/benchmarks.md."""
    alone, changed, plain = r["alone"], r["changed"], r["plain"]
    overhead, cpu = changed.wall - alone.wall, changed.cpu - alone.cpu
    rows = [
        ("one stack alone: `fleet up <stack>`", alone),
        (f"`fleet up --changed --parallel {r['parallel']}`", changed),
        (f"plain `fleet up --parallel {r['parallel']}`", plain),
    ]
    lines = [
        f"{HEADING} {r['stacks']} stacks, one changed",
        "",
        f"{r['stacks']} client stacks of {r['resources_per_stack']} resources on a `file://` backend, "
        f"applied once beforehand ({r['setup']:.0f} s). Each run below follows a change of one stack file "
        f"(a member's role); the sandbox adds {LATENCY * 1000:.0f} ms to every API request. "
        f"`benchmarks/changed.py`, run on its own on {where['date']} (not part of `make bench`'s run above), "
        f"on {where['cores']} cores ({where['cpu']}). *Load* is the "
        "machine's 1-minute load average just after the run: other work on the machine lengthens wall "
        "time, not CPU time.",
        "",
        "| run | stacks run | wall | CPU (all processes) | API requests | load |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for (label, m), load in zip(rows, r["loads"], strict=True):
        lines.append(f"| {label} | {_ran(m)} | {m.wall:.1f} s | {m.cpu:.1f} s | {m.requests} | {load:.1f} |")
    verdict = "met" if overhead <= 2.0 else "missed"
    lines += [
        "",
        f"`--changed` took {overhead:+.1f} s of wall time and {cpu:+.1f} s of CPU over the changed stack's "
        f"`up` alone (goal: at most +2 s of wall time, **{verdict}**), and "
        f"{plain.wall / changed.wall:.0f}× less wall time than plain `fleet up` ({plain.wall:.0f} s). What "
        "it adds to the one `up` is the fleet's own work — hashing the program, the library and "
        f"{r['stacks']} stack files, reading {r['stacks']} tag files, listing {r['stacks']} unchanged "
        "stacks in the report — since both runs make the same `pulumi stack ls`, `pulumi whoami` and "
        "`pulumi stack tag set`.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stacks", type=int, default=100)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--into", type=Path, help="put the section into this Markdown file")
    args = parser.parse_args()
    if args.stacks < 3:
        parser.error("--stacks: at least 3 (three runs, each after a change of another stack)")
    where = {**machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="instantly-bench-changed-") as tmp:
        bench = Bench(Path(tmp))
        try:
            results = run(bench, args.stacks, args.members, args.parallel)
        finally:
            bench.close()
    text = render(results, where)
    print(text)
    if args.into:
        args.into.write_text(into(args.into.read_text() if args.into.exists() else "", text))
        print(f"wrote the section into {args.into}")


def into(document: str, section: str) -> str:
    """``document`` with its section (e) replaced by ``section`` (appended when it has none)."""
    start = document.find(HEADING)
    if start < 0:
        return document.rstrip("\n") + "\n\n" + section
    end = document.find("\n## ", start + len(HEADING))
    rest = document[end + 1 :] if end >= 0 else ""
    return document[:start] + section + ("\n" + rest if rest else "")


if __name__ == "__main__":
    main()
