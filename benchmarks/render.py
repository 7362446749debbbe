"""docs/benchmarks.md from one run's results: the tables, the bounds worked out, the goals checked,
and where the time goes — every figure in the prose is computed from this run's measurements."""

# The report is prose for people: "×" is the multiplication sign it means.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

from dead_api import render as dead_api_section
from fleet import RATE, Variant
from harness import LATENCY, THREADS
from single_stack import CHECKPOINTS_OFF

FLEET_GOAL = 1.2
SINGLE_GOAL = 1.1
METHODS = ("GET", "POST", "PATCH", "DELETE")
CORES = os.cpu_count() or 1


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _busy(m: Any) -> str:
    return f"{100 * (m.cpu + m.others) / (CORES * m.wall):.0f} %"


def _verdict(ratio: float, goal: float) -> str:
    return f"**met** ({ratio:.2f}× ≤ {goal}×)" if ratio <= goal else f"**missed** ({ratio:.2f}× > {goal}×)"


def render(results: dict[str, Any], quick: bool) -> str:
    """The whole report."""
    m0, m1 = results["machine_before"], results["machine_after"]
    size = results["size"]
    when = results.get("finished") or time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
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
        "times below, but they compete for the cores: every table says how much CPU they took meanwhile.",
        f"- **API:** the sandbox (a local Instantly API v2 server) with {LATENCY * 1000:.0f} ms added to "
        "every request (a fault rule with probability 1 and `delay_ms` on `/api/v2/*`).",
        "- **CPU** is the user + system time of every process a step ran (the fleet or `pulumi`, the "
        "language host, the program, the dynamic providers; all are waited for) plus the sandbox server's. "
        "*Others' CPU* is the machine's busy time (/proc/stat) minus ours: what the rest of the machine "
        "used during the step.",
    ]
    if quick:
        lines += [
            "",
            "> **Quick run** (`--quick`): scaled down to check the code runs, not the goals' sizes.",
        ]
    lines += _fleet(results["fleet"], size)
    lines += _single(results["single"], size)
    lines += _fixed(results["fixed"], size)
    lines += _closing(results)
    lines += _lifecycle(*results["lifecycle"])
    if "rate" in results:
        lines += _rate(results["rate"])
    if "dead_api" in results:
        lines += dead_api_section(results["dead_api"])
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
        "| variant | wall | speed-up vs loop | CPU, all processes | CPU vs loop | others' CPU | machine busy "
        "| API requests | API time | bound | wall / bound |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for v in variants:
        lines.append(
            f"| {v.name} | {_s(v.measure.wall)} | {sequential.measure.wall / v.measure.wall:.2f}× "
            f"| {_s(v.measure.cpu)} | {v.measure.cpu / sequential.measure.cpu:.2f}× "
            f"| {_s(v.measure.others)} | {_busy(v.measure)} | {v.measure.requests} "
            f"| {_s(v.api_time())} | {_s(v.bound())} | {v.measure.wall / v.bound():.2f}× |"
        )
    lines += [
        "",
        f"**Bound** = max(CPU / cores, API time), the machine's {CORES} cores to this work alone. *API time* "
        f"is what the latency alone needs at the concurrency allowed: {THREADS} provider calls per stack "
        f"and N stacks at once, and the client's rate budget ({RATE:.0f} requests a second for one agency "
        f"key): max(R·L / ({THREADS}·N), max over stacks of R_s·L / {THREADS}, R / {RATE:.0f}) with "
        f"L = {LATENCY * 1000:.0f} ms. *Machine busy* is all processes' CPU, ours and others', over "
        "cores × wall: near 100 % the run got only the CPU the others left it, and its wall time says "
        "as much about the machine's load as about the fleet. The variants ran one after the other while "
        "the other load changed, so compare their wall times with that column in view; *CPU vs loop* "
        "does not depend on it.",
        "",
        "| fleet run | the fleet process's own CPU | start before the first stack "
        "| stacks running on average |",
        "|---|---:|---:|---:|",
    ]
    for v in variants[1:]:
        doc = v.measure.detail
        busy = sum(s["seconds"] or 0 for s in doc["stacks"]) / max(doc["seconds"], 1e-9)
        lines.append(
            f"| {v.name} | {_s(doc['fleet_cpu'])} ({100 * doc['fleet_cpu'] / v.measure.cpu:.0f} % of all) "
            f"| {_s(v.measure.wall - doc['seconds'])} | {busy:.1f} of {v.parallel} |"
        )
    lines += [
        "",
        "*Start* is the fleet's wall time before its stacks run: Python and the command line loading, the "
        "CLI's version check, `pulumi whoami` and `pulumi stack ls`.",
        "",
    ]
    for v in variants[1:]:
        verdict = _verdict(v.measure.wall / v.bound(), FLEET_GOAL)
        lines.append(
            f"- Goal, {v.name} within {FLEET_GOAL}× of its bound: {verdict}, with other processes using "
            f"{v.measure.others / v.measure.wall:.1f} of the {CORES} cores meanwhile."
        )
    return lines


