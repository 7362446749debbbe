"""Run one Pulumi operation over many stacks side by side, through the Automation API.

Each stack runs in a thread of the fleet process, but its work happens in the
real ``pulumi`` CLI that the Automation API starts (:class:`LocalWorkspace`
with ``work_dir`` = the project root, so the project's own program, language
host and virtualenv run exactly as with ``pulumi up`` there). The threads only
wait on pipes and count engine events, so threads, not processes: the CPU goes
to the CLI, the program and the provider of each stack.

Every stack of one run shares one rate budget (``INSTANTLY_RATE_FILE``, see
:mod:`instantly_pulumi.throttle`) and counts its API requests in a file of its
own (``INSTANTLY_REQUEST_COUNT_FILE``); the engine's output goes to the stack's
log file, never to the terminal.

Operations run as the Automation API runs them: ``up``, ``refresh`` and
``destroy`` with ``--skip-preview`` (one pass: a refresh reads each resource
once), ``preview`` as ``pulumi preview``, and ``refresh --detect-drift`` as
``pulumi preview --refresh`` (read, compare, write nothing; see :mod:`.drift`).

Over 400 lines on purpose: :class:`Fleet` is one scheduler (the threads, the shared budget,
the per-stack logs and events); its helpers are already in the fleet package's other modules.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import yaml
from pulumi.automation import (
    CommandError,
    EngineEvent,
    LocalWorkspace,
    OpType,
    Stack,
    UpdateSummary,
    Workspace,
)

from instantly_cli.common import mask_credentials
from instantly_cli.fleet.drift import DriftWatch
from instantly_cli.fleet.fingerprints import (
    TAG,
    Fingerprint,
    read_recorded,
    shared_parts,
    why_run,
    with_file,
)
from instantly_cli.fleet.members import MemberChanges
from instantly_cli.fleet.sessions import Interrupts, SessionCommand, StoppedError
from instantly_cli.fleet.stacks import Project
from instantly_cli.pulumi_runner import file_backend_url
from instantly_pulumi.recovery import TYPE_PREFIX
from instantly_pulumi.resources._recovery import INTENT

__all__ = ["FINE", "FINISHED", "Fleet", "FleetStack", "StackRun", "mask_credentials"]

FINISHED = ("succeeded", "failed", "cancelled", "not started", "skipped", "unchanged")
"""The results a stack can end with."""
FINE = ("succeeded", "skipped", "unchanged")
"""The results that are not a problem."""

_ERROR_CHARS = 2_000
_ERROR_LINES = 5


@dataclass
class StackRun:
    """One stack's part in a fleet run: its progress while it runs, its result after."""

    name: str
    log: Path
    """The stack's engine output, in full."""
    requests_file: Path
    """Where its processes tally their API requests (one byte each)."""
    state: str = "queued"
    """``queued``, ``running``, then one of :data:`FINISHED`."""
    created: bool = False
    """Whether this run created the stack on the backend."""
    new: bool = False
    """A preview of a stack the backend does not have yet (run against a scratch backend)."""
    started: float | None = None
    seconds: float | None = None
    """Wall time of the stack's operation, creation included."""
    changes: dict[str, int] = field(default_factory=dict)
    """Resources by step kind (``create``, ``update``, ``same``...), from the engine's summary."""
    done: int = 0
    """Resource steps finished so far."""
    error: str | None = None
    """Why it failed (the engine's error diagnostics, else the CLI's error lines)."""
    pending_operations: int | None = None
    """After a cancellation: operations the state still lists as pending (0 when clean)."""
    pending_cleared: int = 0
    """After an ``up``: records of creates a killed run left, which this ``up`` resolved and the fleet
    then removed from the state."""
    drift: DriftWatch | None = None
    """With ``--detect-drift``: what the stack's read found changed (None otherwise)."""
    members: MemberChanges | None = None
    """With ``up``: who the stack's run added to its workspace and who it removed (None otherwise)."""
    why: list[str] | None = None
    """With ``up --changed``: what changed since the stack's last successful ``fleet up`` (empty:
    nothing, and the stack is ``unchanged``); None otherwise."""
    _in_flight: dict[str, str] = field(default_factory=dict)
    _errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_requests(self) -> int | None:
        """API requests made by the stack's processes (None when its tally is missing)."""
        try:
            return self.requests_file.stat().st_size
        except OSError:
            return None

    def in_flight(self) -> list[str]:
        """The operations of the resource steps running now (``create``, ``update``...)."""
        with self._lock:
            return list(self._in_flight.values())

    def observe(self, event: EngineEvent) -> None:
        """Take in one engine event (called from the Automation API's event thread)."""
        if self.drift is not None:
            self.drift.observe(event)
        if self.members is not None:
            self.members.observe(event)
        with self._lock:
            if event.resource_pre_event:
                meta = event.resource_pre_event.metadata
                if meta.op != OpType.SAME:
                    self._in_flight[meta.urn] = _op(meta.op)
            elif event.res_outputs_event:
                self._in_flight.pop(event.res_outputs_event.metadata.urn, None)
                self.done += 1
            elif event.res_op_failed_event:
                self._in_flight.pop(event.res_op_failed_event.metadata.urn, None)
            elif event.policy_event and event.policy_event.enforcement_level == "mandatory":
                # A mandatory policy's violation is why the stack failed: name the policy.
                policy = event.policy_event
                message = f"policy {policy.policy_name} ({policy.policy_pack_name}): {policy.message.strip()}"
                if message not in self._errors:
                    self._errors.append(message)
            elif event.diagnostic_event and event.diagnostic_event.severity == "error":
                message = event.diagnostic_event.message.strip()
                if message and message not in self._errors:
                    self._errors.append(message)
            elif event.summary_event:
                self.changes = {_op(op): n for op, n in event.summary_event.resource_changes.items()}

    def fail(self, state: str, stderr: Sequence[str], fallback: str) -> None:
        """End as ``state`` with the clearest error message at hand."""
        self.state = state
        lines = [e for e in self._errors if e != "update failed"] or [
            line.removeprefix("error: ") for line in stderr if line.startswith("error:")
        ]
        if len(lines) > _ERROR_LINES:
            lines = [*lines[:_ERROR_LINES], f"… and {len(lines) - _ERROR_LINES} more errors (see the log)"]
        text = mask_credentials("\n".join(lines).strip() or fallback.strip())
        self.error = text if len(text) <= _ERROR_CHARS else text[:_ERROR_CHARS] + " …"


