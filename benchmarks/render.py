"""docs/benchmarks.md from one run's results: the tables, the bounds worked out, the goals checked."""

# The report is prose for people: "×" is the multiplication sign it means.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

from fleet import RATE, Variant
from harness import LATENCY, THREADS

FLEET_GOAL = 1.2
SINGLE_GOAL = 1.1
METHODS = ("GET", "POST", "PATCH", "DELETE")


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _verdict(ratio: float, goal: float) -> str:
    return f"**met** ({ratio:.2f}× ≤ {goal}×)" if ratio <= goal else f"**missed** ({ratio:.2f}× > {goal}×)"


def render(results: dict[str, Any], quick: bool) -> str:
    """The whole report."""
    m0, m1 = results["machine_before"], results["machine_after"]
    size = results["size"]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`benchmarks/run.py`) on {when} in {results['seconds'] / 60:.0f} minutes. "
        "Every number and every comparison below comes from this one run on this one machine; nothing is "
        "carried over from elsewhere.",
        "",
        f"- **Machine:** {m0['cores']} cores ({m0['cpu']}), Python {m0['python']}, Linux {m0['kernel']}.",
        f"- **Load average** (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in m0['load'])}; after: "
        f"{', '.join(f'{x:.1f}' for x in m1['load'])}. Other processes on the machine are not in the CPU "
        "times below, but they compete for the cores, so with a load above the core count every wall time "
        "is longer than the same work alone would take.",
        f"- **API:** the sandbox (a local Instantly API v2 server) with {LATENCY * 1000:.0f} ms added to "
        "every request (a fault rule with probability 1 and `delay_ms` on `/api/v2/*`).",
        "- **CPU** is the user + system time of every process a step ran (the fleet or `pulumi`, the "
        "language host, the program, the dynamic providers; all are waited for) plus the sandbox server's.",
    ]
    if quick:
        lines += [
            "",
            "> **Quick run** (`--quick`): scaled down to check the code runs; not the goals' sizes.",
        ]
    lines += _fleet(results["fleet"], size)
    lines += _single(results["single"], results["fixed"], size, results["fleet"])
    lines += _lifecycle(*results["lifecycle"])
    return "\n".join(lines) + "\n"


