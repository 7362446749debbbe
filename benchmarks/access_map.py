"""The access map at agency scale: `instantly-pulumi audit --all --html FILE` over 50 clients of 20
members each (issue 18, "Done when"): its API requests, wall time, CPU and the page's size.

    .venv/bin/python -m benchmarks.access_map [--clients 50] [--members 20] [--write-docs]

The agency (a project of its own: Pulumi.yaml with an agency team of 3, one stack per client) is
applied by `fleet up` before anything is measured: each client declares 16 members of its own, the
team, 2 narrow API keys and a tag; then one member per client is added by hand (access no stack
declares) and every invitation but that one is accepted. Every workspace also has the key it was
made with (`all:all`, flagged). The audit then runs twice with 150 ms added to every API request
(harness.LATENCY): in the project directory (it also reads every stack's state with `pulumi stack
export`, to tell declared from undeclared access) and outside it (the API's reads alone).

``--write-docs`` puts the figures between the ``access-map`` markers of docs/benchmarks.md (make
bench keeps that section when it rewrites the page).
"""

# The report is prose for people: "×" is the multiplication sign it means.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from benchmarks.harness import FLEET, LATENCY, REPO, Bench, Measure, machine
from tests.worlds import World

PAGE = REPO / "docs" / "benchmarks.md"
TEAM = [
    {"email": "ops@agency.example", "access": "manager"},
    {"email": "am@agency.example", "access": "viewer", "nickname": "Account manager"},
    {"email": "lead@agency.example", "access": "admin"},
]


@dataclass
class Run:
    """One measured `audit --all --html`."""

    where: str
    measure: Measure
    exit_code: int
    page_bytes: int
    people: int
    workspaces: int
    per_endpoint: dict[str, int]


def client_value(world: World, own: int) -> dict[str, Any]:
    """A client stack: ``own`` members of its own (presets), 2 narrow keys, one tag."""
    slug = world.client_id[-8:]
    presets = ("sdr", "viewer", "manager", "sdr")
    return {
        "workspace_id": world.client_id,
        "members": [
            {"email": f"p{i:02d}-{slug}@client.example", "access": presets[i % len(presets)]}
            for i in range(own)
        ],
        "api_keys": [
            {"name": "reporting", "scopes": ["campaigns:read"]},
            {"name": "crm-sync", "scopes": ["leads:read", "leads:update"]},
        ],
        "tags": [{"label": "Outbound", "campaigns": world.campaigns[:2]}],
    }


