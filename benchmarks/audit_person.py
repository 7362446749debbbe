"""`audit --person` over 50 clients of 20 members each: requests and wall time (issue 18).

    .venv/bin/python -m benchmarks.audit_person [--clients 50] [--members 20] [--reps 3]

A sandbox with 150 ms added to every API request (as the other benchmarks), an agency whose group
holds ``--clients`` accepted client workspaces of ``--members`` members each, and a project of one
stack file per client with the person in the agency team. It runs the installed
``instantly-pulumi audit --person EMAIL --json`` in the project ``--reps`` times and reports the
requests (the sandbox's log and the command's own count) and the wall time (median), against the
same listings read one after another through the same reader (what a sequential loop costs).
Prints a Markdown section; with ``--out docs/benchmarks.md`` it also puts it into that file, between
the ``audit_person`` markers (added at the end the first time), leaving the rest as it is.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / ".venv" / "bin" / "instantly-pulumi"
LATENCY_MS = 150
BEGIN, END = (
    "<!-- audit_person:begin (python -m benchmarks.audit_person --out docs/benchmarks.md) -->",
    ("<!-- audit_person:end -->"),
)


def write_section(path: Path, section: str) -> None:
    """Replace the block between the markers in ``path`` (append it when there is none)."""
    text = path.read_text() if path.exists() else ""
    block = f"{BEGIN}\n{section.strip()}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def seed(control: Any, base_url: str, clients: int, members: int, person: str) -> tuple[str, list[str]]:
    """The agency key and its clients' ids; the person is in every third client (one in two of
    those still pending) and in the agency's own workspace."""
    from instantly_sandbox import seed as api

    _, key = control.create_workspace("Bench agency")
    ids = []
    with api.api_client(base_url, key) as own:
        control.accept_member(api.post(own, "/workspace-members", {"email": person, "role": "admin"})["id"])
        for c in range(clients):
            ws, _ = control.create_workspace(f"Client {c:02d}")
            invite = api.post(own, "/workspace-group-members", {"sub_workspace_id": ws["id"]})
            control.accept_group_member(invite["id"])
            ids.append(ws["id"])
            with api.api_client(base_url, key, ws["id"]) as http:
                people = [f"m{i:02d}-{c:02d}@client.example" for i in range(members - 1)]
                if c % 3 == 0:
                    people.append(person)
                for email in people:
                    member = api.post(http, "/workspace-members", {"email": email, "role": "view"})
                    if email != person or c % 2 == 0:
                        control.accept_member(member["id"])
    return key, ids


def project(root: Path, clients: list[str], person: str) -> Path:
    (root / "stacks").mkdir(parents=True)
    team = {"team": [{"email": person, "access": "manager"}]}
    settings = {
        "name": "instantly-clients",
        "runtime": "python",
        "stackConfigDir": "stacks",
        "config": {"instantly-clients:agency": {"value": team}},
    }
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    for i, ws in enumerate(clients):
        doc = {"config": {"instantly-clients:client": {"workspace_id": ws}}}
        (root / "stacks" / f"Pulumi.client{i:02d}.yaml").write_text(yaml.safe_dump(doc))
    return root


def run_person(base_url: str, key: str, cwd: Path, person: str) -> tuple[float, dict[str, Any]]:
    env = {"INSTANTLY_API_KEY": key, "INSTANTLY_BASE_URL": base_url, "PATH": "/usr/bin:/bin"}
    start = time.monotonic()
    proc = subprocess.run(
        [str(CLI), "audit", "--person", person, "--json"], cwd=cwd, env=env, capture_output=True, text=True
    )
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"audit --person exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    doc: dict[str, Any] = json.loads(proc.stdout)
    return wall, doc


def help_wall() -> float:
    """The command line's start-up: ``instantly-pulumi audit --help`` (imports, no API call)."""
    start = time.monotonic()
    subprocess.run([str(CLI), "audit", "--help"], capture_output=True, check=True)
    return time.monotonic() - start


def in_process(base_url: str, key: str, cwd: Path, person: str) -> float:
    """What ``--person`` does after start-up, in this process: the stack files, then the listings."""
    from instantly_cli import declared
    from instantly_cli import person as command
    from instantly_cli.workspace_reader import WorkspaceReader
    from instantly_pulumi.client import Credentials, InstantlyClient

    client = InstantlyClient(Credentials(api_key=key, base_url=base_url))
    start = time.monotonic()
    command.collect(WorkspaceReader(client), person, declared.read(cwd))
    wall = time.monotonic() - start
    client.close()
    return wall


