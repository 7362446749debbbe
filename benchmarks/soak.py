"""A fault soak: client stacks through repeated up / change / refresh / destroy under injected faults.

    .venv/bin/python -m benchmarks.soak [--stacks 4] [--min-operations 500] [--seed 7]
                                        [--late-writes 0] [--write-docs]

(``make soak``.) Every `/api/v2` request meets, at random from a seeded source:
10% a 5xx (500 or 503, not handled), 5% a 429 with ``Retry-After: 1``, 5% a
dropped connection after the write committed (``drop_after_commit``) and 2% an
answer held back past the client's timeout after the write committed (the
stacks run with ``instantly:timeout`` 2 s). ``--late-writes P`` adds plain
delays (the request is held *before* it is handled, so the write may land after
the client gave up and already reconciled): reported separately, see
docs/reliability.md.

Each stack has its own client workspace of one agency (members, API keys, tags,
assignments) and goes through rounds of: ``up``; a no-op ``preview``
(``--expect-no-changes``); a change (role, nickname, tag label and description,
a member added and one removed, an assignment changed, a key rotated) and
``up``; out-of-band drift through the API, ``refresh``, ``up``; ``preview``;
``destroy``. Rounds repeat until the resource operations (created, updated,
replaced, deleted, as the engine counts them) reach ``--min-operations``. A
failed ``up`` is recorded and run again (a "second run needed": the goal is none).

After each ``up`` and ``destroy`` the sandbox (``/_sandbox/state``, no faults)
is compared with the stack's state (``pulumi stack export``): **orphans**
(objects no state holds that were not there before), **missing** (held by the
state, gone from the API), **duplicates** (two members with one email, two tags
with one label, two keys with one name). At the end every key value the run
ever saw (stack outputs, the sandbox database) is searched for in every state
file, backup, log and captured output: **plaintext secrets**. Faults are
counted from the sandbox's request log. The stacks run in parallel.

The bounded version (tests/e2e/test_soak.py) runs the same code with two small
stacks for one round and asserts zeros.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from instantly_cli.pulumi_runner import find_pulumi_bin
from instantly_sandbox.testing import Fault, SandboxControl, SandboxProcess
from tests.worlds import ClientStack, World, make_world, new_client_stack

REPO = Path(__file__).resolve().parents[1]
RELIABILITY_PAGE = REPO / "docs" / "reliability.md"


# --- the fault mix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mix:
    """Shares of requests that meet each fault (marginal rates, not per-rule probabilities)."""

    server_error: float = 0.10
    rate_limited: float = 0.05
    dropped: float = 0.05
    slow: float = 0.02
    late_writes: float = 0.0
    timeout: float = 2.0
    """The stacks' ``instantly:timeout`` (seconds); slow answers are held 1.5 s longer."""

    def rules(self) -> list[dict[str, Any]]:
        """The sandbox's fault rules. The sandbox tries rules in order and the first that fires
        wins, so each rule's probability is its share of what the earlier rules left."""
        held = int((self.timeout + 1.5) * 1000)
        wanted: list[tuple[float, Callable[[float], dict[str, Any]]]] = [
            (self.server_error / 2, lambda p: Fault.status(500, probability=p)),
            (self.server_error / 2, lambda p: Fault.status(503, probability=p)),
            (self.rate_limited, lambda p: Fault.status(429, retry_after=1, probability=p)),
            (self.dropped, lambda p: Fault.drop_after_commit(probability=p)),
            (self.slow, lambda p: Fault.delay(held, after_commit=True, probability=p)),
            (self.late_writes, lambda p: Fault.delay(held, method="POST", probability=p)),
        ]
        rules, left = [], 1.0
        for share, make in wanted:
            if share > 0:
                rules.append(make(round(min(1.0, share / left), 6)))
                left -= share
        return rules


# --- what a stack declares, round by round ------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """How big each stack is."""

    members: int = 4
    keys: int = 2
    tags: int = 2


ROLES = ("editor", "view", "admin")


