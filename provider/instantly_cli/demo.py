"""``make demo``: the whole job, offline, on the embedded sandbox.

1. start the sandbox (a real Instantly API v2 server on loopback, SQLite);
2. create a demo agency and two client workspaces with campaigns and email
   accounts; the agency invites both into its group and their owners accept;
   Globex already has some members and a tag (to show adoption);
3. write a Pulumi project whose stacks are the examples
   ``examples/stacks/Pulumi.acme.yaml`` and ``Pulumi.globex.yaml``, copied into
   its ``stacks/`` with the sandbox's ids put in;
4. ``pulumi up`` each client stack with the agency key as a stack secret;
5. print what now exists, read back through the API;
6. ``pulumi preview`` again: no changes, and one API request per stack (the
   read that proves the agency key works and reaches the client);
7. say where the data lives and how to reset it.

Every run starts afresh in ``.state/demo/`` (git-ignored).
"""

from __future__ import annotations

import secrets
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
import yaml

from instantly_cli.pulumi_runner import PulumiCLI, PulumiError
from instantly_pulumi.stack import CONFIG_KEY, PROJECT
from instantly_sandbox.seed import api_client, create_account, create_campaign, list_all, post

REPO = Path(__file__).resolve().parents[2]
DEMO_CLIENTS = {"acme": "Acme Corp", "globex": "Globex"}
DEMO_AGENCY = "Northwind Agency"


@dataclass
class ClientWorkspace:
    """A seeded client workspace: its id and the placeholder→sandbox campaign ids."""

    id: str
    name: str
    campaigns: dict[str, str] = field(default_factory=dict)


class Demo:
    """The demo's steps, sharing one sandbox and one Pulumi environment."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.steps_done = 0
        self.steps_total = 7

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Print a numbered step line with its duration (the demo's progress bar)."""
        self.steps_done += 1
        print(f"\n[{self.steps_done}/{self.steps_total}] {title}", flush=True)
        start = time.monotonic()
        yield
        print(f"      done in {time.monotonic() - start:.1f}s", flush=True)


def _example(client: str) -> dict[str, Any]:
    doc = yaml.safe_load((REPO / "examples" / "stacks" / f"Pulumi.{client}.yaml").read_text())
    value: dict[str, Any] = doc["config"][f"{PROJECT}:{CONFIG_KEY}"]
    return value


def seed(control: Any, base_url: str) -> tuple[str, str, dict[str, ClientWorkspace]]:
    """Create the agency and the client workspaces; return (agency id, agency key, clients)."""
    agency, agency_key = control.create_workspace(DEMO_AGENCY)
    clients: dict[str, ClientWorkspace] = {}
    with api_client(base_url, agency_key) as agency_api:
        for slug, name in DEMO_CLIENTS.items():
            ws, client_key = control.create_workspace(name)
            client = clients[slug] = ClientWorkspace(id=ws["id"], name=name)
            example = _example(slug)
            with api_client(base_url, client_key) as api:
                accounts = {a["email"] for a in list_all(api, "/accounts")}
                for tag in example.get("tags", []):
                    for placeholder in tag.get("campaigns", []):
                        if placeholder not in client.campaigns:
                            label = f"{name} {tag['label']} #{len(client.campaigns) + 1}"
                            campaign = create_campaign(api, label)
                            client.campaigns[placeholder] = campaign["id"]
                    for email in tag.get("accounts", []):
                        if email not in accounts:
                            create_account(api, email)
                            accounts.add(email)
                if slug == "globex":
                    _seed_existing_globex(control, api)
            # The agency invites the client into its group; the client's owner accepts.
            invite = post(agency_api, "/workspace-group-members", {"sub_workspace_id": ws["id"]})
            control.accept_group_member(invite["id"])
    return agency["id"], agency_key, clients


def _seed_existing_globex(control: Any, api: httpx.Client) -> None:
    """Globex before management: Hank (admin, accepted), Frank (a viewer the stack
    promotes to editor) and an "Enterprise" tag already exist."""
    hank = post(api, "/workspace-members", {"email": "hank@globex.example", "role": "admin"})
    control.accept_member(hank["id"])
    post(api, "/workspace-members", {"email": "frank@globex.example", "role": "view"})
    post(api, "/custom-tags", {"label": "Enterprise", "description": "Enterprise accounts sequence"})


def render_stack(slug: str, client: ClientWorkspace, base_url: str) -> str:
    """The example stack file with the sandbox's ids put in (and its base URL)."""
    value = _example(slug)
    value["workspace_id"] = client.id
    for tag in value.get("tags", []):
        if "campaigns" in tag:
            tag["campaigns"] = [client.campaigns[c] for c in tag["campaigns"]]
    config = {"instantly:baseUrl": base_url, f"{PROJECT}:{CONFIG_KEY}": value}
    header = f"# Rendered by `make demo` from stacks/Pulumi.{slug}.yaml with the sandbox's ids.\n"
    return header + yaml.safe_dump({"config": config}, sort_keys=False)


def write_project(project: Path) -> None:
    """A Pulumi project running the repository's program on its virtualenv."""
    (project / "stacks").mkdir(parents=True, exist_ok=True)
    (project / "Pulumi.yaml").write_text(
        yaml.safe_dump(
            {
                "name": PROJECT,
                "runtime": {
                    "name": "python",
                    "options": {"toolchain": "pip", "virtualenv": str(REPO / ".venv")},
                },
                "main": str(REPO / "provider" / "program"),
                "stackConfigDir": "stacks",
            },
            sort_keys=False,
        )
    )


