"""Who the project's stack files declare, and where: read from the files, not the state.

``audit --person`` says, for each workspace, which file puts a person there: a client's own
``members:`` in ``stacks/Pulumi.<client>.yaml``, or the agency team of ``Pulumi.yaml``'s
project-level config (``instantly-clients:agency`` ``team:``), which every client gets unless its
own entry for the same email replaces it or it says ``team: false``. The files are read and merged
as the program merges them (:func:`instantly_pulumi.stack.with_agency`), so what this module says a
stack declares is what its next ``pulumi up`` would make true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from instantly_cli.access import Declaration
from instantly_cli.fleet.stacks import Project
from instantly_pulumi.errors import ConfigurationError, StackFileError
from instantly_pulumi.stack import (
    AGENCY_KEY,
    CONFIG_KEY,
    PROJECT,
    AgencySpec,
    ClientSpec,
    parse_agency,
    parse_client,
    with_agency,
)

__all__ = ["Declared", "StackFile", "agency", "read"]

CLIENT, AGENCY = f"{PROJECT}:{CONFIG_KEY}", f"{PROJECT}:{AGENCY_KEY}"


@dataclass(frozen=True)
class StackFile:
    """One client stack, as its file (and the project's agency team) declare it."""

    name: str
    file: str
    """Relative to the project root (``stacks/Pulumi.acme.yaml``)."""
    client: ClientSpec
    """The client, the agency team merged in."""


@dataclass
class Declared:
    """The project's stack files, by workspace."""

    root: Path | None
    """The project root, or None outside a project."""
    stacks: list[StackFile] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Files that could not be read, each saying why."""

    def of(self, workspace_id: str) -> list[StackFile]:
        """The stacks that manage ``workspace_id``."""
        return [s for s in self.stacks if s.client.workspace_id == workspace_id]

    def declarations(self, email: str, workspace_id: str) -> list[Declaration]:
        """Where ``email`` (any case) is declared in ``workspace_id``."""
        out = []
        for s in self.of(workspace_id):
            for m in s.client.members:
                if m.email.casefold() == email.casefold():
                    team = m.email.lower() in s.client.from_team
                    out.append(
                        Declaration(
                            stack=s.name,
                            file=s.file,
                            via="team" if team else "members",
                            line_in="Pulumi.yaml" if team else s.file,
                            role=m.granted[0],
                        )
                    )
        return out


def _value(config: Any, key: str) -> Any:
    """A config value as a file holds it: plain, or Pulumi.yaml's ``{value: ...}`` form."""
    raw = config.get(key) if isinstance(config, dict) else None
    if isinstance(raw, dict) and set(raw) <= {"value", "type", "description", "secret"} and "value" in raw:
        raw = raw["value"]
    if isinstance(raw, str):
        raw = yaml.safe_load(raw)
    return raw


def _config(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text()) or {}
    config = doc.get("config") if isinstance(doc, dict) else None
    return config if isinstance(config, dict) else {}


def agency(cwd: Path) -> AgencySpec | None:
    """The agency value of the project containing ``cwd`` (its team, its ``exclusive``); None outside
    a project or when ``Pulumi.yaml`` sets none. A value with a mistake raises StackFileError."""
    try:
        project = Project.find(cwd)
    except ConfigurationError:
        return None
    return parse_agency(_value(_config(project.root / "Pulumi.yaml"), AGENCY))


def read(cwd: Path) -> Declared:
    """The stack files of the project containing ``cwd`` (none outside a project)."""
    try:
        project = Project.find(cwd)
    except ConfigurationError:
        return Declared(root=None)
    found = Declared(root=project.root)
    try:
        agency_raw = _value(_config(project.root / "Pulumi.yaml"), AGENCY)
        agency = parse_agency(agency_raw)
    except (OSError, yaml.YAMLError, StackFileError) as exc:
        found.errors.append(f"Pulumi.yaml: {exc}")
        agency = None
    for name, path in project.stack_files().items():
        where = str(path.relative_to(project.root))
        try:
            config = _config(path)
            own_agency = _value(config, AGENCY)
            client = with_agency(
                parse_client(_value(config, CLIENT)),
                parse_agency(own_agency) if own_agency is not None else agency,
            )
        except (OSError, yaml.YAMLError, StackFileError) as exc:
            found.errors.append(f"{where}: {exc}")
            continue
        found.stacks.append(StackFile(name=name, file=where, client=client))
    return found