def _fleet(variants: list[Variant], size: dict[str, Any]) -> list[str]:
    sequential = variants[0]
    lines = [
        "",
        "## (a) The fleet against a sequential loop of `pulumi up`",
        "",
        f"{size['stacks']} client stacks of {size['members'] + 8} resources each ({size['members']} members, "
        "2 API keys, 3 tags, 3 tag assignments), created from nothing in fresh client workspaces by each "
        "variant. The loop runs `pulumi stack init` and `pulumi up --yes` (which previews first) stack "
        "after stack; the fleet runs `instantly-pulumi fleet up --parallel N`, which creates the stacks "
        "and runs each `up` without a preview pass.",
        "",
        "| variant | wall | speed-up vs loop | CPU, all processes | others' CPU | API requests | API time "
        "| bound | wall / bound | bound, other load | wall / that |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for v in variants:
        lines.append(
            f"| {v.name} | {_s(v.measure.wall)} | {sequential.measure.wall / v.measure.wall:.2f}× "
            f"| {_s(v.measure.cpu)} | {_s(v.measure.others)} | {v.measure.requests} | {_s(v.api_time())} "
            f"| {_s(v.bound())} | {v.measure.wall / v.bound():.2f}× | {_s(v.shared_bound())} "
            f"| {v.measure.wall / v.shared_bound():.2f}× |"
        )
    lines += [
        "",
        "**Bound** = max(CPU / cores, API time). *API time* is what the latency alone needs at the "
        f"concurrency allowed: {THREADS} provider calls per stack and N stacks at once, and the client's "
        f"rate budget ({RATE:.0f} requests a second for one agency key): max(R·L / ({THREADS}·N), "
        f"max over stacks of R_s·L / {THREADS}, R / {RATE:.0f}) with L = {LATENCY * 1000:.0f} ms. "
        "*Others' CPU* is what other processes on the machine used during the run (the machine's busy "
        "time from /proc/stat minus ours); *bound, other load* divides our CPU by the cores they left "
        "free on average instead of by all cores.",
        "",
    ]
    for v in variants[1:]:
        verdict = _verdict(v.measure.wall / v.bound(), FLEET_GOAL)
        shared = v.measure.wall / v.shared_bound()
        lines.append(
            f"- Goal, {v.name} within {FLEET_GOAL}× of its bound: {verdict}; "
            f"{shared:.2f}× of the bound given the other load."
        )
    return lines


def _single(
    single: dict[str, Any], fixed: dict[str, Any], size: dict[str, Any], variants: list[Variant]
) -> list[str]:
    resources = size["single"] + 8
    lines = [
        "",
        f"## (b) One stack of {resources} resources against its bound",
        "",
        f"Median of {size['reps']} runs, each creating the stack's objects from nothing in a fresh client "
        f"workspace. Bound = the same stack's no-op `up` + writes × {LATENCY * 1000:.0f} ms / {THREADS}.",
        "",
        "| `up` | wall | CPU | no-op `up` | writes | requests | bound | wall / bound |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, r in single.items():
        lines.append(
            f"| `pulumi {mode}` | {_s(r['up'].wall)} | {_s(r['up'].cpu)} | {_s(r['noop'].wall)} "
            f"| {r['writes']:.0f} | {r['requests']:.0f} | {_s(r['bound'])} | {r['ratio']:.2f}× |"
        )
    lines += [""]
    for mode, r in single.items():
        verdict = _verdict(r["ratio"], SINGLE_GOAL)
        lines.append(f"- Goal, `pulumi {mode}` within {SINGLE_GOAL}× of its bound: {verdict}.")
    steps = fixed["steps"]
    lines += [
        "",
        "### The fixed cost of a run, taken apart",
        "",
        f"Median of {size['fixed_reps']} runs of each step (none calls the API). Each row adds one piece "
        "of work to the row above; *adds* is the difference.",
        "",
        "| step | wall | adds | CPU | adds |",
        "|---|---:|---:|---:|---:|",
    ]
    names = list(steps)
    preview_row = next(n for n in names if n.startswith("preview,") and "no changes" in n)
    for i, name in enumerate(names):
        t = steps[name]
        base = steps[preview_row] if name.startswith("up ") else (steps[names[i - 1]] if i else None)
        add_wall = f"+{t.wall - base.wall:.2f} s" if base else ""
        add_cpu = f"+{t.cpu - base.cpu:.2f} s" if base else ""
        lines.append(f"| {name} | {_s(t.wall)} | {add_wall} | {_s(t.cpu)} | {add_cpu} |")
    noop_preview = steps[next(n for n in names if n.startswith("preview,") and "no changes" in n)]
    noop_skip = steps[next(n for n in names if n.startswith("up --skip-preview"))]
    noop_up = steps[next(n for n in names if n.startswith("up --yes"))]
    output = steps["pulumi stack output --show-secrets"]
    lines += [
        "",
        "(The two `up` rows add to the no-op preview row.)",
        "",
        f"- The dynamic provider process starts in {_s(fixed['provider_start'])} (`python -m pulumi.dynamic` "
        "until it listens); it starts once per run.",
        f"- Unpickling a provider takes {fixed['unpickle'] * 1e6:.0f} µs; the SDK caches one provider per "
        "pickle, so a run unpickles once per resource type (five at most), not once per call.",
        "",
        "### What the fleet saves per stack",
        "",
        f"- The preview pass: a no-op `up --yes` costs {_s(noop_up.wall)} ({_s(noop_up.cpu)} CPU), a no-op "
        f"`up --skip-preview` {_s(noop_skip.wall)} ({_s(noop_skip.cpu)} CPU): "
        f"{_s(noop_up.wall - noop_skip.wall)} wall and {_s(noop_up.cpu - noop_skip.cpu)} CPU saved per "
        f"stack; a no-op preview alone is {_s(noop_preview.wall)}.",
        f"- The Automation API's two calls after each operation (`pulumi stack output --show-secrets` and "
        f"`pulumi stack history`), about {_s(output.wall)} and {_s(output.cpu)} CPU each: the fleet reads "
        "the change counts from the engine's own events and never decrypts outputs.",
        "- `pulumi stack select` per stack: every command names `--stack`; `pulumi whoami` and "
        "`pulumi stack ls` run once per fleet run, side by side.",
        "- `fleet refresh` reads once (`--skip-preview`); plain `pulumi refresh` reads everything twice "
        "(see (c)).",
    ]
    lines += _where(steps, names, variants, single)
    return lines


def _where(
    steps: dict[str, Any], names: list[str], variants: list[Variant], single: dict[str, Any]
) -> list[str]:
    """Where the time goes, from the numbers above."""
    noop_skip = steps[next(n for n in names if n.startswith("up --skip-preview"))]
    version = steps["pulumi version"]
    export = steps["pulumi stack export"]
    output = steps["pulumi stack output --show-secrets"]
    empty = steps["preview, program importing pulumi only"]
    bare = steps["preview, this program, empty client"]
    full = steps[next(n for n in names if n.startswith("preview,") and "no changes" in n)]
    parts = Counter(
        {
            "the CLI process start": version.cpu,
            "backend and state read": export.cpu - version.cpu,
            "secrets provider": max(0.0, output.cpu - export.cpu),
            "engine, language host and a Python program": empty.cpu - export.cpu,
            "this project's imports and stack check": bare.cpu - empty.cpu,
            "resources: registrations, provider start, check and diff": full.cpu - bare.cpu,
            "update pass instead of preview (state written)": noop_skip.cpu - full.cpu,
        }
    )
    total = noop_skip.cpu
    lines = [
        "",
        "### Where the time goes",
        "",
        f"A no-op `up --skip-preview` (the fleet's unit of work) takes {_s(total)} of CPU:",
        "",
    ]
    for part, cpu in parts.most_common():
        lines.append(f"- {part}: {_s(cpu)} ({100 * cpu / total:.0f} %)")
    best = min(variants[1:], key=lambda v: v.measure.wall / v.bound())
    cpu_bound = best.measure.cpu / (os.cpu_count() or 1) >= best.api_time()
    lines += [
        "",
        f"With {len(variants[0].per_stack_requests)} stacks the fleet is "
        + ("**CPU-bound**" if cpu_bound else "**API-bound**")
        + f" on this machine: its best run ({best.name}) needs {_s(best.measure.cpu)} of CPU for "
        f"{_s(best.api_time())} of API time. Running stacks side by side overlaps one stack's waiting on "
        "the API with another's CPU, so past two to four stacks at once on two cores only less CPU per stack "
        "makes the fleet faster; that CPU is in the per-process starts listed above (the CLI, the language "
        "host, two Python processes — the program and the provider — each importing the Pulumi SDK, grpc "
        "and this project), not in the API calls.",
    ]
    return lines


def _lifecycle(resources: int, steps: list[tuple[str, Counter[str]]]) -> list[str]:
    lines = [
        "",
        "## (c) API requests per lifecycle step of one stack",
        "",
        f"One client stack of {resources} resources (the (a) client plus its group membership, adopted), "
        "counted in the sandbox's request log. Reads come from each collection's list (100 a page), "
        "shared by a process's resources, so a refresh costs one list call per type and page, not one "
        "GET per resource.",
        "",
        "| step | GET | POST | PATCH | DELETE | total |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for step, counts in steps:
        cells = " | ".join(str(counts.get(m, 0)) for m in METHODS)
        lines.append(f"| {step} | {cells} | {sum(counts.values())} |")
    return lines
