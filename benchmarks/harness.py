"""What the benchmarks share: a sandbox with latency added to every API request, client workspaces,
Pulumi projects on this repository's program, and measuring a step's wall time, CPU time and requests.

CPU time is that of every process a step ran (the fleet or ``pulumi``, the language host, the
program, the providers: children are counted once they are waited for, and every one of these is)
plus the sandbox server's own, read from /proc. Other load on the machine is not in it, so the
bound ``max(CPU / cores, API time)`` is what this work alone would need.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test helpers build client workspaces the same way the tests do

from instantly_cli.demo import write_project  # noqa: E402
from instantly_cli.pulumi_runner import PulumiCLI, find_pulumi_bin  # noqa: E402
from instantly_pulumi.stack import CONFIG_KEY, PROJECT  # noqa: E402
from instantly_sandbox.testing import Fault, SandboxProcess  # noqa: E402
from tests.worlds import World, make_world, update_stack_file  # noqa: E402

LATENCY = 0.150
"""Seconds the sandbox adds to every API request during measurements."""
THREADS = 4
"""Provider calls one stack runs at once (the dynamic provider's gRPC pool)."""
FLEET = REPO / ".venv" / "bin" / "instantly-pulumi"
_TICK = os.sysconf("SC_CLK_TCK")


def client(world: World, members: int, keys: int = 2, tags: int = 3) -> dict[str, Any]:
    """A client stack value of ``members + keys + 2 * tags`` resources (a tag and its campaign assignment)."""
    slug = world.client_id[-8:]
    return {
        "workspace_id": world.client_id,
        "members": [{"email": f"m{i:03d}-{slug}@bench.example", "role": "view"} for i in range(members)],
        "api_keys": [{"name": f"key-{i}", "scopes": ["campaigns:read"]} for i in range(keys)],
        "tags": [{"label": f"Tag {i}", "campaigns": world.campaigns[:2]} for i in range(tags)],
    }


@dataclass
class Measure:
    """One measured step."""

    wall: float
    cpu: float
    requests: int
    writes: int
    detail: dict[str, Any] = field(default_factory=dict)
    others: float = 0.0
    """CPU seconds other processes on the machine used meanwhile (the machine's busy time minus ours)."""


class Bench:
    """A sandbox (with :data:`LATENCY` on while measuring), an agency, and projects under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = find_pulumi_bin(REPO)
        if self.bin is None:
            raise SystemExit("no Pulumi CLI: run `make cli`")
        self.sandbox = SandboxProcess(root / "sandbox.db").start()
        self.control = self.sandbox.control
        # The rate limits are not what is measured here: generous, per acted workspace (the API's
        # documented reading); the client's own budget still keeps each process under 100/s.
        self.control.set_limits(per_second=10_000, per_minute=600_000)
        agency, self.agency_key = self.control.create_workspace("Bench agency")
        self.agency = (agency["id"], self.agency_key)
        self._worlds = 0

    def close(self) -> None:
        """Stop the sandbox."""
        self.sandbox.stop()

    def world(self) -> World:
        """A fresh client workspace in the agency's group (made without latency)."""
        self._worlds += 1
        self.control.clear_faults()
        return make_world(self.control, self.sandbox.base_url, f"bench{self._worlds}", agency=self.agency)

    def project(self, name: str, stacks: dict[str, dict[str, Any]]) -> PulumiCLI:
        """A project directory with one stack file per client value, and its own file backend."""
        folder = self.root / name
        write_project(folder / "project")
        for stack, value in stacks.items():
            self.write_stack(folder / "project", stack, value)
        return PulumiCLI(
            project_dir=folder / "project",
            state_dir=folder / "state",
            passphrase=secrets.token_hex(8),
            bin_dir=self.bin,
            env={"INSTANTLY_API_KEY": self.agency_key},
        )

    def write_stack(self, project: Path, stack: str, value: dict[str, Any]) -> None:
        """Write the client value into stacks/Pulumi.<stack>.yaml, keeping what Pulumi wrote there."""
        update_stack_file(
            project / "stacks" / f"Pulumi.{stack}.yaml",
            {"instantly:baseUrl": self.sandbox.base_url, f"{PROJECT}:{CONFIG_KEY}": value},
        )

    def latency(self, on: bool = True) -> None:
        """Add :data:`LATENCY` to every API request (or stop adding it)."""
        if on:
            self.control.set_faults([Fault.delay(int(LATENCY * 1000), path="/api/v2/*")])
        else:
            self.control.clear_faults()

    def sandbox_cpu(self) -> float:
        """CPU seconds the sandbox server has used so far."""
        proc = self.sandbox._proc  # the benchmark needs its pid; SandboxProcess keeps it private
        assert proc is not None
        return process_cpu(proc.pid)

    def measure(self, step: Callable[[], Any]) -> Measure:
        """Run ``step`` with latency on; its wall time, CPU time (children + sandbox) and API requests."""
        self.latency(True)
        self.control.clear_requests()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        sandbox_before = self.sandbox_cpu()
        busy_before = machine_busy()
        start = time.monotonic()
        detail = step()
        wall = time.monotonic() - start
        busy = machine_busy() - busy_before
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cpu += self.sandbox_cpu() - sandbox_before
        log = self.control.requests()
        self.latency(False)
        writes = sum(1 for r in log if r["method"] != "GET")
        detail = detail if isinstance(detail, dict) else {}
        return Measure(wall, cpu, len(log), writes, detail, others=max(0.0, busy - cpu))

    def fleet(self, cli: PulumiCLI, *args: str) -> dict[str, Any]:
        """``instantly-pulumi fleet <args> --json`` in ``cli``'s project; its document, with the fleet
        process's own CPU seconds (its threads, not the ``pulumi`` processes) as ``fleet_cpu``."""
        proc = subprocess.Popen(
            [str(FLEET), "fleet", *args, "--json"],
            cwd=cli.project_dir,
            env=cli.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        own = 0.0
        out: list[tuple[str, str]] = []
        reader = threading.Thread(target=lambda: out.append(proc.communicate(timeout=3600)))
        reader.start()
        while reader.is_alive():
            own = max(own, process_cpu(proc.pid))
            reader.join(0.05)
        stdout, stderr = out[0] if out else ("", "")
        if proc.returncode != 0:
            raise RuntimeError(f"fleet {' '.join(args)} exited {proc.returncode}:\n{stderr[-3000:]}")
        doc: dict[str, Any] = json.loads(stdout)
        doc["fleet_cpu"] = own
        return doc


def process_cpu(pid: int) -> float:
    """CPU seconds process ``pid`` itself has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, every process), from /proc/stat."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / _TICK  # guest time is already in user


def machine() -> dict[str, Any]:
    """The machine the numbers come from."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load": os.getloadavg(),
    }
