"""(e) A dead API: how long `pulumi preview` takes to say so, against a healthy preview of the same stack.

    .venv/bin/python benchmarks/dead_api.py [--reps 5] [--write-docs]

One client stack (one member) previewed against the sandbox, then with ``instantly:baseUrl`` at a
closed port on loopback, ``reps`` times each; the median and the range of the wall times, and the
attempts the error names. The difference between the two is what the dead API costs on top of a
preview's fixed cost (the engine, the language host, the program's start). No latency is added: a
refused connection does not wait for the API. Also part of ``make bench`` (benchmarks/run.py);
``--write-docs`` replaces section (e) of docs/benchmarks.md with this run's figures alone.
"""

# The report is prose for people: its en dashes are the range dashes they mean.
# ruff: noqa: RUF001

from __future__ import annotations

import argparse
import re
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import REPO, Bench, machine

BEFORE = (
    "Before the client told an unreachable API at once, it retried a refused connection like a 5xx "
    "(8 attempts with exponential backoff): the same script on the same machine on 2026-12-07 00:06 UTC "
    "(load average 14.4, 3 runs each) measured a median of 24.09 s against the closed port and 17.31 s "
    "against the sandbox, +6.77 s (issue 19 saw 11–15 s on a quieter machine)."
)
"""A one-off measurement of the previous client (commit 743d44f), kept as the comparison."""
ATTEMPTS = re.compile(r"ConnectError: [^;]*; (\d+) attempts?\)")


def closed_port() -> str:
    """A loopback URL nothing listens on (a port bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run(bench: Bench, reps: int) -> dict[str, Any]:
    """Wall times of ``reps`` healthy and ``reps`` closed-port previews of one stack, and the attempts."""
    world = bench.world()
    value = {"workspace_id": world.client_id, "members": [{"email": "ana@dead-api.example", "role": "view"}]}
    cli = bench.project("dead-api", {"dead": value})
    cli.run("stack", "init", "dead")
    healthy: list[float] = []
    dead: list[float] = []
    attempts: set[int] = set()
    for _ in range(reps):
        bench.write_stack(cli.project_dir, "dead", value)
        start = time.monotonic()
        cli.run("preview", stack="dead")
        healthy.append(time.monotonic() - start)
        url = closed_port()
        _point_at(bench, cli.project_dir, url)
        start = time.monotonic()
        proc = cli.run("preview", stack="dead", check=False)
        dead.append(time.monotonic() - start)
        out = " ".join((proc.stdout + proc.stderr).split())
        if proc.returncode == 0 or f"at {url} (ConnectError" not in out:
            raise RuntimeError(f"the closed-port preview did not fail as expected:\n{out[-2000:]}")
        attempts.update(int(n) for n in ATTEMPTS.findall(out))
        print(f"  healthy {healthy[-1]:.2f} s, closed port {dead[-1]:.2f} s", flush=True)
    return {"reps": reps, "healthy": healthy, "dead": dead, "attempts": sorted(attempts)}


def _point_at(bench: Bench, project: Path, url: str) -> None:
    from tests.worlds import update_stack_file

    update_stack_file(project / "stacks" / "Pulumi.dead.yaml", {"instantly:baseUrl": url})


def render(r: dict[str, Any], when: str = "") -> list[str]:
    """Section (e) of docs/benchmarks.md."""
    healthy, dead = statistics.median(r["healthy"]), statistics.median(r["dead"])
    tries = " or ".join(str(n) for n in r["attempts"]) or "?"
    lines = [
        "",
        "## (e) A dead API: `pulumi preview` against a closed port",
        "",
    ]
    if when:
        lines += [f"Measured on {when} by `benchmarks/dead_api.py` (also part of `make bench`).", ""]
    lines += [
        f"One client stack (one member), previewed {r['reps']} times against the sandbox and {r['reps']} "
        "times with `instantly:baseUrl` at a closed port on loopback (no latency added). The program's "
        "proof of access meets the refused connection; the error names the URL and what to check.",
        "",
        "| preview | median wall | range | attempts named in the error |",
        "|---|---:|---:|---:|",
        f"| against the sandbox | {healthy:.2f} s | {min(r['healthy']):.2f}–{max(r['healthy']):.2f} s | – |",
        f"| against a closed port | {dead:.2f} s | {min(r['dead']):.2f}–{max(r['dead']):.2f} s | {tries} |",
        "",
        f"Against the closed port the preview ends {abs(dead - healthy):.2f} s "
        f"{'sooner' if dead < healthy else 'later'} than a healthy one (medians): the client's two attempts, "
        "0.5 s apart, cost less than the reads and the provider a healthy preview goes on to. " + BEFORE,
    ]
    return lines


def _write_docs(lines: list[str]) -> Path:
    doc = REPO / "docs" / "benchmarks.md"
    text = doc.read_text()
    head, sep, rest = text.partition("\n## (e) ")
    tail = ""
    if sep:
        after = rest.split("\n## ", 1)
        tail = "\n## " + after[1] if len(after) > 1 else ""
    doc.write_text(head.rstrip("\n") + "\n" + "\n".join(lines) + "\n" + tail)
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--write-docs", action="store_true", help="replace section (e) of docs/benchmarks.md")
    args = parser.parse_args()
    before = machine()
    with tempfile.TemporaryDirectory(prefix="instantly-bench-") as tmp:
        bench = Bench(Path(tmp))
        try:
            result = run(bench, args.reps)
        finally:
            bench.close()
    after = machine()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = f"load average {before['load'][0]:.1f} before, {after['load'][0]:.1f} after"
    lines = render(result, f"{when} ({before['cores']} cores, {load})")
    print("\n".join(lines))
    if args.write_docs:
        print(f"wrote {_write_docs(lines)}")


if __name__ == "__main__":
    main()