def declared(world: World, name: str, shape: Shape, rnd: int, changed: bool) -> dict[str, Any]:
    """The stack's client value in round ``rnd``, before or after its change step."""
    emails = [f"m{i}@{name}.example" for i in range(shape.members)]
    if changed:
        emails = [*emails[:-1], f"new{rnd}@{name}.example"]  # one removed, one added
    members = []
    for i, email in enumerate(emails):
        member: dict[str, Any] = {"email": email, "role": ROLES[(i + rnd + (i == 0 and changed)) % 2]}
        nick = f"N{i}-{rnd}" + ("b" if changed and i == 1 else "")
        if i % 2 == 1:
            member["nickname"] = nick
        members.append(member)
    keys = [
        {
            "name": f"key{i}",
            "scopes": ["campaigns:read"] if i % 2 == 0 else ["campaigns:read", "accounts:read"],
            "rotation": f"r{rnd}" + ("b" if changed and i == 0 else ""),
        }
        for i in range(shape.keys)
    ]
    tags = []
    for i in range(shape.tags):
        label = f"T{i}-{rnd}" + ("b" if changed and i == 0 else "")
        campaigns = world.campaigns[: 2 if changed and i == 0 else 1 + i % 2]
        tag: dict[str, Any] = {"label": label, "description": f"d{rnd}{'b' if changed else ''}"}
        tag["campaigns"] = campaigns
        if i == 0:
            tag["accounts"] = world.accounts[:1]
        tags.append(tag)
    return {"workspace_id": world.client_id, "members": members, "api_keys": keys, "tags": tags}


# --- the sandbox as the API sees it ------------------------------------------------------------


def objects(control: SandboxControl, workspace: str) -> dict[str, list[dict[str, Any]]]:
    """A workspace's members, keys, tags and tag mappings from ``/_sandbox/state`` (no faults)."""
    ws = control.state()["workspaces"].get(workspace, {})
    return {
        "members": ws.get("members", []),
        "keys": ws.get("api_keys", []),
        "tags": ws.get("tags", []),
        "mappings": ws.get("mappings", []),
    }


def ids(found: dict[str, list[dict[str, Any]]]) -> set[tuple[str, str]]:
    """(kind, id) of every object; a mapping's id is (tag, resource)."""
    out = {(kind, o["id"]) for kind in ("members", "keys", "tags") for o in found[kind]}
    out |= {("mappings", f"{m['tag_id']}/{m['resource_id']}") for m in found["mappings"]}
    return out


def held(state: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, id) of every object a stack's state holds."""
    out: set[tuple[str, str]] = set()
    for r in state.get("deployment", {}).get("resources", []) or []:
        kind, outs = r["type"].rsplit(":", 1)[-1], r.get("outputs", {})
        if kind == "WorkspaceMember":
            out.add(("members", r["id"]))
        elif kind == "ApiKey":
            out.add(("keys", r["id"]))
        elif kind == "CustomTag":
            out.add(("tags", r["id"]))
        elif kind == "TagAssignment":
            out |= {("mappings", f"{outs['tag_id']}/{i}") for i in outs.get("resource_ids") or []}
    return out


def duplicates(found: dict[str, list[dict[str, Any]]]) -> dict[frozenset[str], str]:
    """Natural keys held by more than one object: the objects' ids → ``keys 'name' x2``."""
    natural: dict[str, Callable[[dict[str, Any]], str]] = {
        "members": lambda o: o["email"].lower(),
        "tags": lambda o: o["label"].strip(),
        "keys": lambda o: o["name"],
    }
    out = {}
    for kind, key in natural.items():
        groups: dict[str, list[str]] = {}
        for o in found[kind]:
            groups.setdefault(key(o), []).append(o["id"])
        out |= {frozenset(ids): f"{kind} {k!r} x{len(ids)}" for k, ids in groups.items() if len(ids) > 1}
    return out


