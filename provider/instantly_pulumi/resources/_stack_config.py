"""The stack's configuration as it is *now*, for the runs where Pulumi replays an old one.

``pulumi preview`` and ``pulumi up`` run the program, and the engine hands the
provider the stack's current configuration. ``pulumi refresh`` and ``pulumi
destroy`` do not run the program (unless ``--run-program``): the engine
configures the provider with the configuration saved in the state by the last
``up`` (pulumi/pulumi#4981). The agency key lives in that configuration, so
after a rotation (new key set, old key revoked) a refresh or destroy would
authenticate with the revoked key.

A provider process that has served a ``check`` knows its configuration is
the program's. One that has not (a refresh or destroy) asks the Pulumi CLI
for the stack's current ``instantly:*`` settings — one ``pulumi config`` run
per process, for the stack named by the request's URN, in the directory of the
``Pulumi.yaml`` that has that stack's file — and uses them instead. When the CLI
cannot say (no such project directory above the program's), the configuration
the engine gave is used, as before.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from instantly_pulumi.resources import _grpc

__all__ = ["current", "program_ran"]

_PROGRAM_RAN = threading.Event()
_LOCK = threading.Lock()
_READ: dict[str, dict[str, Any] | None] = {}
_TIMEOUT = 60.0


def program_ran() -> None:
    """This process serves a run of the program (``check`` was called): its configuration is current."""
    _PROGRAM_RAN.set()


def current(configured: Mapping[str, Any] | None, keys: tuple[str, ...]) -> Mapping[str, Any] | None:
    """``keys`` of the stack's current configuration when the engine may have replayed an old one
    (no ``check`` seen in this process), else ``configured`` as it is."""
    if _PROGRAM_RAN.is_set():
        return configured
    urn = _grpc.request_urn()
    stack = _grpc.stack_of(urn) if urn else None
    if urn is None or stack is None:
        return configured  # not inside an engine request (unit tests, direct use)
    with _LOCK:
        if stack not in _READ:
            _READ[stack] = _read(_grpc.project_of(urn), stack, keys)
        found = _READ[stack]
    if found is None:
        return configured
    # Settings no longer in the stack's config fall back to the environment (INSTANTLY_*), as in `up`.
    return {k: found.get(k) for k in keys}


def _project_root(project: str | None, stack: str) -> Path | None:
    """The directory of the Pulumi.yaml that runs ``stack`` of ``project``: the nearest one at or above
    the provider's working directory (the program's) whose project has that stack's file."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        settings = folder / "Pulumi.yaml"
        if not settings.is_file():
            continue
        try:
            doc = yaml.safe_load(settings.read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue
        if not isinstance(doc, dict) or (project is not None and doc.get("name") != project):
            continue
        stacks = folder / str(doc.get("stackConfigDir") or ".")
        if any((stacks / f"Pulumi.{stack}.{ext}").is_file() for ext in ("yaml", "yml")):
            return folder
    return None


def _read(project: str | None, stack: str, keys: tuple[str, ...]) -> dict[str, Any] | None:
    pulumi, root = shutil.which("pulumi"), _project_root(project, stack)
    if pulumi is None or root is None:
        return None
    why = ""
    try:
        done = subprocess.run(
            [pulumi, "config", "--json", "--show-secrets", "--stack", stack],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
            check=False,
        )
        config = json.loads(done.stdout) if done.returncode == 0 else None
        why = f"exit code {done.returncode}"
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        config, why = None, type(exc).__name__
    if not isinstance(config, dict):
        _grpc.note(
            f"could not read the current configuration of stack {stack!r} with `pulumi config` ({why}): "
            "using the settings saved by its last `pulumi up`",
            warning=True,
        )
        return None
    return {k: entry.get("value") for k, entry in config.items() if k in keys and isinstance(entry, dict)}
