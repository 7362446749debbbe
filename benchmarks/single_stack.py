"""(b) One stack of 50 resources against its bound, and where the fixed cost of a run goes.

The bound of an `up` that creates W objects is a no-op `up` of the same stack (the fixed cost: CLI,
engine, program, provider, state) plus W writes of latency L, four at a time: ``no-op + W·L/4``.
It is measured both ways Pulumi runs `up`: `pulumi up --yes` (a preview pass first, what users
type) and `--skip-preview` (what the Automation API, and so the fleet, runs).

The fixed cost is then taken apart by running ever larger pieces of the same work, each a few
times (the median is kept), with no latency (none of these steps calls the API):

- `pulumi version`: the CLI process starts;
- `pulumi stack export`: + the backend and the state read;
- `pulumi stack output --show-secrets`: + the secrets provider (passphrase key derivation, decryption);
- `pulumi preview` of a program that only imports pulumi: + the engine, the language host, a Python
  program start;
- `pulumi preview` of this project's program with an empty client: + this project's imports and
  the stack file check;
- `pulumi preview` of the 50-resource stack, no changes: + 50 registrations, the dynamic provider's
  start, 50 check and diff calls;
- `pulumi up --skip-preview`, no changes: the update pass instead (+ the state written back);
- `pulumi up --yes`, no changes: a preview pass, then the update pass.

Two pieces are also timed directly: the dynamic provider process's start (``python -m
pulumi.dynamic`` until it prints its port) and unpickling a provider (``dill.loads``; the SDK
caches one provider per pickle, so a process unpickles once per resource type, not per call).
"""

from __future__ import annotations

import base64
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dill
from harness import LATENCY, REPO, THREADS, Bench, Measure, client

from instantly_cli.pulumi_runner import PulumiCLI

CHECKPOINTS_OFF = "up --skip-preview, PULUMI_SKIP_CHECKPOINTS=true"


@dataclass
class Timed:
    """Median wall and CPU seconds of a repeated step."""

    wall: float
    cpu: float


def median(samples: list[Measure]) -> Timed:
    """The median wall and the median CPU of ``samples``."""
    return Timed(statistics.median(m.wall for m in samples), statistics.median(m.cpu for m in samples))


def bounds(bench: Bench, members: int, reps: int) -> dict[str, Any]:
    """Create-`up` against ``no-op up + W·L/4``, both with a preview pass and with --skip-preview."""
    modes = {
        "up --yes": ((), {}),
        "up --skip-preview": (("--skip-preview",), {}),
        # Not how the fleet runs (a crash would lose the state of the run): measured to show what the
        # engine's checkpoint after every step costs.
        CHECKPOINTS_OFF: (("--skip-preview",), {"PULUMI_SKIP_CHECKPOINTS": "true"}),
    }
    ups: dict[str, list[Measure]] = {mode: [] for mode in modes}
    noops: dict[str, list[Measure]] = {mode: [] for mode in modes}
    for rep in range(reps):  # the modes take turns, so a change in the machine's load hits them alike
        for i, (mode, (flags, env)) in enumerate(modes.items()):
            cli = bench.project(f"single-{i}-{rep}", {"one": client(bench.world(), members)})
            cli.env = {**cli.env, **env}
            cli.run("stack", "init", "one")
            ups[mode].append(bench.measure(lambda cli=cli, f=flags: cli.run("up", *f, stack="one")))
            noops[mode].append(bench.measure(lambda cli=cli, f=flags: cli.run("up", *f, stack="one")))
            assert noops[mode][-1].requests == 0, noops[mode][-1]
    out: dict[str, Any] = {}
    for mode in modes:
        writes = statistics.median(m.writes for m in ups[mode])
        up, noop = median(ups[mode]), median(noops[mode])
        bound = noop.wall + writes * LATENCY / THREADS
        out[mode] = {
            "up": up,
            "noop": noop,
            "writes": writes,
            "requests": statistics.median(m.requests for m in ups[mode]),
            "others": statistics.median(m.others / m.wall for m in ups[mode]),
            "bound": bound,
            "ratio": up.wall / bound,
        }
        print(f"  {mode}: {up.wall:.2f}s against a bound of {bound:.2f}s", flush=True)
    return out


def _empty_program(bench: Bench) -> PulumiCLI:
    folder = bench.root / "empty-program"
    (folder / "project").mkdir(parents=True, exist_ok=True)
    (folder / "project" / "Pulumi.yaml").write_text(
        "name: empty\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
        f"    virtualenv: {REPO / '.venv'}\nmain: .\n"
    )
    (folder / "project" / "__main__.py").write_text("import pulumi  # noqa: F401\n")
    return PulumiCLI(folder / "project", folder / "state", "bench", bin_dir=bench.bin)


def fixed_costs(bench: Bench, members: int, reps: int) -> dict[str, Any]:
    """The no-op preview and up taken apart (see the module docstring)."""
    world = bench.world()
    stacks = {"full": client(world, members), "bare": {"workspace_id": world.client_id}}
    cli = bench.project("fixed", stacks)
    for name in stacks:
        cli.run("stack", "init", name)
    bench.latency(True)
    cli.run("up", "--skip-preview", stack="full")
    cli.run("up", "--skip-preview", stack="bare")
    bench.latency(False)
    empty = _empty_program(bench)
    empty.run("stack", "init", "e")

    def timed(run: Any) -> Timed:
        samples = []
        for _ in range(reps):
            samples.append(bench.measure(run))
            bench.latency(False)
        assert all(s.requests == 0 for s in samples), "a fixed-cost step called the API"
        return median(samples)

    steps = {
        "pulumi version": timed(lambda: cli.run("version")),
        "pulumi stack export": timed(lambda: cli.run("stack", "export", stack="full")),
        "pulumi stack output --show-secrets": timed(
            lambda: cli.run("stack", "output", "--show-secrets", "--json", stack="full")
        ),
        "preview, program importing pulumi only": timed(lambda: empty.run("preview", stack="e")),
        "preview, this program, empty client": timed(lambda: cli.run("preview", stack="bare")),
        f"preview, {members + 8} resources, no changes": timed(lambda: cli.run("preview", stack="full")),
        f"up --skip-preview, {members + 8} resources, no changes": timed(
            lambda: cli.run("up", "--skip-preview", stack="full")
        ),
        f"up --yes, {members + 8} resources, no changes": timed(lambda: cli.run("up", stack="full")),
    }
    return {"steps": steps, "provider_start": _provider_start(reps), "unpickle": _unpickle()}


def _provider_start(reps: int) -> float:
    """Seconds until ``python -m pulumi.dynamic`` (as the launcher runs it) listens."""
    python = Path(sys.executable)
    samples = []
    for _ in range(reps):
        start = time.monotonic()
        proc = subprocess.Popen([python, "-u", "-m", "pulumi.dynamic"], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        proc.stdout.readline()
        samples.append(time.monotonic() - start)
        proc.kill()
        proc.wait()
        proc.stdout.close()
    return statistics.median(samples)


def _unpickle() -> float:
    """Seconds to unpickle one provider as the SDK does (base64, then dill)."""
    from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider

    blob = base64.b64encode(dill.dumps(WorkspaceMemberProvider(), protocol=dill.HIGHEST_PROTOCOL))
    start = time.perf_counter()
    for _ in range(1000):
        dill.loads(base64.b64decode(blob))  # noqa: S301 - our own pickle, as the SDK loads it
    return (time.perf_counter() - start) / 1000
