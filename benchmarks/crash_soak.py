"""A crash soak: `pulumi up`, `pulumi destroy` and `instantly-pulumi fleet up` killed with SIGKILL at
random points, recovered as docs/reliability.md says, and the workspace compared with the state.

    .venv/bin/python -m benchmarks.crash_soak [--stacks 2] [--rounds 4] [--seed 7] [--write-docs]

(``make soak`` runs it after the fault soak; a bounded version runs in ``make test``.) Every write
the sandbox receives is held ``--hold`` seconds before it is handled — and still handled once the
client is gone, as a server handles a request it received — so a kill always finds writes in
flight, which the API commits after the run died. Each round, for each stack:

1. the stack file changes (members and keys added and removed, a tag renamed, permissions changed);
   `pulumi up --skip-preview` starts and is killed once a random number of its writes has landed;
2. the recovery: `pulumi cancel --yes` where a lock remains, then `pulumi up --yes` — or, every
   other round, `instantly-pulumi fleet up STACK`, which also drops Pulumi's records of the creates
   the killed run left (Pulumi keeps them through `up`: only a refresh may drop them);
3. the sandbox against the state: **orphans** (objects no state holds that were not there before),
   **duplicates** (two members with one email, two keys or tags with one name), **missing**
   (held by the state, gone), **wrongly adopted** (an object the stack created, marked adopted, so
   that `destroy` would keep it), **pending** records left after a fleet recovery, and the records
   Pulumi keeps after a plain `up` (resolved, listed apart);
4. the same for `pulumi destroy`, killed and run again.

A final round kills a `fleet up` of every stack at once and recovers with `fleet up`. Every
`pulumi` that did not succeed is a failed recovery.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instantly_cli.pulumi_runner import find_pulumi_bin
from instantly_sandbox.testing import Fault, SandboxProcess
from tests.e2e.crash import kill, locked, pending, start, wait_for_pending
from tests.e2e.support import writes
from tests.worlds import ClientStack, World, make_world, new_client_stack

from .soak import duplicates, held, ids, objects

REPO = Path(__file__).resolve().parents[1]
RELIABILITY_PAGE = REPO / "docs" / "reliability.md"


def declared(world: World, name: str, rnd: int) -> dict[str, Any]:
    """Round ``rnd``'s client value: every round changes members, keys and a tag."""
    members = [{"email": f"m{i}-{(rnd + i) % 3}@{name}.example", "role": "editor"} for i in range(3)]
    members.append(
        {
            "email": f"perm@{name}.example",
            "role": "view",
            "permissions": [["campaigns.view"], ["analytics.view"]][rnd % 2],
        }
    )
    keys = [{"name": f"k{(rnd + i) % 3}", "scopes": ["campaigns:read"]} for i in range(2)]
    keys.append({"name": "rotating", "scopes": ["campaigns:read"], "rotation": f"r{rnd}"})
    tag: dict[str, Any] = {"label": f"T{rnd}", "campaigns": world.campaigns[: 1 + rnd % 2]}
    if rnd:
        tag["renamed_from"] = f"T{rnd - 1}"
    return {"workspace_id": world.client_id, "members": members, "api_keys": keys, "tags": [tag]}


@dataclass
class Outcome:
    """The run's figures."""

    kills: Counter[str] = field(default_factory=Counter)
    """Kills by command (a run that finished before its kill point is not counted)."""
    recoveries: Counter[str] = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    wrongly_adopted: list[str] = field(default_factory=list)
    pending_after_fleet: list[str] = field(default_factory=list)
    pulumi_records: int = 0
    """Pending-create records Pulumi kept after a plain `pulumi up` recovery (resolved; the fleet
    drops them)."""
    writes_after_kill: int = 0
    """Writes the API committed after the run that sent them was killed."""
    seconds: float = 0.0
    stacks: int = 0
    rounds: int = 0

    def zero(self) -> bool:
        return not (
            self.failed
            or self.orphans
            or self.duplicates
            or self.missing
            or self.wrongly_adopted
            or self.pending_after_fleet
        )

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("stacks x rounds", f"{self.stacks} x {self.rounds} ({self.seconds / 60:.1f} min)"),
            ("kills", f"**{sum(self.kills.values())}** ({_by_kind(self.kills)})"),
            ("writes committed after their run was killed", str(self.writes_after_kill)),
            ("recoveries", ", ".join(f"{n} {k}" for k, n in sorted(self.recoveries.items()))),
            ("recoveries that failed", f"**{len(self.failed)}**"),
            ("orphans", f"**{len(self.orphans)}**"),
            ("duplicates", f"**{len(self.duplicates)}**"),
            ("objects missing from the API", f"**{len(self.missing)}**"),
            ("objects the stack created marked adopted", f"**{len(self.wrongly_adopted)}**"),
            ("pending operations after a `fleet up` recovery", f"**{len(self.pending_after_fleet)}**"),
            ("Pulumi's records kept after a plain `pulumi up` recovery (resolved)", str(self.pulumi_records)),
        ]

    def markdown(self) -> str:
        lines = ["| figure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in self.rows())]
        problems = self.failed + self.orphans + self.duplicates + self.missing + self.wrongly_adopted
        problems += self.pending_after_fleet
        lines += ["", *(f"- {p}" for p in problems[:20])] if problems else []
        return "\n".join(lines)


def _by_kind(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))


