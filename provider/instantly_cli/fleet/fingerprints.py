"""What determines a stack's ``up``, as hashes recorded with the stack: `fleet up --changed`.

A stack's ``up`` depends on five things, each hashed separately (:class:`Fingerprint`):

- ``file`` — its stack file, as bytes (its secrets are in it, encrypted);
- ``project`` — the project settings in ``Pulumi.yaml``: the agency config (the project-level
  ``config:``), the program's path and runtime;
- ``program`` — the program's folder, the library's sources and version (``instantly_pulumi``, as
  installed where the fleet runs: the project's virtualenv), the Pulumi SDK's and CLI's versions;
- ``secrets`` — the settings the program reads from the environment (``INSTANTLY_API_KEY``,
  ``INSTANTLY_BASE_URL``, ``INSTANTLY_TIMEOUT``): a hash of their values, never the values;
- ``policies`` — the policy packs and configs the run checks every stack with (``--policy-pack``):
  a stack that passed without them, or with another pack, is checked again.

After every successful ``fleet up`` the fleet records them, with the time, as the stack tag
:data:`TAG` on the backend (``pulumi stack tag set``): with the stack, so another machine or a CI
runner sees them, on every backend that keeps stack tags (the DIY ones, Pulumi Cloud). A failed
``up`` records nothing and removes what was recorded. A stack whose state was written after the
recorded time (a plain ``pulumi up``, ``refresh`` or ``destroy``, a failed run) is changed too: its
``lastUpdate``, which the fleet's one ``pulumi stack ls`` already reports, is later.

Reading what was recorded must not cost a Pulumi engine per stack: on a ``file://`` backend the tag
files are read directly (:func:`read_recorded`); elsewhere one ``pulumi stack tag get`` per stack, side
by side (a CLI start, no engine, no program).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "SECRET_SETTINGS",
    "TAG",
    "Fingerprint",
    "Recorded",
    "read_recorded",
    "shared_parts",
    "why_run",
    "with_file",
]

TAG = "instantly:fleet-inputs"
"""The stack tag holding what the last successful ``fleet up`` ran with."""

SECRET_SETTINGS = ("INSTANTLY_API_KEY", "INSTANTLY_BASE_URL", "INSTANTLY_TIMEOUT")
"""The environment the program reads (see ``instantly_pulumi.client.setting``); stack-file values win."""

PARTS = {
    "file": "its stack file changed",
    "project": "the project settings changed (Pulumi.yaml: the agency config, the program's path)",
    "program": "the program or the library changed",
    "secrets": "a setting it reads from the environment changed (INSTANTLY_API_KEY, INSTANTLY_BASE_URL...)",
    "policies": "the policy packs or their configs changed (--policy-pack, --policy-pack-config)",
}
"""Each part of a fingerprint, and what the report says when it changed."""

_SKIPPED_DIRS = {"__pycache__", ".venv", "venv", ".state", ".git", "node_modules"}


def _digest(chunks: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(len(chunk).to_bytes(8, "big"))  # lengths: no two inputs hash alike by concatenation
        h.update(chunk)
    return h.hexdigest()[:16]


def _files(folder: Path, skip: Iterable[Path] = ()) -> Iterable[bytes]:
    """Every file under ``folder`` (sorted, path and content), without caches, venvs, state or ``skip``."""
    skipped = {p.resolve() for p in skip}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part in _SKIPPED_DIRS for part in path.relative_to(folder).parts):
            continue
        if any(path.resolve().is_relative_to(s) for s in skipped) or path.suffix == ".pyc":
            continue
        yield str(path.relative_to(folder)).encode()
        yield path.read_bytes()


@dataclass(frozen=True)
class Fingerprint:
    """The hashes of what determines one stack's ``up`` (:data:`PARTS`), 16 hex digits each."""

    parts: Mapping[str, str]

    def tag_value(self, at: float) -> str:
        """The tag's value: the time it was recorded (Unix seconds) and each part's hash."""
        return " ".join([f"at={at:.3f}", *(f"{k}={v}" for k, v in sorted(self.parts.items()))])


@dataclass(frozen=True)
class Recorded:
    """What a stack's tag says: the parts' hashes and when they were recorded."""

    parts: Mapping[str, str]
    at: float

    @classmethod
    def parse(cls, value: str | None) -> Recorded | None:
        """The tag's value read back; None when there is none or it is not one of ours."""
        if not value:
            return None
        fields = dict(item.partition("=")[::2] for item in value.split())
        try:
            at = float(fields.pop("at"))
        except (KeyError, ValueError):
            return None
        return cls(fields, at)


