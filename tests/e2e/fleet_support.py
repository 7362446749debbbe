"""A client project with several stacks on the sandbox, and `instantly-pulumi fleet` run on it as a
user would: the installed console script, in the project directory, as a subprocess."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instantly_cli.pulumi_runner import PulumiCLI
from instantly_pulumi.stack import CONFIG_KEY, PROJECT

from .conftest import REPO, World, make_world, update_stack_file

FLEET = REPO / ".venv" / "bin" / "instantly-pulumi"


def small_client(world: World, members: int = 3) -> dict[str, Any]:
    """A client of about eight resources: members, one key, one tag on campaigns and accounts."""
    slug = world.client_id[-8:]
    return {
        "workspace_id": world.client_id,
        "members": [{"email": f"m{i}-{slug}@client.example", "role": "view"} for i in range(members)],
        "api_keys": [{"name": "reporting", "scopes": ["campaigns:read"]}],
        "tags": [{"label": "Fleet", "campaigns": world.campaigns[:2], "accounts": world.accounts[:1]}],
    }


@dataclass
class FleetProject:
    """A Pulumi project running this repository's program, with one client world per stack."""

    root: Path
    cli: PulumiCLI
    control: Any
    base_url: str
    agency: tuple[str, str]
    worlds: dict[str, World] = field(default_factory=dict)

    def add_stack(self, name: str, client: dict[str, Any] | None = None, **config: Any) -> World:
        """A new client workspace in the agency's group and its stack file (small_client by default)."""
        world = make_world(self.control, self.base_url, f"{name}{len(self.worlds)}", agency=self.agency)
        self.worlds[name] = world
        self.write(name, client if client is not None else small_client(world), **config)
        return world

    def write(self, name: str, client: dict[str, Any], **config: Any) -> None:
        """Write (or merge into) stacks/Pulumi.<name>.yaml, keeping what the CLI wrote there."""
        update_stack_file(
            self.root / "stacks" / f"Pulumi.{name}.yaml",
            {"instantly:baseUrl": self.base_url, f"{PROJECT}:{CONFIG_KEY}": client, **config},
        )

    def environment(self, **extra: str) -> dict[str, str]:
        """The user's shell: the CLI on PATH, the backend, the passphrase, the agency key."""
        return {**self.cli.environment(), "INSTANTLY_API_KEY": self.agency[1], **extra}

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """`instantly-pulumi fleet <args>` in the project directory, not waited for."""
        return subprocess.Popen(
            [str(FLEET), "fleet", *args],
            cwd=self.root,
            env=self.environment(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def fleet(self, *args: str, timeout: float = 600, **env: str) -> FleetResult:
        """Run `instantly-pulumi fleet <args> --json` and return its exit code and document."""
        proc = self.start(*args, "--json", **env)
        out, err = proc.communicate(timeout=timeout)
        return FleetResult(proc.returncode, json.loads(out) if out.strip() else {}, err)

    def requests(self) -> list[dict[str, Any]]:
        """The sandbox's request log since the last clear."""
        return list(self.control.requests())

    def locks(self) -> list[Path]:
        """Lock files left in the file backend."""
        return [p for p in (self.cli.state_dir / "backend" / ".pulumi" / "locks").rglob("*") if p.is_file()]


@dataclass
class FleetResult:
    """The exit code, the JSON document and stderr of one fleet run."""

    code: int
    doc: dict[str, Any]
    stderr: str

    @property
    def stacks(self) -> dict[str, dict[str, Any]]:
        """The per-stack facts, by name."""
        return {s["name"]: s for s in self.doc.get("stacks", [])}

    def results(self) -> dict[str, str]:
        """Each stack's result, by name."""
        return {name: s["result"] for name, s in self.stacks.items()}


def gets_by_path(requests: list[dict[str, Any]]) -> Counter[str]:
    """GET requests of a request log, by path."""
    return Counter(r["path"] for r in requests if r["method"] == "GET")