def sequential(base_url: str, key: str, clients: list[str]) -> float:
    """The same listings, one after another, through the library's reader: the loop --person replaces."""
    from instantly_cli.workspace_reader import WorkspaceReader
    from instantly_pulumi.client import Credentials, InstantlyClient

    client = InstantlyClient(Credentials(api_key=key, base_url=base_url))
    reader = WorkspaceReader(client)
    start = time.monotonic()
    reader.own_workspace()
    reader.group_members()
    for ws in [None, *clients]:
        reader.members(ws)
    client.close()
    return time.monotonic() - start


def main() -> None:
    sys.path.insert(0, str(REPO))
    from instantly_sandbox.testing import Fault, SandboxProcess

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write the section into this file (docs/benchmarks.md)")
    args = parser.parse_args()
    person = "sam@agency.example"
    with tempfile.TemporaryDirectory(prefix="bench-person-") as tmp:
        root = Path(tmp)
        with SandboxProcess(root / "sandbox.db") as sandbox:
            control = sandbox.control
            control.set_limits(per_second=10_000, per_minute=600_000)
            began = time.monotonic()
            key, clients = seed(control, sandbox.base_url, args.clients, args.members, person)
            seeding = time.monotonic() - began
            cwd = project(root / "project", clients, person)
            control.set_faults([Fault.delay(LATENCY_MS, path="/api/v2/*")])
            walls, logged = [], []
            for _ in range(args.reps):
                control.clear_requests()
                wall, doc = run_person(sandbox.base_url, key, cwd, person)
                walls.append(wall)
                logged.append(len(control.requests()))
            startup = statistics.median(help_wall() for _ in range(args.reps))
            inside = statistics.median(
                in_process(sandbox.base_url, key, cwd, person) for _ in range(args.reps)
            )
            control.clear_requests()
            loop = sequential(sandbox.base_url, key, clients)
            loop_requests = len(control.requests())
            control.clear_faults()
    s = doc["summary"]
    lists = s["workspaces"]
    median = statistics.median(walls)
    section = f"""## (f) `audit --person` over {args.clients} clients of {args.members} members

Measured {datetime.now(UTC).strftime("%Y-%m-%d")} with `python -m benchmarks.audit_person` on this machine
(2 cores, shared): a sandbox adding {LATENCY_MS} ms to every API request, an agency whose group holds
{args.clients} accepted clients of {args.members} members each, and a project of {args.clients} stack files
with the person in the agency team. The person is in {s["member_of"]} of the {lists} workspaces
({s["pending"]} pending); the command's summary: {s["declared"]} declared, {s["undeclared"]} undeclared,
{s["missing"]} declared but missing. Wall time is the whole command (start-up, reading {args.clients} stack
files, the API), median of {args.reps};
the rows below take it apart (each its own median; the machine was shared with other work, so they do
not add up exactly).

| run | requests | wall |
|---|---:|---:|
| `audit --person EMAIL --json` (8 listings at a time, one rate budget) | {logged[-1]} | {median:.2f} s |
| the command's start-up alone (`instantly-pulumi audit --help`, no API call) | 0 | {startup:.2f} s |
| its reading alone, in-process (the stack files, then the listings) | {logged[-1]} | {inside:.2f} s |
| the same listings one after another (library reader, no start-up) | {loop_requests} | {loop:.2f} s |

One member listing per workspace ({lists}: the agency's own and {args.clients} clients; {args.members}
members fit one page of 100), plus the key's own workspace and the group's memberships: N + 3
requests for N clients (the command counted {doc["requests"]} itself). Most of the command's time is its
start-up (importing the command line, the fleet's Automation API included); its reading, 8 listings at a
time under the one rate budget, takes {inside:.2f} s where the same listings one after another take
{loop:.2f} s. Runs: {", ".join(f"{w:.2f} s" for w in walls)}; seeding took {seeding:.0f} s.
"""
    print(section)
    if args.out is not None:
        write_section(args.out, section)


if __name__ == "__main__":
    main()