def _op(op: Any) -> str:
    return str(op.value if isinstance(op, OpType) else op)


class FleetStack(Stack):
    """A stack the fleet knows exists, run without the Automation API's extra CLI calls.

    ``Stack(...)`` runs ``pulumi stack select``, which rewrites the workspace's
    current-stack file that every stack of the project shares (parallel runs
    would race on it) and is not needed: every command names ``--stack``.
    After ``up``, ``refresh`` and ``destroy``, the Automation API also runs
    ``pulumi stack output --show-secrets`` and ``pulumi stack history``: two
    more CLI starts per stack, and secrets decrypted into the fleet's memory.
    The fleet takes the change counts from the engine's own summary event
    instead (:attr:`changes`), and never reads outputs.
    """

    def __init__(self, name: str, workspace: LocalWorkspace) -> None:  # no super(): see above
        self.name = name
        self.workspace = workspace
        self.changes: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"FleetStack({self.name!r}, work_dir={self.workspace.work_dir!r})"

    def outputs(self) -> dict[str, Any]:
        """Not read by the fleet (it would decrypt secret outputs)."""
        return {}

    def info(self, show_secrets: bool = True) -> UpdateSummary:
        """The summary the engine reported, without a ``pulumi stack history`` call."""
        return UpdateSummary(
            kind="fleet",
            start_time=datetime.now(),
            message="",
            environment={},
            config={},
            result="succeeded",
            resource_changes=dict(self.changes),  # type: ignore[arg-type]
        )