def key_values(db: Path) -> set[str]:
    """Every API key value in the sandbox database now (read-only)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT data FROM objects WHERE kind = 'api_key'").fetchall()
    finally:
        conn.close()
    return {json.loads(data)["key"] for (data,) in rows}


# --- one stack ---------------------------------------------------------------------------------


_STEP = re.compile(
    r"^\s*(?:\+-|\+\+|--|[-+~])\s+(\S+)\s+(\S+)\s+(created|updated|replaced|deleted)\s+\(", re.M
)
_SUMMARY = re.compile(r"^\s*(?:\+-|[-+~])?\s*(\d+) (created|updated|replaced|deleted|unchanged)\b", re.M)
STACK_TYPE = "pulumi:pulumi:Stack"


def operations(command: str, stdout: str) -> Counter[str]:
    """What the engine did to our resources (not the stack resource itself): each resource line
    that ends a step (``+ ...WorkspaceMember member-x created (0.04s)``); for ``refresh``, how
    many resources it read."""
    if command == "refresh":
        tail = stdout[stdout.rfind("Resources:") :] if "Resources:" in stdout else ""
        total = sum(int(m.group(1)) for m in _SUMMARY.finditer(tail))
        return Counter({"read": max(0, total - 1)})
    return Counter(m.group(3) for m in _STEP.finditer(stdout) if m.group(1) != STACK_TYPE)


@dataclass
class Outcome:
    """What the run saw; the totals of every stack."""

    operations: Counter[str] = field(default_factory=Counter)
    commands: Counter[str] = field(default_factory=Counter)
    second_runs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    not_clean: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    plaintext: list[str] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    late_writes: Counter[str] = field(default_factory=Counter)
    """Requests held before handling (``--late-writes``), by collection."""
    requests: int = 0
    real_429: int = 0
    seconds: float = 0.0
    rounds: int = 0
    stacks: int = 0
    mix: Mix = field(default_factory=Mix)

    @property
    def total_operations(self) -> int:
        """Writes through the API: resources created, updated, replaced or deleted (not refresh reads)."""
        return sum(v for k, v in self.operations.items() if k != "read")

    def zero(self) -> bool:
        """Whether nothing went wrong: the goal."""
        return not (
            self.second_runs
            or self.failed
            or self.not_clean
            or self.orphans
            or self.missing
            or self.duplicates
            or self.plaintext
        )

    def lines(self) -> list[str]:
        """The report, one fact a line."""
        ops = ", ".join(f"{k} {v}" for k, v in sorted(self.operations.items()))
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        commands = ", ".join(f"{k} {v}" for k, v in sorted(self.commands.items()))
        return [
            f"stacks {self.stacks}, rounds {self.rounds}, {self.seconds:.0f} s",
            f"resource operations: {self.total_operations} ({ops})",
            f"pulumi commands: {sum(self.commands.values())} ({commands})",
            f"API requests: {self.requests}; faults injected: {sum(self.faults.values())} ({faults})",
            f"429 from the sandbox's own limiter: {self.real_429}",
            f"orphans: {len(self.orphans)} {self.orphans[:5]}",
            f"missing (in state, not in the API): {len(self.missing)} {self.missing[:5]}",
            f"duplicates: {len(self.duplicates)} {self.duplicates[:5]}",
            f"plaintext secrets: {len(self.plaintext)} {self.plaintext[:5]}",
            f"second runs needed (up): {len(self.second_runs)} {self.second_runs[:5]}",
            f"commands that failed twice: {len(self.failed)} {self.failed[:5]}",
            f"no-op previews that showed changes: {len(self.not_clean)} {self.not_clean[:5]}",
        ]

    def markdown(self) -> str:
        """The figures as a table for docs/reliability.md."""
        writes = ", ".join(f"{self.operations[k]} {k}" for k in ("created", "updated", "replaced", "deleted"))
        faults = ", ".join(f"{self.faults[k]} {FAULT_NAMES[k]}" for k in FAULT_NAMES if self.faults[k])
        rows = [
            ("stacks x rounds", f"{self.stacks} x {self.rounds} ({self.seconds / 60:.1f} min)"),
            ("resource operations", f"**{self.total_operations}** ({writes})"),
            ("refresh reads", str(self.operations["read"])),
            ("pulumi commands", str(sum(self.commands.values()))),
            ("API requests", str(self.requests)),
            ("faults injected", f"**{sum(self.faults.values())}** ({faults})"),
            ("orphans", f"**{len(self.orphans)}**"),
            ("objects missing from the API", f"**{len(self.missing)}**"),
            ("duplicates", f"**{len(self.duplicates)}**"),
            ("plaintext secrets", f"**{len(self.plaintext)}**"),
            ("second `up` runs needed", f"**{len(self.second_runs)}**"),
            ("no-op previews showing changes", f"**{len(self.not_clean)}**"),
        ]
        if self.late_writes:
            late = ", ".join(f"{n} to `{path}`" for path, n in sorted(self.late_writes.items()))
            rows.insert(6, ("late writes, by collection", late))
        table = "| figure | value |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows) + "\n"
        found = [*self.orphans, *self.duplicates][:6]
        return table + "".join(f"\n- {line}" for line in found) + ("\n" if found else "")


FAULT_NAMES = {
    "5xx": "5xx",
    "429": "429 (Retry-After 1)",
    "drop_after_commit": "dropped after commit",
    "delay_after_commit": "answered after the timeout (committed)",
    "delay": "held before handling past the timeout (late write)",
}


class StackRun:
    """One client stack going through the rounds."""

    def __init__(self, soak: Soak, stack: ClientStack, shape: Shape) -> None:
        self.soak, self.stack, self.shape = soak, stack, shape
        self.world = stack.world
        self.baseline = ids(objects(self.world.control, self.world.client_id))
        self.outputs: list[str] = []
        self.seen: set[tuple[str, str]] = set()
        self.seen_duplicates: set[frozenset[str]] = set()

    @property
    def name(self) -> str:
        return self.stack.name

    def pulumi(self, *args: str, check: bool = True) -> Any:
        proc = self.stack.cli.run(*args, stack=self.name, check=False, timeout=900)
        if "--show-secrets" not in args:
            self.outputs += [proc.stdout, proc.stderr]
        self.soak.count(command=args[0])
        if check and proc.returncode != 0:
            raise RuntimeError(f"{self.name}: pulumi {' '.join(args)} failed:\n{proc.stderr[-1500:]}")
        return proc

    def step(self, command: str, what: str) -> None:
        """``up``/``refresh``/``destroy``; a failure is recorded and the command run again (twice)."""
        for attempt in range(3):
            proc = self.pulumi(command, "--skip-preview", check=False)
            self.soak.count(ops=operations(command, proc.stdout))
            if proc.returncode == 0:
                return
            reason = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
            self.soak.note(f"{self.name} {what}: {command} failed ({' / '.join(reason)})")
            if attempt == 0 and command == "up":
                self.soak.outcome.second_runs.append(f"{self.name} {what}")
        self.soak.outcome.failed.append(f"{self.name} {what}: {command}")

    def preview_clean(self, what: str) -> None:
        proc = self.pulumi("preview", "--expect-no-changes", check=False)
        if proc.returncode != 0:
            self.soak.outcome.not_clean.append(f"{self.name} {what}")

    def compare(self, what: str) -> None:
        """The stack's workspace against its state."""
        state = json.loads(self.pulumi("stack", "export").stdout)
        self.outputs.append(json.dumps(state))
        found = objects(self.world.control, self.world.client_id)
        in_api, in_state = ids(found), held(state)
        # Each object counts once, however many comparisons see it again.
        for kind, id_ in sorted(in_api - in_state - self.baseline - self.seen):
            self.soak.outcome.orphans.append(f"{self.name} {what}: {kind} {id_}")
            self.seen.add((kind, id_))
        self.soak.outcome.missing += [f"{self.name} {what}: {k} {i}" for k, i in in_state - in_api]
        held_ids = {i for _, i in in_state}
        for group, text in duplicates(found).items():
            # Counted by the extra objects (those no state holds): one orphan beside a key the
            # stack recreates every round is one duplicate, not one a round.
            extra = frozenset(group - held_ids) or group
            if extra not in self.seen_duplicates:
                self.seen_duplicates.add(extra)
                self.soak.outcome.duplicates.append(f"{self.name} {what}: {text}")
        self.soak.remember_keys()

    def remember_outputs(self) -> None:
        out = json.loads(self.pulumi("stack", "output", "--json", "--show-secrets").stdout or "{}")
        self.soak.secrets |= {k["key"] for k in (out.get("api_keys") or {}).values() if k.get("key")}

    def drift(self, rnd: int) -> None:
        """Out of band, as a person in the Instantly UI: a role, a tag description, one assignment."""
        found = objects(self.world.control, self.world.client_id)
        member = next(m for m in found["members"] if m["email"].startswith("m0@"))
        tag = next(t for t in found["tags"] if t["label"].startswith("T0-"))
        role = "admin" if member["role"] != "admin" else "view"
        self.soak.api(self.world, "PATCH", f"/workspace-members/{member['id']}", {"role": role})
        self.soak.api(self.world, "PATCH", f"/custom-tags/{tag['id']}", {"description": f"drift {rnd}"})
        self.soak.api(
            self.world,
            "POST",
            "/custom-tags/toggle-resource",
            {
                "tag_ids": [tag["id"]],
                "resource_type": 2,
                "resource_ids": self.world.campaigns[:1],
                "assign": False,
            },
        )

    def round(self, rnd: int) -> None:
        self.stack.write(declared(self.world, self.name, self.shape, rnd, changed=False))
        self.step("up", f"round {rnd} first up")
        self.remember_outputs()
        self.compare(f"round {rnd} after up")
        self.preview_clean(f"round {rnd} after up")
        self.stack.write(declared(self.world, self.name, self.shape, rnd, changed=True))
        self.step("up", f"round {rnd} change")
        self.remember_outputs()
        self.compare(f"round {rnd} after change")
        self.drift(rnd)
        self.step("refresh", f"round {rnd} refresh after drift")
        self.step("up", f"round {rnd} up after drift")
        self.compare(f"round {rnd} after drift")
        self.preview_clean(f"round {rnd} after drift")
        self.step("destroy", f"round {rnd} destroy")
        self.compare(f"round {rnd} after destroy")

    def files(self) -> Iterator[Path]:
        for root in (self.stack.cli.state_dir, self.stack.cli.project_dir):
            yield from (p for p in root.rglob("*") if p.is_file())


