"""(c) API requests per lifecycle step of one client stack, from the sandbox's request log.

No latency is added (it changes no count). The stack is the (a) benchmark's client plus its group
membership (adopted), so every resource type is in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from harness import Bench, client


def run(bench: Bench, members: int) -> tuple[int, list[tuple[str, Counter[str]]]]:
    """(resources, [(step, requests by method)]) for preview, up, no-op runs, refreshes, a change, destroy."""
    world = bench.world()
    value = {**client(world, members), "group_membership": {"adopt": True}}
    cli = bench.project("lifecycle", {"one": value})
    cli.run("stack", "init", "one")
    steps: list[tuple[str, Counter[str]]] = []

    def count(step: str, action: Callable[[], Any]) -> None:
        bench.control.clear_requests()
        action()
        steps.append((step, Counter(r["method"] for r in bench.control.requests())))
        print(f"  {step}: {sum(steps[-1][1].values())} requests", flush=True)

    count("pulumi preview (nothing exists yet)", lambda: cli.run("preview", stack="one"))
    count("pulumi up --yes (create everything)", lambda: cli.run("up", stack="one"))
    count("pulumi preview (no changes)", lambda: cli.run("preview", stack="one"))
    count("pulumi up --yes (no changes)", lambda: cli.run("up", stack="one"))
    count("fleet refresh (one pass)", lambda: bench.fleet(cli, "refresh"))
    count("pulumi refresh --yes (preview pass + refresh pass)", lambda: cli.run("refresh", stack="one"))
    value["members"][0]["role"] = "editor"
    bench.write_stack(cli.project_dir, "one", value)
    count("pulumi up --yes (one member's role changed)", lambda: cli.run("up", stack="one"))
    count("fleet destroy --yes", lambda: bench.fleet(cli, "destroy", "--yes"))
    return members + 9, steps