def summarize(base_url: str, agency_key: str, clients: dict[str, ClientWorkspace]) -> None:
    """Print members by role, keys by scope and tags with what they tag, from the API."""
    with api_client(base_url, agency_key) as agency:
        groups = list_all(agency, "/workspace-group-members")
    for slug, client in clients.items():
        membership = next((g for g in groups if g["sub_workspace_id"] == client.id), None)
        status = membership["status"] if membership else "not in the group"
        print(f"\n  {client.name} ({slug}, workspace {client.id}) — group membership: {status}")
        with api_client(base_url, agency_key, client.id) as api:
            by_role: dict[str, list[str]] = {}
            for m in list_all(api, "/workspace-members"):
                state = "" if m["accepted"] else " (invited)"
                by_role.setdefault(m["role"], []).append(m["email"] + state)
            for role in ("owner", "admin", "editor", "view"):
                if role in by_role:
                    print(f"    {role:>7}: {', '.join(sorted(by_role[role]))}")
            scopes: dict[str, list[str]] = {}
            keys = list_all(api, "/api-keys")
            for k in keys:
                for s in k["scopes"]:
                    scopes.setdefault(s, []).append(k["name"])
            print(f"    API keys ({len(keys)}):")
            for scope in sorted(scopes):
                flag = "  <- full access" if scope.startswith("all:") else ""
                print(f"      {scope:<28} {', '.join(sorted(scopes[scope]))}{flag}")
            tags = {t["id"]: t["label"] for t in list_all(api, "/custom-tags")}
            tagged: dict[str, Counter[str]] = {label: Counter() for label in tags.values()}
            for mapping in list_all(api, "/custom-tag-mappings"):
                kind = "account" if mapping["resource_type"] == 1 else "campaign"
                tagged[tags[mapping["tag_id"]]][kind] += 1
            print("    tags:")
            for label, counts in sorted(tagged.items()):
                what = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(counts.items()))
                print(f"      {label:<14} {what or 'nothing tagged'}")


def run(state_dir: Path) -> int:
    """Run the demo in ``state_dir`` (wiped first); return the process exit code."""
    from instantly_sandbox.testing import SandboxProcess

    demo = Demo(state_dir)
    if state_dir.exists():
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True)
    db = state_dir / "sandbox.db"
    passphrase = secrets.token_urlsafe(18)
    (state_dir / "passphrase").touch(mode=0o600)  # private from the start, not after the write
    (state_dir / "passphrase").write_text(passphrase)

    with demo.step("Starting the Instantly sandbox (local API v2 server, SQLite)"):
        sandbox = SandboxProcess(db)
        sandbox.__enter__()
        print(f"      listening on {sandbox.base_url}")
    try:
        with demo.step(f"Seeding: agency {DEMO_AGENCY!r}, clients {', '.join(DEMO_CLIENTS.values())}"):
            _, agency_key, clients = seed(sandbox.control, sandbox.base_url)
            for c in clients.values():
                print(f"      {c.name}: workspace {c.id}, {len(c.campaigns)} campaigns; invitation accepted")

        project = state_dir / "project"
        cli = PulumiCLI(project_dir=project, state_dir=state_dir / "pulumi", passphrase=passphrase)
        with demo.step("Writing the Pulumi project and the client stacks"):
            write_project(project)
            for slug, client in clients.items():
                (project / "stacks" / f"Pulumi.{slug}.yaml").write_text(
                    render_stack(slug, client, sandbox.base_url)
                )
                cli.ensure_stack(slug)
                # The agency key goes in as a stack secret (encrypted with the passphrase).
                cli.run("config", "set", "--secret", "instantly:apiKey", stack=slug, stdin=agency_key)
                print(f"      stacks/Pulumi.{slug}.yaml (agency key stored as a secret)")

        with demo.step("pulumi up, one stack per client"):
            for slug in clients:
                sandbox.control.clear_requests()
                out = cli.run("up", "--skip-preview", stack=slug).stdout
                print(_indent(_tail_from(out, "Resources:")))
                print(f"      {slug}: {len(sandbox.control.requests())} API requests")

        with demo.step("What now exists (read back through the API)"):
            summarize(sandbox.base_url, agency_key, clients)

        with demo.step("pulumi preview again: nothing to change; one read per stack verifies the key"):
            sandbox.control.clear_requests()
            for slug in clients:
                out = cli.run("preview", "--expect-no-changes", stack=slug).stdout
                print(f"      {slug}: {_tail_from(out, 'Resources:').splitlines()[-1].strip()}")
            print(f"      API requests made by the previews: {len(sandbox.control.requests())}")

        with demo.step("Where things are"):
            print(f"      sandbox data:   {db}")
            print(f"      stack state:    {cli.backend_url}")
            print(f"      stack files:    {project / 'stacks'}")
            print(f"      passphrase:     {state_dir / 'passphrase'} (PULUMI_CONFIG_PASSPHRASE_FILE)")
            print("      The sandbox stops now; its data stays until the next `make demo`")
            print("      (which starts afresh) or `make clean-state` (which deletes .state/).")
            print(f"      Serve it again: .venv/bin/instantly-sandbox serve --port 0 --db {db}")
    except PulumiError as exc:
        print(f"\nThe demo failed: {exc}", file=sys.stderr)
        return 1
    finally:
        sandbox.stop()
    return 0


def _tail_from(text: str, marker: str) -> str:
    idx = text.rfind(marker)
    return text[idx:].strip() if idx >= 0 else text.strip()


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines())


def command(
    state_dir: Annotated[Path, typer.Option(help="Where the demo keeps its data (wiped first).")] = REPO
    / ".state"
    / "demo",
) -> None:
    """The whole job on a local Instantly sandbox: no key, no internet (`make demo`)."""
    raise typer.Exit(run(state_dir.resolve()))
