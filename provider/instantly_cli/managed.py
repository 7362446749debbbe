"""Which members and API keys the project's stacks manage, read from their state.

``audit`` run in the project directory asks the user's own ``pulumi`` (from
PATH, in the current directory, with the backend and passphrase the user has
set up) for every stack (``pulumi stack ls --json``) and its state
(``pulumi stack export``). The ids of ``WorkspaceMember`` and ``ApiKey``
resources are the API's ids, so whatever the API lists and no state holds is
access nobody declared. Outside a project, or without a ``pulumi``, this part is
skipped with a note saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instantly_cli import common

__all__ = ["Managed", "StateReadError", "read_project"]

TYPES = {
    "pulumi-python:dynamic/instantly:ApiKey": "keys",
    "pulumi-python:dynamic/instantly:WorkspaceMember": "members",
}
PROFILE_TYPE = "pulumi-python:dynamic/instantly:WorkspaceProfile"
ROOT_TYPE = "pulumi:pulumi:Stack"
TIMEOUT = 120.0


class StateReadError(RuntimeError):
    """``pulumi`` could not list the stacks or export one (the message says which and why)."""


@dataclass
class Managed:
    """What the project's stacks manage, by workspace."""

    checked: bool
    """Whether the stacks were read (False: outside a project, or no ``pulumi``)."""
    note: str = ""
    """Why they were not read, or where from."""
    stacks: list[str] = field(default_factory=list)
    """The stacks read."""
    workspaces: dict[str, set[str]] = field(default_factory=dict)
    """Workspace id → the stacks that manage something in it."""
    keys: set[str] = field(default_factory=set)
    """API ids of managed API keys."""
    members: set[str] = field(default_factory=set)
    """API ids of managed workspace members."""
    profiles: set[str] = field(default_factory=set)
    """Workspace ids whose profile (name, logo) a stack manages (``WorkspaceProfile``)."""

    def stacks_of(self, workspace_id: str) -> list[str]:
        """The stacks that declare ``workspace_id``, sorted."""
        return sorted(self.workspaces.get(workspace_id, ()))

    def add_state(self, stack: str, deployment: dict[str, Any]) -> None:
        """Take in one stack's exported state."""
        for res in deployment.get("resources") or []:
            outputs = res.get("outputs") or {}
            ws = outputs.get("workspace_id")
            if res.get("type") == ROOT_TYPE and isinstance(ws, str):
                self.workspaces.setdefault(ws, set()).add(stack)
            if res.get("type") == PROFILE_TYPE and isinstance(ws, str):
                self.profiles.add(ws)
            kind = TYPES.get(str(res.get("type")))
            if kind is None or not res.get("id"):
                continue
            getattr(self, kind).add(res["id"])
            if isinstance(ws, str):
                self.workspaces.setdefault(ws, set()).add(stack)


def _pulumi(binary: str, cwd: Path, *args: str) -> str:
    env = {**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}
    try:
        proc = subprocess.run(
            [binary, *args, "--non-interactive"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StateReadError(f"`pulumi {' '.join(args)}` failed: {exc}") from None
    if proc.returncode != 0:
        # Pulumi's errors may quote the backend URL, and with it a PostgreSQL password.
        why = common.mask_credentials(proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise StateReadError(
            f"`pulumi {' '.join(args)}` exited with {proc.returncode}: {' '.join(why[-3:])[:500]}"
        )
    return proc.stdout


def read_project(cwd: Path) -> Managed:
    """The managed objects of every stack of the project in ``cwd`` (progress on stderr).

    :class:`StateReadError` when ``pulumi`` fails (not logged in, a wrong passphrase, ...).
    """
    if not (cwd / "Pulumi.yaml").is_file():
        return Managed(
            checked=False,
            note="not run in a Pulumi project (no Pulumi.yaml here): keys and members that no stack "
            "manages were not looked for; run audit in the project directory to include them",
        )
    binary = shutil.which("pulumi")
    if binary is None:
        return Managed(
            checked=False,
            note="no `pulumi` on PATH: keys and members that no stack manages were not looked for",
        )
    try:
        listed = json.loads(_pulumi(binary, cwd, "stack", "ls", "--json"))
    except json.JSONDecodeError:
        raise StateReadError("`pulumi stack ls --json` did not answer JSON") from None
    names = [str(s["name"]) for s in listed if isinstance(s, dict) and s.get("name")]
    managed = Managed(checked=True, note=f"the state of {len(names)} stack(s) of {cwd}", stacks=names)
    for name in common.walk("reading stack state", names, label=str):
        try:
            state = json.loads(_pulumi(binary, cwd, "stack", "export", "--stack", name))
        except json.JSONDecodeError:
            raise StateReadError(f"`pulumi stack export --stack {name}` did not answer JSON") from None
        managed.add_state(name, state.get("deployment") or {})
    return managed