# --- the soak ----------------------------------------------------------------------------------


class Soak:
    """N client stacks of one agency on one sandbox, under the fault mix."""

    def __init__(
        self,
        sandbox: SandboxProcess,
        workdir: Path,
        *,
        stacks: int = 4,
        shape: Shape = Shape(),
        mix: Mix = Mix(),
        seed: int = 7,
        log: Callable[[str], None] = print,
    ) -> None:
        self.sandbox, self.control = sandbox, sandbox.control
        self.workdir, self.mix, self.seed, self.log = workdir, mix, seed, log
        self.outcome = Outcome(stacks=stacks, mix=mix)
        self.secrets: set[str] = set()
        self._lock = threading.Lock()
        pulumi_bin = find_pulumi_bin(REPO)
        if pulumi_bin is None:
            raise RuntimeError("no Pulumi CLI: run `make cli`")
        agency: tuple[str, str] | None = None
        self.runs: list[StackRun] = []
        for i in range(stacks):
            world = make_world(self.control, sandbox.base_url, f"soak{i}", agency=agency)
            agency = (world.agency_id, world.agency_key)
            stack = new_client_stack(workdir, pulumi_bin, world, name=f"soak{i}")
            stack.cli.run("config", "set", "instantly:timeout", f"{mix.timeout:g}", stack=stack.name)
            self.secrets |= {world.agency_key, world.client_key}
            self.runs.append(StackRun(self, stack, shape))

    def count(self, *, ops: Counter[str] | None = None, command: str | None = None) -> None:
        with self._lock:
            if ops:
                self.outcome.operations.update(ops)
            if command:
                self.outcome.commands[command] += 1

    def note(self, line: str) -> None:
        with self._lock:
            self.log(line)

    def remember_keys(self) -> None:
        with self._lock:
            self.secrets |= key_values(self.sandbox.db_path)

    def api(self, world: World, method: str, path: str, body: Any) -> None:
        """An out-of-band call as the agency in the client workspace, retried through the faults
        (each of these calls is idempotent)."""
        for _ in range(30):
            try:
                with world.api() as api:
                    resp = api.request(method, path, json=body, timeout=10)
            except httpx.TransportError:
                continue
            if resp.status_code < 300:
                return
            if resp.status_code not in (429, 500, 502, 503):
                resp.raise_for_status()
            time.sleep(0.2)
        raise RuntimeError(f"out-of-band {method} {path} kept failing")

    def run(self, min_operations: int, max_rounds: int = 50) -> Outcome:
        start = time.monotonic()
        self.control.clear_requests()
        self.control.set_faults(self.mix.rules(), seed=self.seed)
        try:
            with ThreadPoolExecutor(len(self.runs)) as pool:
                while self.outcome.total_operations < min_operations and self.outcome.rounds < max_rounds:
                    rnd = self.outcome.rounds
                    list(pool.map(StackRun.round, self.runs, [rnd] * len(self.runs)))
                    self.outcome.rounds += 1
                    self.log(f"round {rnd}: {self.outcome.total_operations} resource operations so far")
        finally:
            self.control.clear_faults()
        log = self.control.requests()
        self.outcome.requests = len(log)
        for entry in log:
            fault = entry.get("fault")
            if fault == "status":
                fault = "429" if entry["status"] == 429 else "5xx"
            elif fault is None and entry["status"] == 429:
                self.outcome.real_429 += 1
            if fault:
                self.outcome.faults[fault] += 1
            if fault == "delay":
                self.outcome.late_writes[entry["path"].removeprefix("/api/v2")] += 1
        self.search_plaintext()
        self.outcome.seconds = time.monotonic() - start
        return self.outcome

    def search_plaintext(self) -> None:
        """Every key value seen, in every state file, backup, log and captured output."""
        self.remember_keys()
        values = {v for v in self.secrets if v}
        for run in self.runs:
            texts = [(f"{run.name} output", t) for t in run.outputs + run.stack.outputs_seen]
            for path in run.files():
                try:
                    texts.append((str(path), path.read_text(errors="replace")))
                except OSError:
                    continue
            for where, text in texts:
                self.outcome.plaintext += [f"{where}: ...{v[-4:]}" for v in values if v in text]


