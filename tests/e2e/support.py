"""Helpers the end-to-end tests share: request tallies, an acceptor, the secret audit."""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tests.worlds import ClientStack, World

API = "/api/v2"


def fleet_json(cli: Any, agency_key: str, *args: str) -> dict[str, Any]:
    """``instantly-pulumi fleet <args> --json`` as a user runs it: the installed console script, in
    the project's directory, with the CLI's environment and the agency key; its JSON report (exit 0
    asserted)."""
    import subprocess

    env = {**cli.environment(), "INSTANTLY_API_KEY": agency_key}
    proc = subprocess.run(
        [str(cli.project_dir / ".venv" / "bin" / "instantly-pulumi"), "fleet", *args, "--json"],
        cwd=cli.project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
POLL = "GET /workspace-group-members/{id}"
"""How SubWorkspace's wait for acceptance reads its invitation (once a second)."""


def endpoint(request: dict[str, Any]) -> str:
    """``GET /workspace-members`` for a logged request; ids become ``{id}``; an answer other than
    2xx is appended (``POST /api-keys 403``) so that refused calls never pass for done ones."""
    path = _ID.sub("{id}", request["path"].removeprefix(API))
    status = request.get("status", 0)
    suffix = "" if 200 <= status < 300 else f" {status}"
    return f"{request['method']} {path}{suffix}"


def tally(requests: Iterable[dict[str, Any]]) -> dict[str, int]:
    """How many requests went to each endpoint (see :func:`endpoint`)."""
    return dict(Counter(endpoint(r) for r in requests))


def writes(requests: Iterable[dict[str, Any]]) -> list[str]:
    """The endpoints of the requests that are not reads, in order."""
    return [endpoint(r) for r in requests if r["method"] != "GET"]


def acting_in(requests: Iterable[dict[str, Any]], workspace_id: str) -> list[str]:
    """Requests sent with ``x-as-workspace: workspace_id``."""
    return [endpoint(r) for r in requests if r.get("as_workspace") == workspace_id]


class Acceptor:
    """Plays the client's owner: accepts the agency's group invitation once the provider has read
    it ``after_polls`` times (seen in the sandbox's request log, which the control plane does not
    add to), so the number of polls a test asserts does not depend on timing."""

    def __init__(self, world: World, after_polls: int) -> None:
        self.world = world
        self.after_polls = after_polls
        self.accepted: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            polls = Counter(
                r["path"].rsplit("/", 1)[-1]
                for r in self.world.control.requests()
                if endpoint(r) == POLL and r["path"].rsplit("/", 1)[-1] not in self.accepted
            )
            for id_, n in polls.items():
                if n >= self.after_polls:
                    self.world.control.accept_group_member(id_)
                    self.accepted.append(id_)

    def __enter__(self) -> Acceptor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- the secret audit ------------------------------------------------------------------------


def _text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", "replace")


def _providers(value: Any) -> Iterator[bytes]:
    """Every pickled dynamic provider (``__provider``: base64, a secret in the state) in a state
    document exported with ``--show-secrets``."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "__provider":
                yield from _providers(v)
            elif isinstance(v, dict) and "plaintext" in v:  # a secret, shown
                yield base64.b64decode(json.loads(v["plaintext"]))
            elif isinstance(v, str):
                yield base64.b64decode(v)
    elif isinstance(value, list):
        for v in value:
            yield from _providers(v)


def audit_secrets(stack: ClientStack, secrets: Iterable[str]) -> dict[str, int]:
    """Assert that no secret appears in plain text anywhere a stack leaves text behind: the state
    backend's files (checkpoints, backups, history) and PULUMI_HOME (logs), the stack files, every
    CLI stdout/stderr the stack saw (the providers' stderr is part of it), and each pickled provider
    in the current state (``__provider``, which the state keeps encrypted: decrypted with
    ``stack export --show-secrets``, then decoded from base64). Returns how many of each were
    scanned, so that a caller can check that the audit saw something."""
    values = [s for s in secrets if s]
    assert values, "nothing to look for"
    state_files = [p for p in stack.cli.state_dir.rglob("*") if p.is_file()]
    for path in state_files:
        text = _text(path)
        for s in values:
            assert s not in text, f"a key in plain text in {path}"
    stack_files = list((stack.cli.project_dir / "stacks").glob("*.yaml"))
    for path in stack_files:
        for s in values:
            assert s not in path.read_text(), f"a key in plain text in {path}"
    exported = stack.cli.run("stack", "export", stack=stack.name).stdout
    for out in [*stack.outputs_seen, exported]:
        for s in values:
            assert s not in out, "a key in plain text in the CLI's output"
    shown = stack.cli.run("stack", "export", "--show-secrets", stack=stack.name).stdout
    pickles = list(_providers(json.loads(shown)))
    for blob in pickles:
        for s in values:
            assert s.encode() not in blob, "a key in a pickled provider in the state"
    return {
        "state files": len(state_files),
        "stack files": len(stack_files),
        "outputs": len(stack.outputs_seen),
        "pickled providers": len(pickles),
    }