class Fleet:
    """One operation (``preview``, ``up``, ``refresh``, ``destroy``) over ``names``, ``parallel`` at a time.

    ``run_dir`` receives one ``<stack>.log`` and ``<stack>.requests`` per stack
    and, unless ``budget_file`` names another, the run's rate budget.
    """

    def __init__(
        self,
        project: Project,
        operation: str,
        names: Sequence[str],
        *,
        parallel: int,
        run_dir: Path,
        budget_file: Path,
        secrets_provider: str | None = None,
        policy_packs: Sequence[str] = (),
        policy_pack_configs: Sequence[str] = (),
        detect_drift: bool = False,
        changed_only: bool = False,
    ) -> None:
        if detect_drift and operation != "refresh":
            raise ValueError("detect_drift goes with refresh only")
        if changed_only and operation != "up":
            raise ValueError("changed_only goes with up only")
        self.changed_only = changed_only
        """``up --changed``: only the stacks whose inputs changed since their last successful ``fleet
        up`` run (:mod:`.fingerprints`); the others end ``unchanged`` without starting Pulumi."""
        self.project = project
        self.operation = operation
        self.detect_drift = detect_drift
        """``refresh --detect-drift``: each stack is read and compared (``pulumi preview --refresh``),
        nothing is written; what differs is in each run's :attr:`StackRun.drift`."""
        self.parallel = max(1, parallel)
        self.run_dir = run_dir
        self.budget_file = budget_file
        self.secrets_provider = secrets_provider
        self.policy_packs = list(policy_packs)
        """Policy packs ``preview`` and ``up`` run on every stack, with their configs by position."""
        self.policy_pack_configs = list(policy_pack_configs)
        self.runs = [StackRun(n, run_dir / f"{n}.log", run_dir / f"{n}.requests") for n in names]
        for run in self.runs:
            run.drift = DriftWatch() if detect_drift else None
            run.members = MemberChanges() if operation == "up" else None
        self.interrupted = 0
        """Signals received (1: cancelled cleanly; 2 or more: forwarded, Pulumi terminated at once)."""
        self.backend: str | None = None
        self.seconds = 0.0
        self._command: SessionCommand | None = None
        self._existing: set[str] = set()
        self._shared: dict[str, str] = {}
        """The parts of the fingerprints every stack shares (``up`` only; see :mod:`.fingerprints`)."""
        self._log_lock = threading.Lock()

    def environment(self, run: StackRun) -> dict[str, str]:
        """What the fleet adds to the user's environment for one stack's processes."""
        return {
            "INSTANTLY_RATE_FILE": str(self.budget_file),
            "INSTANTLY_REQUEST_COUNT_FILE": str(run.requests_file),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }

    def workspace(self, env: dict[str, str] | None = None) -> LocalWorkspace:
        """A workspace on the project root (the project's program, as ``pulumi`` in that directory)."""
        assert self._command is not None
        return LocalWorkspace(work_dir=str(self.project.root), pulumi_command=self._command, env_vars=env)

    def run(self, interrupts: Interrupts, tick: Callable[[str | None], None]) -> list[StackRun]:
        """Run every stack; ``tick(note)`` is called about ten times a second from this thread.

        Signals counted by ``interrupts`` stop the run: see :mod:`.sessions`.
        """
        start = time.monotonic()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for run in self.runs:
            run.requests_file.write_bytes(b"")
        self._command = SessionCommand()
        ws = self.workspace({"PULUMI_SKIP_UPDATE_CHECK": "true"})
        # One after the other, not side by side: the first CLI to open a new PostgreSQL backend
        # creates its table, and two doing it at once can collide in PostgreSQL's catalog
        # ("duplicate key value violates unique constraint pg_type_typname_nsp_index").
        summaries = {s.name: s for s in ws.list_stacks()}
        self._existing = set(summaries)
        backend = ws.who_am_i().url
        self.backend = _masked(backend)
        if self.operation == "up":  # recorded after each successful up, compared by --changed
            version = self._command.version
            checks = [Path(p) for p in (*self.policy_packs, *self.policy_pack_configs)]
            self._shared = shared_parts(self.project.root, str(version) if version else None, checks)
        if self.changed_only:
            self._sort_out_unchanged(backend, summaries)
        handled = 0
        with ThreadPoolExecutor(self.parallel, thread_name_prefix="fleet") as pool:
            pending: set[Future[None]] = {
                pool.submit(self._one, run) for run in self.runs if run.state != "unchanged"
            }
            while pending:
                _done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                note = None
                if interrupts.count > handled:
                    handled = interrupts.count
                    note = self._interrupt(handled)
                tick(note)
        if self.interrupted:
            for run in self.runs:
                if run.state == "cancelled":
                    run.pending_operations = self._pending_operations(run.name)
        self.seconds = time.monotonic() - start
        tick(None)
        return self.runs

    def _sort_out_unchanged(self, backend: str | None, summaries: dict[str, Any]) -> None:
        """``--changed``: each run's :attr:`StackRun.why`, from what its tag recorded; a run with
        nothing changed ends ``unchanged`` here, before any Pulumi engine starts."""
        assert self._command is not None
        known = [run.name for run in self.runs if run.name in self._existing]
        recorded = read_recorded(backend, self.project.name, known, self._read_tag, self.parallel)
        files = self.project.stack_files()
        for run in self.runs:
            if run.name not in self._existing:
                run.why = ["not on the backend yet"]
                continue
            now = with_file(self._shared, files[run.name])
            run.why = why_run(now, recorded.get(run.name), summaries[run.name].last_update)
            if not run.why:
                run.state, run.seconds = "unchanged", 0.0

    def _read_tag(self, name: str) -> str | None:
        """The stack's :data:`TAG` through the CLI (``pulumi stack tag get``); None when it has none."""
        assert self._command is not None
        try:
            result = self._command.run(
                ["stack", "tag", "get", TAG, "--stack", name],
                str(self.project.root),
                {"PULUMI_SKIP_UPDATE_CHECK": "true"},
            )
        except CommandError:
            return None  # no such tag (or no such stack): nothing recorded
        return result.stdout.strip() or None

    def _record(
        self, ws: Workspace, run: StackRun, ran_with: Fingerprint, on_output: Callable[[str], None]
    ) -> None:
        """After a successful ``up``: record what it ran with (:mod:`.fingerprints`) on the stack.
        A failure to record is logged, not fatal: the next ``--changed`` then simply runs the stack."""
        value = ran_with.tag_value(time.time())
        try:
            ws.pulumi_command.run(
                ["stack", "tag", "set", TAG, value, "--stack", run.name],
                str(self.project.root),
                ws.env_vars,
                on_output,
                on_output,
            )
        except CommandError as exc:
            on_output(f"fleet: could not record the stack's inputs ({exc}); `up --changed` will run it")

    def _forget(self, ws: Workspace, run: StackRun, on_output: Callable[[str], None]) -> None:
        """After an ``up`` that did not succeed: remove what was recorded, so that ``--changed`` runs
        the stack again whatever it finds unchanged (the failed run may have changed some objects)."""
        try:
            ws.pulumi_command.run(
                ["stack", "tag", "rm", TAG, "--stack", run.name], str(self.project.root), ws.env_vars
            )
            on_output("fleet: removed the recorded inputs (this up did not succeed)")
        except (CommandError, StoppedError):
            pass  # none was recorded, or the backend cannot be reached: nothing to forget either way

    def _interrupt(self, count: int) -> str:
        assert self._command is not None
        self.interrupted = count
        self._command.stop()
        signalled = self._command.interrupt()
        if count == 1:
            return (
                f"Cancelling: no new stack starts; {signalled} running finish their resource operations "
                "in flight, save their state and release their locks. Ctrl-C again terminates them at "
                "once (which can leave pending operations)."
            )
        return f"Terminating {signalled} running stacks at once (a second interrupt, forwarded to Pulumi)."

    def _one(self, run: StackRun) -> None:
        assert self._command is not None
        if self._command.stopping:
            run.state = "not started"
            return
        run.state, run.started = "running", time.monotonic()
        stderr: list[str] = []
        with open(run.log, "w", encoding="utf-8") as log:
            write = self._writer(log)

            def on_error(line: str) -> None:
                stderr.append(line)
                write(line)

            try:
                self._operate(run, write, on_error)
            except StoppedError:
                run.state = "not started"
            except CommandError as exc:
                run.fail("cancelled" if self._command.stopping else "failed", stderr, str(exc))
            except Exception as exc:  # one stack's surprise must not stop the others
                run.fail("failed", stderr, f"{type(exc).__name__}: {exc}")
                write(f"fleet: {type(exc).__name__}: {exc}")
            if self.operation == "up" and run.state in ("failed", "cancelled") and run.name in self._existing:
                self._forget(self.workspace(self.environment(run)), run, write)
        run.seconds = time.monotonic() - run.started

    def _writer(self, log: TextIO) -> Callable[[str], None]:
        def write(line: str) -> None:
            line = mask_credentials(line)  # the engine's errors may quote the backend URL
            with self._log_lock:
                log.write(line + "\n")
                log.flush()

        return write

    def _operate(
        self, run: StackRun, on_output: Callable[[str], None], on_error: Callable[[str], None]
    ) -> None:
        ws = self.workspace(self.environment(run))
        if run.name not in self._existing:
            if self.operation in ("refresh", "destroy"):
                run.state = "skipped"
                run.error = f"no stack {run.name!r} on the backend: nothing to {self.operation}"
                return
            if self.operation == "preview":
                with scratch_project(self.project, run.name) as (root, backend):
                    on_output(
                        f"fleet: stack {run.name!r} is not on the backend yet: previewing it against a "
                        "scratch backend (nothing is created; `fleet up` creates it)"
                    )
                    env = {**self.environment(run), "PULUMI_BACKEND_URL": backend}
                    scratch = LocalWorkspace(work_dir=str(root), pulumi_command=self._command, env_vars=env)
                    self._init(scratch, run.name, root, on_output, on_error)
                    run.new = True
                    self._run(FleetStack(run.name, scratch), run, on_output, on_error)
                return
            self._init(ws, run.name, self.project.root, on_output, on_error)
            run.created = True
        self._run(FleetStack(run.name, ws), run, on_output, on_error)

    def _init(
        self,
        ws: LocalWorkspace,
        name: str,
        root: Path,
        on_output: Callable[[str], None],
        on_error: Callable[[str], None],
    ) -> None:
        """``pulumi stack init`` in ``ws``'s backend (a passphrase stack reuses its file's
        ``encryptionsalt``, so the file's secrets still decrypt)."""
        args = ["stack", "init", name, "--no-select"]
        if self.secrets_provider:
            args += ["--secrets-provider", self.secrets_provider]
        on_output(f"fleet: creating stack {name!r} (pulumi {' '.join(args)})")
        ws.pulumi_command.run(args, str(root), ws.env_vars, on_output, on_error)

    def _run(
        self,
        stack: FleetStack,
        run: StackRun,
        on_output: Callable[[str], None],
        on_error: Callable[[str], None],
    ) -> None:
        """Run the fleet's operation on ``stack``, counting its engine events into ``run``."""

        def on_event(event: EngineEvent) -> None:
            run.observe(event)
            if event.summary_event:
                stack.changes = dict(run.changes)

        common: dict[str, Any] = {
            "on_output": on_output,
            "on_error": on_error,
            "on_event": on_event,
            "color": "never",
        }
        policies: dict[str, Any] = {}
        if self.policy_packs:
            policies = {"policy_packs": self.policy_packs, "policy_pack_configs": self.policy_pack_configs}
        if self.operation == "preview":
            stack.preview(**common, **policies)
        elif self.operation == "up":
            ran_with = with_file(self._shared, self.project.stack_files()[run.name])
            stack.up(**common, **policies)
            run.pending_cleared = self._clear_resolved_creates(stack.workspace, run.name, on_output, on_error)
            self._record(stack.workspace, run, ran_with, on_output)
        elif self.operation == "refresh" and self.detect_drift:
            # Read every object and run the program on what was read, in memory: neither the state
            # nor the stack file is written (a preview), and the events say what differs.
            stack.preview(refresh=True, **common)
        elif self.operation == "refresh":
            stack.refresh(**common)
        elif self.operation == "destroy":
            stack.destroy(**common)
        else:  # pragma: no cover - the command line offers only the four
            raise ValueError(self.operation)
        run.state = "succeeded"

    def _clear_resolved_creates(
        self, ws: Workspace, name: str, on_output: Callable[[str], None], on_error: Callable[[str], None]
    ) -> int:
        """After an ``up`` that succeeded, drop Pulumi's records of the creates a killed run left.

        Pulumi keeps a pending CREATE through every ``up`` (only a refresh may drop it). The program
        handed each one's intent back to its object, whose create took over what the killed run made,
        or removed what it made of an object no longer declared: so once this ``up`` succeeded, every
        record that carries an intent is resolved. Exported and imported without decrypting secrets.
        """
        out: list[str] = []
        root, env = str(self.project.root), ws.env_vars
        ws.pulumi_command.run(["stack", "export", "--stack", name], root, env, out.append, on_error)
        doc = json.loads("\n".join(out))
        pending = doc.get("deployment", {}).get("pending_operations") or []
        keep = [op for op in pending if not _resolved_by_up(op)]
        if len(keep) == len(pending):
            return 0
        doc["deployment"]["pending_operations"] = keep
        with tempfile.NamedTemporaryFile("w", dir=self.run_dir, suffix=".json", delete=False) as f:
            json.dump(doc, f)
        try:
            ws.pulumi_command.run(
                ["stack", "import", "--file", f.name, "--stack", name], root, env, on_output, on_error
            )
        finally:
            Path(f.name).unlink(missing_ok=True)
        cleared = len(pending) - len(keep)
        on_output(
            f"fleet: removed {cleared} record(s) of creates an interrupted run left (resolved by this up)"
        )
        return cleared

    def _pending_operations(self, name: str) -> int | None:
        """How many operations the stack's state still lists as pending (None if it cannot be read)."""
        try:
            deployment = self.workspace().export_stack(name).deployment or {}
        except CommandError:
            return None
        return len(deployment.get("pending_operations") or [])