def write_docs(outcome: Outcome, section: str, page: Path = RELIABILITY_PAGE) -> None:
    """Put the figures between the ``<!-- {section}:begin ... -->`` and ``:end`` markers of
    docs/reliability.md (``soak``, or ``late-writes`` for a run with plain delays)."""
    text = page.read_text()
    begin = re.search(rf"<!-- {section}:begin[^>]*-->", text)
    end = text.find(f"<!-- {section}:end -->")
    if begin is None or end < begin.end():
        raise ValueError(f"{page}: no {section} markers")
    page.write_text(f"{text[: begin.end()]}\n{outcome.markdown()}{text[end:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stacks", type=int, default=4)
    parser.add_argument("--min-operations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--members", type=int, default=4)
    parser.add_argument("--keys", type=int, default=2)
    parser.add_argument("--tags", type=int, default=2)
    parser.add_argument("--late-writes", type=float, default=0.0, help="share of POSTs held before handling")
    parser.add_argument(
        "--write-docs", action="store_true", help="write the figures into docs/reliability.md"
    )
    args = parser.parse_args(argv)
    mix = Mix(late_writes=args.late_writes)
    with (
        tempfile.TemporaryDirectory(prefix="soak-") as tmp,
        SandboxProcess(Path(tmp) / "sandbox.db") as sandbox,
    ):
        soak = Soak(
            sandbox,
            Path(tmp),
            stacks=args.stacks,
            shape=Shape(args.members, args.keys, args.tags),
            mix=mix,
            seed=args.seed,
            log=lambda line: print(line, flush=True),
        )
        outcome = soak.run(args.min_operations)
    print("\n".join(outcome.lines()))
    if args.write_docs:
        write_docs(outcome, "late-writes" if args.late_writes else "soak")
    return 0 if outcome.zero() else 1


if __name__ == "__main__":
    sys.exit(main())
