"""`make bench`: every benchmark in one run on this machine, written to docs/benchmarks.md.

    .venv/bin/python benchmarks/run.py [--quick] [--out docs/benchmarks.md]
    .venv/bin/python benchmarks/run.py --render .state/bench/last.json   # the report again, no measuring

(a) the fleet at --parallel 1, 4 and 8 against a sequential loop of `pulumi up` (fleet.py);
(b) one 50-resource stack's `up` against its bound, and its fixed cost taken apart (single_stack.py);
(c) API requests per lifecycle step of one stack (lifecycle.py);
(d) the rate budget shared by the stacks of a fleet, against separate processes (rate.py);
(e) a dead API: `pulumi preview` against a closed port, against a healthy one (dead_api.py).
``--quick`` is a scaled-down sanity run of the same code (a few stacks, few resources); its numbers
say nothing about the goals and it writes to .state/bench/quick.md unless --out is given.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import Counter
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import dead_api
import fleet
import lifecycle
import rate
import single_stack
from harness import LATENCY, REPO, Bench, Measure, machine
from render import render

FULL = {
    "stacks": 20,
    "members": 17,
    "parallels": [1, 4, 8],
    "single": 42,
    "reps": 3,
    "fixed_reps": 5,
    "rate_stacks": 8,
    "rate_members": 40,
    "dead_reps": 5,
}
QUICK = {
    "stacks": 4,
    "members": 3,
    "parallels": [1, 2],
    "single": 6,
    "reps": 1,
    "fixed_reps": 1,
    "rate_stacks": 3,
    "rate_members": 6,
    "dead_reps": 1,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a scaled-down sanity run")
    parser.add_argument("--out", type=Path, help="where to write the report")
    parser.add_argument("--render", type=Path, help="write the report from a run's raw numbers (JSON)")
    args = parser.parse_args()
    out = args.out or (
        REPO / ".state" / "bench" / "quick.md" if args.quick else REPO / "docs" / "benchmarks.md"
    )
    if args.render:
        results = load(json.loads(args.render.read_text()))
        out.write_text(render(results, quick=results["size"] == QUICK) + kept_sections(out))
        print(f"wrote {out} from {args.render}")
        return
    size = QUICK if args.quick else FULL
    results: dict[str, Any] = {"size": size, "latency": LATENCY, "machine_before": machine()}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="instantly-bench-") as tmp:
        bench = Bench(Path(tmp))
        try:
            print("(c) API requests per lifecycle step", flush=True)
            results["lifecycle"] = lifecycle.run(bench, size["members"])
            print("(b) one stack against its bound", flush=True)
            results["single"] = single_stack.bounds(bench, size["single"], size["reps"])
            print("(b) the fixed cost of a run, taken apart", flush=True)
            results["fixed"] = single_stack.fixed_costs(bench, size["single"], size["fixed_reps"])
            print("(d) the rate budget across stacks", flush=True)
            results["rate"] = rate.run(bench, size["rate_stacks"], size["rate_members"])
            print("(e) a dead API", flush=True)
            results["dead_api"] = dead_api.run(bench, size.get("dead_reps", 1))
            print("(a) the fleet against a sequential loop", flush=True)
            results["fleet"] = fleet.run(bench, size["stacks"], size["members"], size["parallels"])
        finally:
            bench.close()
    results["machine_after"] = machine()
    results["seconds"] = time.monotonic() - started
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(results, quick=args.quick) + kept_sections(out))
    raw = REPO / ".state" / "bench" / ("quick.json" if args.quick else "last.json")
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(results, default=_plain, indent=2))
    print(f"wrote {out} (raw numbers: {raw}) in {results['seconds']:.0f}s")


def kept_sections(page: Path) -> str:
    """The sections of ``page`` that standalone benchmarks wrote between ``<!-- name:begin -->`` and
    ``<!-- name:end -->`` markers (``python -m benchmarks.access_map --write-docs``): this run does
    not measure them, so it carries them over."""
    if not page.is_file():
        return ""
    blocks = re.finditer(r"<!-- ([\w-]+):begin -->.*?<!-- \1:end -->", page.read_text(), re.S)
    return "".join(f"\n{m[0]}\n" for m in blocks)


def load(raw: dict[str, Any]) -> dict[str, Any]:
    """A run's results from its raw JSON (the dataclasses rebuilt), for --render."""
    results = dict(raw)
    results["fleet"] = [
        fleet.Variant(v["name"], v["parallel"], Measure(**v["measure"]), v["per_stack_requests"])
        for v in raw["fleet"]
    ]
    results["single"] = {
        mode: {**r, "up": single_stack.Timed(**r["up"]), "noop": single_stack.Timed(**r["noop"])}
        for mode, r in raw["single"].items()
    }
    results["fixed"] = {
        **raw["fixed"],
        "steps": {k: single_stack.Timed(**t) for k, t in raw["fixed"]["steps"].items()},
    }
    resources, steps = raw["lifecycle"]
    results["lifecycle"] = (resources, [(step, Counter(counts)) for step, counts in steps])
    return results


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return str(value)


if __name__ == "__main__":
    main()