def endpoint(path: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", path.removeprefix("/api/v2"))


def setup(bench: Bench, clients: int, members: int) -> tuple[Any, list[World]]:
    """The project, applied; then the undeclared members, and invitations accepted."""
    own = members - len(TEAM) - 1  # the team, and one added by hand
    worlds = [bench.world() for _ in range(clients)]
    cli = bench.project("map", {f"client{i:02d}": client_value(w, own) for i, w in enumerate(worlds)})
    settings = yaml.safe_load((cli.project_dir / "Pulumi.yaml").read_text())
    settings["config"] = {"instantly-clients:agency": {"value": {"team": TEAM}}}
    (cli.project_dir / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    start = time.monotonic()
    doc = bench.fleet(cli, "up", "--parallel", "4")
    print(f"  fleet up of {clients} stacks: {time.monotonic() - start:.0f}s, ok={doc.get('ok')}", flush=True)
    for world in worlds:
        with world.api() as api:
            resp = api.post(
                "/workspace-members",
                json={"email": f"by-hand-{world.client_id[-8:]}@elsewhere.example", "role": "admin"},
            )
            resp.raise_for_status()
            stray = resp.json()["id"]
        for m in world.list("/workspace-members"):
            if not m["accepted"] and m["id"] != stray:
                bench.control.accept_member(m["id"])
    return cli, worlds


def audit(bench: Bench, cli: Any, cwd: Path, page: Path, where: str) -> Run:
    env = {**cli.environment(), "INSTANTLY_BASE_URL": bench.sandbox.base_url}
    result: dict[str, Any] = {}

    def step() -> None:
        proc = subprocess.run(
            [str(FLEET), "audit", "--all", "--json", "--html", str(page)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        result["proc"] = proc

    measure = bench.measure(step)
    proc = result["proc"]
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"audit exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    per_endpoint = Counter(f"{r['method']} {endpoint(r['path'])}" for r in bench.control.requests())
    doc = json.loads(proc.stdout)
    summary = re.search(r"access map: .* \((\d+) people x (\d+) workspaces", proc.stderr)
    assert summary is not None, proc.stderr[-2000:]
    assert not doc["errors"], doc["errors"]
    return Run(
        where=where,
        measure=measure,
        exit_code=proc.returncode,
        page_bytes=page.stat().st_size,
        people=int(summary[1]),
        workspaces=int(summary[2]),
        per_endpoint=dict(per_endpoint),
    )


def markdown(runs: list[Run], clients: int, members: int, finished: str, info: dict[str, Any]) -> str:
    lines = [
        f"Measured by `python -m benchmarks.access_map --clients {clients} --members {members}` on "
        f"{finished}: {info['cores']} cores ({info['cpu']}), load average before "
        f"{', '.join(f'{x:.1f}' for x in info['load'])}. The agency's workspace and {clients} clients "
        f"accepted into its group; each client has {members} members besides its owner (a team of "
        f"{len(TEAM)} from Pulumi.yaml, {members - len(TEAM) - 1} of its own, 1 added by hand that no "
        "stack declares), 3 API keys and a tag; "
        f"{int(LATENCY * 1000)} ms added to every API request.",
        "",
        "| run | wall | CPU, all processes | others' CPU meanwhile | API requests | page "
        "| people × workspaces |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.where} | {r.measure.wall:.1f} s | {r.measure.cpu:.1f} s | {r.measure.others:.1f} s | "
            f"{r.measure.requests} | "
            f"{r.page_bytes / 1024:.0f} KiB | {r.people} × {r.workspaces} |"
        )
    first, second = runs[0], runs[-1]
    wall, cpu = first.measure.wall - second.measure.wall, first.measure.cpu - second.measure.cpu
    per_ws = first.measure.requests / max(first.workspaces, 1)
    lines += [
        "",
        "Requests by endpoint (in the project): "
        + ", ".join(f"`{k}` {v}" for k, v in sorted(first.per_endpoint.items(), key=lambda kv: -kv[1]))
        + f". That is {per_ws:.1f} a workspace: the workspace, its members, keys, tags, tag mappings, "
        "campaigns (to name what a tag covers) and the last 50 audit-log events, plus the group's "
        "memberships once. The page itself costs no request: it is drawn from the same reads.",
        "",
        f"The audit reads the workspaces one after another, so the API's latency alone needs requests × "
        f"{int(LATENCY * 1000)} ms ({first.measure.requests * LATENCY:.0f} s here); the rest of the wall "
        "time is the command's own start and CPU, on a machine whose other work the table shows. In the "
        "project it also runs `pulumi stack ls` and one `pulumi stack export` per stack "
        f"({clients} here) to tell declared access from undeclared: {wall:+.1f} s of wall and "
        f"{cpu:+.1f} s of CPU against the run outside a project.",
        "",
        "Other work on the machine took "
        + " and ".join(f"{_share(r):.0f} %" for r in runs)
        + " of its cores during the two runs: their wall times say as much about that load as about "
        "the audit. Not done yet, and what would shorten them: reading the workspaces several at a "
        "time under the rate budget (as `audit --person` does), and the stacks' states likewise.",
    ]
    return "\n".join(lines) + "\n"


def _share(run: Run) -> float:
    """Per cent of the machine's cores that other processes used during ``run``."""
    return 100 * run.measure.others / ((os.cpu_count() or 1) * max(run.measure.wall, 1e-9))


def write_docs(text: str, page: Path = PAGE) -> None:
    """Put the section (heading and ``text``) between the access-map markers of ``page``, adding
    them at its end when missing; make bench (run.py) keeps what is between them."""
    begin, end = "<!-- access-map:begin -->", "<!-- access-map:end -->"
    section = f"{begin}\n## (g) The access map: `audit --all --html` at agency scale\n\n{text}{end}"
    current = page.read_text()
    if begin in current:
        head, rest = current.split(begin, 1)
        page.write_text(head + section + rest.split(end, 1)[1])
    else:
        page.write_text(current.rstrip("\n") + "\n\n" + section + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.access_map", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    parser.add_argument("--keep", type=Path, help="work in this folder and leave it (the pages stay there)")
    args = parser.parse_args(argv)
    info = machine()
    with tempfile.TemporaryDirectory(prefix="instantly-bench-map-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        bench = Bench(root)
        try:
            print(f"setting up {args.clients} clients of {args.members} members", flush=True)
            cli, _ = setup(bench, args.clients, args.members)
            print("audit --all --html in the project directory", flush=True)
            inside = audit(bench, cli, cli.project_dir, root / "map-project.html", "in the project directory")
            print("audit --all --html outside a project", flush=True)
            outside_dir = root / "elsewhere"
            outside_dir.mkdir(exist_ok=True)
            outside = audit(
                bench, cli, outside_dir, root / "map-api-only.html", "outside a project (API only)"
            )
        finally:
            bench.close()
    text = markdown(
        [inside, outside],
        args.clients,
        args.members,
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        info,
    )
    print(text)
    if args.write_docs:
        write_docs(text)
        print(f"wrote the figures into {PAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