def with_file(shared: Mapping[str, str], stack_file: Path) -> Fingerprint:
    """A stack's fingerprint: the parts every stack shares, and its stack file as it is now (hashed
    again just before its ``up``: ``pulumi stack init`` writes the file's ``encryptionsalt``)."""
    return Fingerprint({**shared, "file": _digest([stack_file.read_bytes()])})


def shared_parts(root: Path, cli_version: str | None, policies: Sequence[Path] = ()) -> dict[str, str]:
    """The parts every stack of the project shares (``project``, ``program``, ``secrets``,
    ``policies``), from the project at ``root``, the policy packs and their config files the run
    checks every stack with (``policies``), and the environment of this process."""
    settings_file = root / "Pulumi.yaml"
    settings = yaml.safe_load(settings_file.read_text()) or {}
    # Parsed, so that comments and layout do not count; everything else in it does.
    project = _digest([json.dumps(settings, sort_keys=True, default=str).encode()])
    main = root / str(settings.get("main") or ".")
    stack_dir = root / str(settings.get("stackConfigDir") or ".")
    import instantly_pulumi  # the library the program imports, as installed here

    library = Path(instantly_pulumi.__file__).parent
    versions = [_version("instantly-pulumi"), _version("pulumi"), cli_version or "?"]
    program = _digest(
        [
            *(v.encode() for v in versions),
            *_files(main, skip=[stack_dir] if stack_dir.resolve() != main.resolve() else []),
            *_files(library),
        ]
    )
    secrets = _digest(f"{name}={os.environ.get(name, '')}".encode() for name in SECRET_SETTINGS)
    checks = _digest(
        chunk
        for path in policies
        for chunk in (_files(path) if path.is_dir() else [str(path).encode(), path.read_bytes()])
    )
    return {"project": project, "program": program, "secrets": secrets, "policies": checks}


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def why_run(current: Fingerprint, recorded: Recorded | None, last_update: datetime | None) -> list[str]:
    """Why a stack must run: what changed since its last successful ``fleet up`` (empty: nothing)."""
    if recorded is None:
        return ["no successful fleet up recorded"]
    changed = [PARTS[k] for k in PARTS if current.parts.get(k) != recorded.parts.get(k)]
    if last_update is not None and last_update.replace(tzinfo=UTC).timestamp() > recorded.at:
        changed.append("its state was written since (another update, refresh or destroy, or a failed run)")
    return changed


def read_recorded(
    backend_url: str | None,
    project: str,
    names: Iterable[str],
    read_tag: Callable[[str], str | None],
    parallel: int,
) -> dict[str, Recorded | None]:
    """Each stack's recorded fingerprint: from the tag files of a ``file://`` backend, else through
    ``read_tag(stack)`` (a ``pulumi stack tag get``), ``parallel`` at a time."""
    names = list(names)
    found: dict[str, Recorded | None] = {}
    folder = _file_backend_stacks(backend_url, project)
    rest = []
    for name in names:
        tags = _read_tag_file(folder, name) if folder else None
        if tags is None:
            rest.append(name)
        else:
            found[name] = Recorded.parse(tags.get(TAG))
    if rest:
        with ThreadPoolExecutor(max(1, parallel), thread_name_prefix="fleet-tags") as pool:
            for name, value in zip(rest, pool.map(read_tag, rest), strict=True):
                found[name] = Recorded.parse(value)
    return found


def _file_backend_stacks(backend_url: str | None, project: str) -> Path | None:
    """Where a ``file://`` backend keeps this project's stacks (Pulumi's project-scoped layout)."""
    if not backend_url or not backend_url.startswith("file://"):
        return None
    parsed = urllib.parse.urlparse(backend_url)
    if parsed.query:  # options (e.g. no_tmp_dir) we do not interpret: ask the CLI
        return None
    base = Path(urllib.parse.unquote(parsed.netloc + parsed.path)).expanduser()
    folder = base / ".pulumi" / "stacks" / project
    return folder if folder.is_dir() else None


def _read_tag_file(folder: Path, name: str) -> dict[str, Any] | None:
    """The stack's tags from its ``<stack>.pulumi-tags`` beside its checkpoint; None when the layout
    is not the one expected (no checkpoint there), so that the CLI is asked instead."""
    if not any((folder / f"{name}.json{ext}").is_file() for ext in ("", ".gz", ".zst")):
        return None
    try:
        doc = json.loads((folder / f"{name}.pulumi-tags").read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("version") != 1 or not isinstance(doc.get("tags"), dict):
        return None
    tags: dict[str, Any] = doc["tags"]
    return tags