class CrashSoak:
    """Client stacks of one agency, killed and recovered round after round."""

    def __init__(
        self, sandbox: SandboxProcess, workdir: Path, *, stacks: int, seed: int, hold: float
    ) -> None:
        self.control, self.workdir, self.hold = sandbox.control, workdir, hold
        self.rng = random.Random(seed)  # noqa: S311 — kill points, not secrets
        self.outcome = Outcome(stacks=stacks)
        pulumi_bin = find_pulumi_bin(REPO)
        if pulumi_bin is None:
            raise RuntimeError("no Pulumi CLI: run `make cli`")
        self.stacks: list[ClientStack] = []
        self.baselines: dict[str, set[tuple[str, str]]] = {}
        self.token = f"{self.rng.getrandbits(32):08x}"  # in every stack's name: what a kill may match
        agency: tuple[str, str] | None = None
        for i in range(stacks):
            world = make_world(self.control, sandbox.base_url, f"crash{i}", agency=agency)
            agency = (world.agency_id, world.agency_key)
            name = f"crash{i}-{self.token}"
            if not self.stacks:  # one project for all (the fleet round runs them together)
                stack = new_client_stack(workdir, pulumi_bin, world, name=name)
            else:
                stack = ClientStack(cli=self.stacks[0].cli, world=world, name=name)
                stack.cli.ensure_stack(name)
                stack.cli.run(
                    "config", "set", "--secret", "instantly:apiKey", stack=name, stdin=world.agency_key
                )
            self.stacks.append(stack)
            self.baselines[stack.name] = ids(objects(self.control, world.client_id))
        self.seen: set[tuple[str, str]] = set()

    # -- one kill -----------------------------------------------------------------------------------

    def killed(self, stack: ClientStack, *args: str) -> None:
        """Run ``pulumi <args>`` with writes held and kill it after a random number of landed writes."""
        self.control.set_faults(
            [Fault.delay(int(self.hold * 1000), method=m) for m in ("POST", "PATCH", "DELETE")]
        )
        self.control.clear_requests()
        after = self.rng.randint(0, 6)
        try:
            proc = start(stack, *args)
            if not wait_for_pending(stack, proc):
                proc.communicate()
                return  # finished (nothing to write, or quicker than the kill): not a kill
            deadline = time.monotonic() + 120
            while len(writes(self.control.requests())) < after and proc.poll() is None:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            if proc.poll() is not None:
                proc.communicate()
                return
            landed = len(writes(self.control.requests()))
            kill(proc)
            self.outcome.kills[args[0]] += 1
            time.sleep(self.hold + 1.5)  # what was in flight lands now
            self.outcome.writes_after_kill += len(writes(self.control.requests())) - landed
        finally:
            self.control.clear_faults()

    def recover(self, stack: ClientStack, command: str, *, fleet: bool) -> None:
        """The documented recovery."""
        if locked(stack):
            stack.cli.run("cancel", "--yes", stack=stack.name)
        how = f"fleet {command}" if fleet else f"pulumi {command}"
        self.outcome.recoveries[how] += 1
        if fleet:
            proc = self.fleet(command, stack.name)
        else:
            proc = stack.cli.run(command, stack=stack.name, check=False, timeout=900)
        if proc.returncode != 0:
            self.outcome.failed.append(f"{stack.name} {how}: {(proc.stdout + proc.stderr)[-600:]}")

    def fleet(self, command: str, *names: str) -> subprocess.CompletedProcess[str]:
        cli = self.stacks[0].cli
        env = {**cli.environment(), "INSTANTLY_API_KEY": self.stacks[0].world.agency_key}
        args = [str(REPO / ".venv" / "bin" / "instantly-pulumi"), "fleet", command, *names, "--json", "--yes"]
        return subprocess.run(
            args, cwd=cli.project_dir, env=env, capture_output=True, text=True, timeout=900, check=False
        )

    # -- the comparison -------------------------------------------------------------------------------

    def compare(self, stack: ClientStack, what: str, *, fleet: bool) -> None:
        state = json.loads(stack.cli.run("stack", "export", stack=stack.name).stdout)
        found = objects(self.control, stack.world.client_id)
        in_api, in_state = ids(found), held(state)
        for kind, id_ in sorted(in_api - in_state - self.baselines[stack.name] - self.seen):
            self.outcome.orphans.append(f"{stack.name} {what}: {kind} {id_}")
            self.seen.add((kind, id_))
        self.outcome.missing += [f"{stack.name} {what}: {k} {i}" for k, i in in_state - in_api]
        self.outcome.duplicates += [f"{stack.name} {what}: {text}" for text in duplicates(found).values()]
        for r in state["deployment"].get("resources") or []:
            if (r.get("outputs") or {}).get("adopted"):
                self.outcome.wrongly_adopted.append(f"{stack.name} {what}: {r['urn'].rsplit('::', 1)[-1]}")
        left = [op for op in pending(stack) if op["type"] == "creating"]
        if fleet:
            self.outcome.pending_after_fleet += [
                f"{stack.name} {what}: {op['resource']['urn']}" for op in left
            ]
        else:
            self.outcome.pulumi_records = max(self.outcome.pulumi_records, len(left))

    # -- the rounds -----------------------------------------------------------------------------------

    def round(self, rnd: int) -> None:
        fleet = rnd % 2 == 1
        for stack in self.stacks:
            stack.write(declared(stack.world, stack.name, rnd))
            self.killed(stack, "up", "--skip-preview")
            self.recover(stack, "up", fleet=fleet)
            self.compare(stack, f"round {rnd} after a killed up", fleet=fleet)
        if rnd % 2 == 1:  # every other round: destroy, killed and run again
            for stack in self.stacks:
                self.killed(stack, "destroy")
                self.recover(stack, "destroy", fleet=False)
                self.compare(stack, f"round {rnd} after a killed destroy", fleet=False)

    def fleet_round(self, rnd: int) -> None:
        """A `fleet up` of every stack, killed with everything it started, recovered with `fleet up`."""
        for stack in self.stacks:
            stack.write(declared(stack.world, stack.name, rnd))
        cli = self.stacks[0].cli
        env = {**cli.environment(), "INSTANTLY_API_KEY": self.stacks[0].world.agency_key}
        self.control.set_faults(
            [Fault.delay(int(self.hold * 1000), method=m) for m in ("POST", "PATCH", "DELETE")]
        )
        self.control.clear_requests()
        try:
            proc = subprocess.Popen(
                [str(REPO / ".venv" / "bin" / "instantly-pulumi"), "fleet", "up"],
                cwd=cli.project_dir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            deadline = time.monotonic() + 180
            while (
                len(writes(self.control.requests())) < 2
                and proc.poll() is None
                and time.monotonic() < deadline
            ):
                time.sleep(0.05)
            # The fleet's pulumi processes run in sessions of their own: kill them too, as an OOM kill
            # of the machine's processes would.
            subprocess.run(["pkill", "-9", "-f", "--", f"--stack crash[0-9]+-{self.token}"], check=False)
            kill(proc)  # type: ignore[arg-type]
            self.outcome.kills["fleet up"] += 1
            time.sleep(self.hold + 1.5)
        finally:
            self.control.clear_faults()
        for stack in self.stacks:
            if locked(stack):
                stack.cli.run("cancel", "--yes", stack=stack.name)
        self.outcome.recoveries["fleet up (all stacks)"] += 1
        done = self.fleet("up")
        if done.returncode != 0:
            self.outcome.failed.append(f"fleet up after a killed fleet up: {done.stdout[-600:]}")
        for stack in self.stacks:
            self.compare(stack, f"round {rnd} after a killed fleet up", fleet=True)

    def run(self, rounds: int) -> Outcome:
        start_time = time.monotonic()
        for rnd in range(rounds):
            self.round(rnd)
            print(
                f"crash soak: round {rnd + 1}/{rounds}: {sum(self.outcome.kills.values())} kills so far",
                flush=True,
            )
        self.fleet_round(rounds)
        for stack in self.stacks:  # leave nothing behind
            stack.cli.run("destroy", stack=stack.name, check=False, timeout=900)
            self.compare(stack, "final destroy", fleet=False)
        self.outcome.rounds = rounds + 1
        self.outcome.seconds = time.monotonic() - start_time
        return self.outcome


def run(
    stacks: int = 2, rounds: int = 4, seed: int = 7, hold: float = 1.5, keep: Path | None = None
) -> Outcome:
    """The whole crash soak on a sandbox of its own (in ``keep``, left in place, when given)."""
    with contextlib.ExitStack() as resources:
        tmp = keep or Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="crash-soak-")))
        tmp.mkdir(parents=True, exist_ok=True)
        sandbox = resources.enter_context(SandboxProcess(tmp / "sandbox.db"))
        return CrashSoak(sandbox, tmp, stacks=stacks, seed=seed, hold=hold).run(rounds)


def write_docs(outcome: Outcome, page: Path = RELIABILITY_PAGE) -> None:
    text = page.read_text()
    begin, end = "<!-- crash-soak:begin -->", "<!-- crash-soak:end -->"
    head, rest = text.split(begin, 1)
    page.write_text(head + begin + "\n" + outcome.markdown() + "\n" + end + rest.split(end, 1)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.crash_soak", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--stacks", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--hold", type=float, default=1.5, help="seconds each write is held before it is handled"
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="write the figures into docs/reliability.md"
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and leave it (to look at a failure)")
    args = parser.parse_args(argv)
    outcome = run(args.stacks, args.rounds, args.seed, args.hold, args.keep)
    print(outcome.markdown())
    if args.write_docs:
        write_docs(outcome)
    return 0 if outcome.zero() else 1


if __name__ == "__main__":
    sys.exit(main())
