"""Client workspaces and client stacks on the sandbox, for the tests and the benchmarks alike.

A plain module (not a conftest): the end-to-end tests' fixtures and the benchmarks both build their
worlds and stacks with it, and the run's tallies of API requests per step live here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from instantly_cli.pulumi_runner import PulumiCLI

__all__ = [
    "REQUEST_COUNTS",
    "SUMMARIES",
    "ClientStack",
    "World",
    "count_requests",
    "json_loads",
    "make_world",
    "new_client_stack",
    "update_stack_file",
]


REQUEST_COUNTS: dict[str, list[int]] = {}
"""API requests per lifecycle step, summed over the run and printed at the end."""


def count_requests(step: str, n: int) -> None:
    REQUEST_COUNTS.setdefault(step, []).append(n)


SUMMARIES: dict[str, list[str]] = {}
"""Lines a test wants in the run's summary, by section title."""


@dataclass
class World:
    """An agency and one client workspace on the sandbox, with campaigns and email accounts."""

    base_url: str
    control: Any
    agency_id: str
    agency_key: str
    client_id: str
    client_key: str
    campaigns: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)

    def api(self, key: str | None = None, as_client: bool = True) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key or self.agency_key}"}
        if as_client and key is None:
            headers["x-as-workspace"] = self.client_id
        return httpx.Client(base_url=f"{self.base_url}/api/v2", headers=headers, timeout=30)

    def list(self, path: str, **params: Any) -> list[dict[str, Any]]:
        from instantly_sandbox.seed import list_all

        with self.api() as api:
            return list_all(api, path, **params)

    def snapshot(self) -> dict[str, Any]:
        """Every object of the client workspace that a stack manages, by id."""
        return {
            "members": sorted((m["id"], m["email"], m["role"]) for m in self.list("/workspace-members")),
            "keys": sorted((k["id"], k["name"]) for k in self.list("/api-keys")),
            "tags": sorted((t["id"], t["label"]) for t in self.list("/custom-tags")),
            "mappings": sorted((m["tag_id"], m["resource_id"]) for m in self.list("/custom-tag-mappings")),
        }

    def own_items(self) -> dict[str, list[dict[str, Any]]]:
        """The client's members, keys, tags and tag mappings (one page of 100 each), by path, read with
        the client's own key (which needs no group membership)."""
        out: dict[str, list[dict[str, Any]]] = {}
        with self.api(self.client_key) as api:
            for path in ("/workspace-members", "/api-keys", "/custom-tags", "/custom-tag-mappings"):
                resp = api.get(path, params={"limit": 100})
                resp.raise_for_status()
                out[path] = resp.json()["items"]
        return out

    def memberships(self) -> list[dict[str, Any]]:
        with self.api(as_client=False) as api:
            resp = api.get("/workspace-group-members", params={"limit": 100})
            resp.raise_for_status()
            return [g for g in resp.json()["items"] if g["sub_workspace_id"] == self.client_id]


def make_world(
    control: Any, base_url: str, name: str, *, accept: bool = True, agency: tuple[str, str] | None = None
) -> World:
    """Create an agency (unless given) and a client with 3 campaigns and 2 accounts;
    the agency invites the client into its group, and the client accepts (unless told not to)."""
    from instantly_sandbox.seed import create_account, create_campaign

    if agency is None:
        agency_ws, agency_key = control.create_workspace(f"{name} agency")
        agency = (agency_ws["id"], agency_key)
    client, client_key = control.create_workspace(f"{name} client")
    world = World(base_url, control, agency[0], agency[1], client["id"], client_key)
    with world.api(client_key) as api:
        for i in range(3):
            world.campaigns.append(create_campaign(api, f"{name} campaign {i}")["id"])
        for local in ("sdr1", "sdr2"):
            # A domain label holds letters, digits and inner hyphens (the spec's `format: email`).
            domain = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "client"
            email = f"{local}@{domain}.example"
            create_account(api, email)
            world.accounts.append(email)
    if accept:
        with world.api(as_client=False) as api:
            resp = api.post("/workspace-group-members", json={"sub_workspace_id": world.client_id})
            resp.raise_for_status()
            control.accept_group_member(resp.json()["id"])
    return world


def update_stack_file(path: Path, config: dict[str, Any]) -> None:
    """Merge ``config`` into a stack file's ``config:`` (creating the file if missing), keeping what
    the CLI wrote there (encryption salt, the secret agency key)."""
    doc = (yaml.safe_load(path.read_text()) if path.exists() else None) or {}
    doc.setdefault("config", {}).update(config)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


@dataclass
class ClientStack:
    """One client stack in its own project and backend, run by the real CLI."""

    cli: PulumiCLI
    world: World
    name: str = "client"
    outputs_seen: list[str] = field(default_factory=list)

    def write(self, client: dict[str, Any], *, base_url: bool = True) -> None:
        from instantly_pulumi.stack import CONFIG_KEY, PROJECT

        config: dict[str, Any] = {f"{PROJECT}:{CONFIG_KEY}": client}
        if base_url:
            config["instantly:baseUrl"] = self.world.base_url
        update_stack_file(self.cli.project_dir / "stacks" / f"Pulumi.{self.name}.yaml", config)

    def run(self, *args: str, step: str | None = None, check: bool = True) -> Any:
        self.world.control.clear_requests()
        proc = self.cli.run(*args, stack=self.name, check=check)
        self.outputs_seen += [proc.stdout, proc.stderr]
        if step:
            count_requests(step, len(self.world.control.requests()))
        return proc

    def requests(self) -> list[dict[str, Any]]:
        return list(self.world.control.requests())

    def outputs(self) -> dict[str, Any]:
        out = self.cli.run("stack", "output", "--json", "--show-secrets", stack=self.name).stdout
        result: dict[str, Any] = json_loads(out)
        return result

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = json_loads(self.cli.run("stack", "export", stack=self.name).stdout)
        return result

    def resources(self, type_suffix: str) -> list[dict[str, Any]]:
        return [r for r in self.state()["deployment"].get("resources", []) if r["type"].endswith(type_suffix)]


def json_loads(text: str) -> Any:
    return json.loads(text)


def new_client_stack(tmp_path: Path, pulumi_bin: Path, world: World, name: str = "client") -> ClientStack:
    from instantly_cli.demo import write_project as write_client_project

    project = tmp_path / f"project-{name}"
    write_client_project(project)
    cli = PulumiCLI(
        project_dir=project, state_dir=tmp_path / "state", passphrase="e2e-" + name, bin_dir=pulumi_bin
    )
    cli.ensure_stack(name)
    cli.run("config", "set", "--secret", "instantly:apiKey", stack=name, stdin=world.agency_key)
    return ClientStack(cli=cli, world=world, name=name)
