"""Killing a running `pulumi` as a closed laptop or a cancelled CI job does: SIGKILL, no clean-up.

Shared by the crash tests (tests/e2e/test_crash.py) and the crash soak (benchmarks/soak.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.worlds import ClientStack


def state_file(stack: ClientStack) -> Path:
    """The stack's checkpoint on its ``file://`` backend."""
    folder = stack.cli.state_dir / "backend" / ".pulumi" / "stacks"
    found = list(folder.glob(f"*/{stack.name}.json")) + list(folder.glob(f"*/{stack.name}.json.gz"))
    assert found, f"no checkpoint for {stack.name} in {folder}"
    return found[0]


def start(stack: ClientStack, *args: str) -> subprocess.Popen[str]:
    """``pulumi <args> --yes`` for the stack, in a session of its own (so a kill reaches the CLI, the
    language host, the program and the provider at once)."""
    argv = [
        str(Path(str(stack.cli.bin_dir)) / "pulumi"),
        *args,
        "--yes",
        "--non-interactive",
        "--stack",
        stack.name,
    ]
    return subprocess.Popen(
        argv,
        cwd=stack.cli.project_dir,
        env=stack.cli.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def kill(proc: subprocess.Popen[str]) -> str:
    """SIGKILL the whole session; return what it printed."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    return out or ""


def pending(stack: ClientStack) -> list[dict[str, Any]]:
    """The pending operations Pulumi recorded in the stack's state."""
    deployment = stack.state()["deployment"]
    return list(deployment.get("pending_operations") or [])


def wait_for_pending(stack: ClientStack, proc: subprocess.Popen[str], timeout: float = 180) -> bool:
    """Wait until the running operation has journalled a pending operation (a create or delete in
    flight); False if the process ended first."""
    path = state_file(stack)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if '"pending_operations"' in path.read_text():
                return True
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no pending operation within {timeout}s")


def locked(stack: ClientStack) -> bool:
    """Whether a lock of a killed run is left on the stack."""
    locks = stack.cli.state_dir / "backend" / ".pulumi" / "locks"
    return any(p.suffix == ".json" for p in locks.rglob(f"{stack.name}/*"))


def recover(stack: ClientStack, command: str = "up") -> subprocess.CompletedProcess[str]:
    """The documented recovery: `pulumi cancel --yes` where a lock remains, then the same command."""
    if locked(stack):
        stack.cli.run("cancel", "--yes", stack=stack.name)
    return stack.run(command, step=f"recovery: {command} after a kill")


def stack_json(stack: ClientStack) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(stack.cli.run("stack", "export", stack=stack.name).stdout)
    return result