def _single(single: dict[str, Any], size: dict[str, Any]) -> list[str]:
    resources = size["single"] + 8
    lines = [
        "",
        f"## (b) One stack of {resources} resources against its bound",
        "",
        f"Median of {size['reps']} runs of each, every run creating the stack's objects from nothing in a "
        "fresh client workspace, the variants taking turns. Bound = the same stack's no-op `up` + writes × "
        f"{LATENCY * 1000:.0f} ms / {THREADS}.",
        "",
        "| `up` | wall | CPU | others' cores | no-op `up` | writes | requests | bound | wall / bound |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, r in single.items():
        lines.append(
            f"| `pulumi {mode}` | {_s(r['up'].wall)} | {_s(r['up'].cpu)} | {r['others']:.1f} "
            f"| {_s(r['noop'].wall)} | {r['writes']:.0f} | {r['requests']:.0f} | {_s(r['bound'])} "
            f"| {r['ratio']:.2f}× |"
        )
    lines += [
        "",
        "*Others' cores*: the CPU other processes used during the create, per second of it.",
        "",
    ]
    for mode, r in single.items():
        if mode != CHECKPOINTS_OFF:
            verdict = _verdict(r["ratio"], SINGLE_GOAL)
            lines.append(f"- Goal, `pulumi {mode}` within {SINGLE_GOAL}× of its bound: {verdict}.")
    off, on = single[CHECKPOINTS_OFF], single["up --skip-preview"]
    lines.append(
        f"- The last row is not how anything here runs: without a checkpoint after every step the same "
        f"create takes {_s(off['up'].cpu)} of CPU instead of {_s(on['up'].cpu)} — the state the engine "
        "writes after each of the writes (the whole stack's state, each time). It is shown to size that "
        "cost; a crash would then lose the run's state."
    )
    return lines


def _fixed(fixed: dict[str, Any], size: dict[str, Any]) -> list[str]:
    steps = fixed["steps"]
    names = list(steps)
    preview_row = _find(names, "preview,", "no changes")
    lines = [
        "",
        "### The fixed cost of a run, taken apart",
        "",
        f"Median of {size['fixed_reps']} runs of each step (none calls the API). Each row adds one piece "
        "of work to the row above (the two `up` rows to the no-op preview); *adds* is the difference.",
        "",
        "| step | wall | adds | CPU | adds |",
        "|---|---:|---:|---:|---:|",
    ]
    for i, name in enumerate(names):
        t = steps[name]
        base = steps[preview_row] if name.startswith("up ") else (steps[names[i - 1]] if i else None)
        add_wall = f"{t.wall - base.wall:+.2f} s" if base else ""
        add_cpu = f"{t.cpu - base.cpu:+.2f} s" if base else ""
        lines.append(f"| {name} | {_s(t.wall)} | {add_wall} | {_s(t.cpu)} | {add_cpu} |")
    noop_preview = steps[preview_row]
    noop_skip = steps[_find(names, "up --skip-preview")]
    noop_up = steps[_find(names, "up --yes")]
    output = steps["pulumi stack output --show-secrets"]
    lines += [
        "",
        f"- The dynamic provider process starts in {_s(fixed['provider_start'])} (`python -m pulumi.dynamic` "
        "until it listens), once per run.",
        f"- Unpickling a provider takes {fixed['unpickle'] * 1e6:.0f} µs; the SDK caches one provider per "
        "pickle, so a run unpickles once per resource type (five at most), not once per call.",
        "",
        "### What the fleet saves per stack",
        "",
        f"- The preview pass: a no-op `up --yes` costs {_s(noop_up.wall)} ({_s(noop_up.cpu)} CPU), a no-op "
        f"`up --skip-preview` {_s(noop_skip.wall)} ({_s(noop_skip.cpu)} CPU): "
        f"{_s(noop_up.wall - noop_skip.wall)} wall and {_s(noop_up.cpu - noop_skip.cpu)} CPU per stack. "
        f"A no-op preview alone is {_s(noop_preview.wall)} ({_s(noop_preview.cpu)} CPU).",
        f"- The Automation API's two calls after each operation (`pulumi stack output --show-secrets` and "
        f"`pulumi stack history`), about {_s(output.wall)} and {_s(output.cpu)} CPU each: the fleet reads "
        "the change counts from the engine's own events and never decrypts outputs.",
        "- `pulumi stack select` per stack: every command names `--stack`; `pulumi whoami` and "
        "`pulumi stack ls` run once per fleet run, one after the other (two CLIs opening a new "
        "PostgreSQL backend at once can collide creating its table).",
        "- `fleet refresh` reads once (`--skip-preview`); plain `pulumi refresh` reads everything twice "
        "(see (c)).",
    ]
    return lines


def _find(names: list[str], prefix: str, contains: str = "") -> str:
    return next(n for n in names if n.startswith(prefix) and contains in n)


def _closing(results: dict[str, Any]) -> list[str]:
    """Where the time goes and what would close the gaps, from the numbers above."""
    variants: list[Variant] = results["fleet"]
    single = results["single"]
    steps = results["fixed"]["steps"]
    names = list(steps)
    noop_skip = steps[_find(names, "up --skip-preview")]
    version, export = steps["pulumi version"], steps["pulumi stack export"]
    output = steps["pulumi stack output --show-secrets"]
    empty = steps["preview, program importing pulumi only"]
    bare = steps["preview, this program, empty client"]
    full = steps[_find(names, "preview,", "no changes")]
    parts = Counter(
        {
            "the CLI process start": version.cpu,
            "backend and state read": export.cpu - version.cpu,
            "secrets provider (the passphrase's key derivation)": output.cpu - export.cpu,
            "engine, language host and a Python program importing the SDK": empty.cpu - export.cpu,
            "this project's imports and the stack file's check": bare.cpu - empty.cpu,
            "the resources: registrations, the provider's start, check and diff": full.cpu - bare.cpu,
            "the update pass instead of a preview": noop_skip.cpu - full.cpu,
        }
    )
    total = noop_skip.cpu
    resources = results["size"]["single"] + 8
    best = min(variants[1:], key=lambda v: v.measure.wall / v.bound())
    per_stack = best.measure.cpu / len(best.per_stack_requests)
    checkpoints = single["up --skip-preview"]["up"].cpu - single[CHECKPOINTS_OFF]["up"].cpu
    skip = single["up --skip-preview"]
    reads = skip["requests"] - skip["writes"]
    lines = [
        "",
        "## Where the time goes, and what would close the gaps",
        "",
        f"A no-op `up --skip-preview` of {resources} resources (the fleet's unit of fixed cost) takes "
        f"{_s(total)} of CPU:",
        "",
    ]
    for part, cpu in parts.most_common():
        lines.append(f"- {part}: {_s(cpu)} ({100 * cpu / total:.0f} %)")
    lines += [
        "",
        _bound_paragraph(best, per_stack),
        "",
        "What would take CPU off each stack, largest first (none of it is the API):",
        "",
        f"- The engine's checkpoints: a create of {resources} resources spends {_s(checkpoints)} of CPU "
        "writing the stack's whole state after every step (the `PULUMI_SKIP_CHECKPOINTS` row in (b)). "
        "Pulumi's option to skip them trades away the state of an interrupted run, so the fleet leaves "
        "them on.",
        f"- Starting the program — the engine, the language host, a Python process importing the Pulumi SDK "
        f"and this project, the stack file's check: {_s(bare.cpu - export.cpu)} per stack, of which this "
        f"project's imports and check are {_s(bare.cpu - empty.cpu)}; importing less in the program (the "
        "stack model without the resource clients) would trim that part.",
        f"- The passphrase secrets provider derives its key in every CLI run "
        f"({_s(max(0.0, output.cpu - export.cpu))}): a cloud KMS secrets provider moves that off the "
        "machine.",
        f"- Per resource, about {1000 * (full.cpu - bare.cpu) / resources:.0f} ms of CPU for registration "
        "and the provider's check and diff (engine, SDK and gRPC), the provider's own process start "
        f"({_s(results['fixed']['provider_start'])} wall) included; unpickling is not a factor (see (b)).",
        "",
        f"**The single stack.** With `--skip-preview`, a create of {resources} resources made "
        f"{skip['requests']:.0f} requests, {reads:.0f} of them reads that the write-only bound does not "
        "count, and its tag assignments wait for their tags, so its last writes run fewer than four at a "
        f"time. Those reads and that tail, the checkpoints above ({_s(checkpoints)} of CPU), and "
        f"{skip['others']:.1f} cores' worth of other work on the machine meanwhile make up its distance "
        f"to the bound ({skip['ratio']:.2f}×).",
    ]
    return lines


def _bound_paragraph(best: Variant, per_stack: float) -> str:
    cpu_bound = best.measure.cpu / CORES >= best.api_time()
    kind = "CPU-bound" if cpu_bound else "API-bound"
    text = (
        f"**The fleet is {kind} here.** Its best run ({best.name}) spent {_s(best.measure.cpu)} of CPU "
        f"({_s(per_stack)} per stack) against {_s(best.api_time())} of API time, on {CORES} cores. "
        "Running stacks side by side hides one stack's waiting on the API behind another's CPU"
    )
    text += (
        "; past that, only less CPU per stack or more free cores make it faster."
        if cpu_bound
        else "; more stacks at once (a larger --parallel) would hide more of it."
    )
    plain = best.measure.wall / best.bound()
    others = best.measure.others / best.measure.wall
    text += (
        f" It ran at {plain:.2f}× of its bound while other processes used {others:.1f} of the {CORES} cores"
    )
    text += (
        f" and the machine was {_busy(best.measure)} busy: the CPU it did not get went to them."
        if best.measure.cpu + best.measure.others >= 0.9 * CORES * best.measure.wall
        else f"; the machine was {_busy(best.measure)} busy, so the rest is the fleet's start and the "
        "run's tail (the second table of (a)): cores idle while the last stacks wait on the API."
    )
    own = best.measure.detail["fleet_cpu"] / best.measure.cpu
    return (
        text
        + f" The fleet's own process took {100 * own:.0f} % of the CPU: the rest is each stack's processes."
    )


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


def _rate(r: dict[str, Any]) -> list[str]:
    limit = r["limit"]
    fleet, separate = r["fleet"], r["separate"]
    lines = [
        "",
        "## (d) The rate budget across stacks",
        "",
        f"{r['stacks']} client stacks of {r['resources']} resources created at once, while the sandbox "
        f"allows the agency key {limit} requests a second and {limit * 60} a minute across all the client "
        "workspaces it acts in (`per: key_workspace`, the pessimistic reading of Instantly's rule), and "
        f"`INSTANTLY_RATE_PER_SECOND={limit}` tells the client so. The client plans for at most 90 % of a "
        "limit. *Rate* is the requests over the time they were flowing, *busiest second* the most in any "
        "second, both sampled from the sandbox's request log every half second.",
        "",
        "| run | wall | requests | refused with 429 | rate | busiest second |",
        "|---|---:|---:|---:|---:|---:|",
        f"| `fleet up --parallel {r['stacks']}`: one budget shared | {_s(fleet['wall'])} "
        f"| {fleet['requests']} | {fleet['refused']} "
        f"| {fleet['rate']:.1f}/s ({100 * fleet['rate'] / limit:.0f} % of the limit) "
        f"| {fleet['busiest']:.1f}/s |",
        f"| {r['stacks']} × `pulumi up` at once: a budget each | {_s(separate['wall'])} "
        f"| {separate['requests']} | {separate['refused']} "
        f"| {separate['rate']:.1f}/s ({100 * separate['rate'] / limit:.0f} % of the limit) "
        f"| {separate['busiest']:.1f}/s |",
        "",
        f"Each separate process takes the whole limit for its own, so together they offer up to "
        f"{r['stacks']} times the limit: the API refused {separate['refused']} requests, which the client "
        f"waited out and sent again ({r.get('separate_failed', 0)} of the {r['stacks']} runs failed). The "
        "fleet's stacks spend one budget: "
        + ("no request was refused" if fleet["refused"] == 0 else f"{fleet['refused']} requests were refused")
        + f", at {100 * fleet['rate'] / limit:.0f} % of the limit while requests were flowing.",
    ]
    return lines
