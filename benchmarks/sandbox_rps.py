"""Requests per second the sandbox serves on loopback (reads and writes), from N client threads.

.venv/bin/python benchmarks/sandbox_rps.py [--seconds 5] [--threads 4]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import httpx

from instantly_sandbox.testing import SandboxProcess


def hammer(
    base_url: str, key: str, path: str, body: dict[str, str] | None, seconds: float, threads: int
) -> float:
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def work(i: int) -> None:
        with httpx.Client(base_url=f"{base_url}/api/v2", headers={"Authorization": f"Bearer {key}"}) as c:
            n = 0
            while time.monotonic() < stop:
                resp = c.post(path, json={"label": f"t{i}-{n}"}) if body is not None else c.get(path)
                assert resp.status_code == 200, resp.text
                n += 1
            counts[i] = n

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    start = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts) / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SandboxProcess(Path(tmp) / "bench.db") as sb:
        _, key = sb.control.create_workspace("Bench")
        sb.control.set_limits(per_second=1_000_000, per_minute=10_000_000)
        reads = hammer(sb.base_url, key, "/workspaces/current", None, args.seconds, args.threads)
        writes = hammer(sb.base_url, key, "/custom-tags", {}, args.seconds, args.threads)
    print(f"sandbox on loopback, {args.threads} client threads: {reads:.0f} reads/s, {writes:.0f} writes/s")


if __name__ == "__main__":
    main()