def _resolved_by_up(op: dict[str, Any]) -> bool:
    """A pending CREATE of this package's resources that carries an intent (see
    :mod:`instantly_pulumi.recovery`): the program resolves it in every ``up``."""
    resource = op.get("resource") or {}
    return (
        op.get("type") == "creating"
        and str(resource.get("type", "")).startswith(TYPE_PREFIX)
        and isinstance((resource.get("inputs") or {}).get(INTENT), dict)
    )


def _masked(url: str | None) -> str | None:
    """A backend URL without credentials (``postgres://user:pass@host`` → ``postgres://****@host``)."""
    return mask_credentials(url) if url else url


@contextlib.contextmanager
def scratch_project(project: Project, name: str) -> Iterator[tuple[Path, str]]:
    """A throwaway copy of the project's settings and of one stack's file, with a ``file://`` backend
    of its own: a preview of a stack the backend does not have yet, that creates nothing on the
    backend and writes nothing in the project (``stack init`` writes the file's salt, in the copy).

    Yields the copy's root and its backend URL; both are deleted afterwards.
    """
    with tempfile.TemporaryDirectory(prefix=f"fleet-preview-{name}-") as tmp:
        root, backend = Path(tmp) / "project", Path(tmp) / "backend"
        (root / "stacks").mkdir(parents=True)
        backend.mkdir()
        settings = yaml.safe_load((project.root / "Pulumi.yaml").read_text()) or {}
        # Paths in Pulumi.yaml are relative to the project's root: keep them pointing there.
        if settings.get("main"):
            settings["main"] = str(project.root / str(settings["main"]))
        runtime = settings.get("runtime")
        options = runtime.get("options") if isinstance(runtime, dict) else None
        if isinstance(options, dict) and options.get("virtualenv"):
            options["virtualenv"] = str(project.root / str(options["virtualenv"]))
        settings["stackConfigDir"] = "stacks"
        (root / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
        shutil.copyfile(project.stack_files()[name], root / "stacks" / f"Pulumi.{name}.yaml")
        yield root, file_backend_url(backend)
