"""The access map (`instantly-pulumi audit --all --html FILE`, issue 18 §4) as a person sees it: an
agency with three clients on the sandbox, two of them applied from stack files by `fleet up` (the
agency team in Pulumi.yaml, presets, keys), then access nobody declared added by hand; the installed
command writes the page in the project directory, and headless Chromium (Debian's `chromium`, driven
by Playwright for Python) opens it from disk with every network request refused and recorded.

A screenshot of the page is kept: under the test's tmp dir and at .state/artifacts/access-map.png.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from instantly_cli.demo import write_project
from instantly_cli.pulumi_runner import PulumiCLI

from .conftest import REPO, SUMMARIES, World, make_world
from .fleet_support import FLEET, FleetProject

pytestmark = pytest.mark.e2e

CHROMIUM = (
    os.environ.get("INSTANTLY_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
# As the machine notes advise for a closed network: no background connections, no sandbox (root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACT = REPO / ".state" / "artifacts" / "access-map.png"
TEAM = [
    {"email": "ops@agency.example", "access": "manager"},
    {"email": "am@agency.example", "access": "viewer", "nickname": "Account manager"},
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from the system (Playwright's own browser download cannot work here)."""
    if CHROMIUM is None:
        pytest.skip(
            "no chromium on PATH: `make chromium` installs Debian's package (or set INSTANTLY_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def project(tmp_path: Path, pulumi_bin: Path, sandbox: Any, control: Any) -> FleetProject:
    root = tmp_path / "project"
    write_project(root)
    # The agency team, in Pulumi.yaml's project-level config: every client stack gets it.
    settings = yaml.safe_load((root / "Pulumi.yaml").read_text())
    settings["config"] = {"instantly-clients:agency": {"value": {"team": TEAM}}}
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    agency, key = control.create_workspace("Map agency")
    cli = PulumiCLI(
        project_dir=root,
        state_dir=tmp_path / "state",
        passphrase="access-map",
        bin_dir=pulumi_bin,
        env={"INSTANTLY_API_KEY": key},
    )
    return FleetProject(root, cli, control, sandbox.base_url, (agency["id"], key))


def by_email(world: World) -> dict[str, dict[str, Any]]:
    return {m["email"]: m for m in world.list("/workspace-members")}


def key_values(value: Any) -> Iterator[str]:
    """Every API key value (``sk_...``) in a stack's outputs (shown with --show-secrets)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from key_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from key_values(v)
    elif isinstance(value, str) and value.startswith("sk_"):
        yield value


def test_the_access_map_shows_people_by_client_and_what_nobody_declared(
    project: FleetProject, browser: Any, control: Any, tmp_path: Path
) -> None:
    acme = project.add_stack("acme", {})
    project.write(
        "acme",
        {
            "workspace_id": acme.client_id,
            "members": [{"email": "ana@acme.example", "access": "sdr"}],
            "api_keys": [{"name": "reporting", "scopes": ["campaigns:read"]}],
        },
    )
    globex = project.add_stack("globex", {})
    project.write(
        "globex",
        {
            "workspace_id": globex.client_id,
            "members": [{"email": "bo@globex.example", "access": "viewer"}],
            "api_keys": [{"name": "crm-sync", "scopes": ["campaigns:read", "leads:read"]}],
        },
    )
    # A third client in the group that no stack manages.
    initech = make_world(control, project.base_url, "mapinitech", agency=project.agency)
    result = project.fleet("up")
    assert result.code == 0, result.stderr[-3000:]

    # Ops accepted Acme's invitation; the others are still pending.
    control.accept_member(by_email(acme)["ops@agency.example"]["id"])
    # What nobody declared: an admin added by hand in Acme (accepted), one in Initech, and a key
    # with every scope in Globex.
    with acme.api() as api:
        stranger = api.post(
            "/workspace-members", json={"email": "stranger@elsewhere.example", "role": "admin"}
        )
        stranger.raise_for_status()
    control.accept_member(stranger.json()["id"])
    with initech.api() as api:
        api.post(
            "/workspace-members", json={"email": "temp@contractor.example", "role": "editor"}
        ).raise_for_status()
    with globex.api() as api:
        created = api.post("/api-keys", json={"name": "everything", "scopes": ["all:all"]})
        created.raise_for_status()
    god_key = created.json()

    # The real key values the page must never hold: the agency's, each client's own, the one made by
    # hand, and those the stacks created (their outputs, shown).
    secrets = {project.agency[1], acme.client_key, globex.client_key, initech.client_key, god_key["key"]}
    for name in ("acme", "globex"):
        shown = project.cli.run("stack", "output", "--json", "--show-secrets", stack=name).stdout
        secrets |= set(key_values(json.loads(shown)))
    assert len(secrets) == 7  # 5 + reporting + crm-sync

    page_file = tmp_path / "access-map.html"
    proc = subprocess.run(
        [str(FLEET), "audit", "--all", "--html", str(page_file)],
        cwd=project.root,
        env=project.environment(INSTANTLY_BASE_URL=project.base_url, COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # things are flagged
    assert f"access map: {page_file}" in proc.stderr
    html = page_file.read_text()
    for secret in secrets:
        assert secret not in html, "a key value in the access map"
        assert secret not in proc.stdout + proc.stderr
    assert "sk_" not in html

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    refused: list[str] = []

    def guard(route: Any) -> None:
        # The page itself is the only thing that may load; anything else is refused and recorded.
        if route.request.url == page_file.as_uri():
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")

    # The grid: people by workspaces, the agency's first, then each client accepted into the group.
    heads = page.locator("#grid thead th").all_inner_texts()
    assert heads[0] == "Person"
    names = [h.split("\n")[0] for h in heads[1:]]
    assert names[0] == "Map agency (agency)"
    assert set(names[1:]) == {_name(acme), _name(globex), _name(initech)}
    everyone = {e.lower() for w in (acme, globex, initech) for e in by_email(w)}
    everyone |= {m["email"].lower() for m in _agency_members(project)}
    rows = page.locator("#grid tbody tr")
    assert rows.count() == len(everyone)

    column = {name: i + 1 for i, name in enumerate(names)}  # cell index in a row (0 is the person)

    def cell(email: str, world: World) -> Any:
        row = page.locator("#grid tbody tr", has=page.locator("th", has_text=email))
        return row.locator("td").nth(column[_name(world)] - 1)

    # Roles and presets, as the stack files said them.
    assert cell("ops@agency.example", acme).locator(".role").inner_text() == "manager"
    assert cell("am@agency.example", globex).locator(".role").inner_text() == "viewer"
    assert cell("ana@acme.example", acme).locator(".role").inner_text() == "sdr"
    assert cell("ana@acme.example", globex).inner_text() == ""
    # Pending: marked where not accepted, not where accepted.
    assert cell("ana@acme.example", acme).locator(".mark.pending").is_visible()
    assert cell("ops@agency.example", acme).locator(".mark.pending").count() == 0
    assert cell("ops@agency.example", globex).locator(".mark.pending").is_visible()
    # Undeclared access: highlighted (a red outline and background, and said in words).
    undeclared = cell("stranger@elsewhere.example", acme)
    assert undeclared.locator(".role").inner_text() == "admin"
    assert undeclared.locator(".mark.undeclared").is_visible()
    assert undeclared.evaluate("td => getComputedStyle(td).outlineStyle") == "solid"
    declared_bg = cell("ops@agency.example", acme).evaluate("td => getComputedStyle(td).backgroundColor")
    assert undeclared.evaluate("td => getComputedStyle(td).backgroundColor") != declared_bg
    assert cell("temp@contractor.example", initech).locator(".mark.undeclared").is_visible()
    assert cell("ops@agency.example", acme).locator(".mark.undeclared").count() == 0
    # People with undeclared access come first.
    firsts = [rows.nth(i).locator("th").inner_text() for i in range(2)]
    assert firsts == ["stranger@elsewhere.example", "temp@contractor.example"]

    # Keys: scopes shown, the all:all one flagged, the stack's narrow key not.
    god = page.locator(f'tr.key[data-key-id="{god_key["id"]}"]')
    assert god.is_visible()
    assert "over-privileged: all:all" in god.inner_text()
    assert "undeclared" in god.inner_text()
    crm = page.locator("tr.key", has_text="crm-sync")
    assert "campaigns:read" in crm.inner_text()
    assert "leads:read" in crm.inner_text()
    assert "over-privileged" not in crm.inner_text()
    # The findings, and when the audit was taken.
    findings = page.locator("#findings-table tbody tr")
    assert findings.count() > 0
    assert page.locator("#findings-table", has_text="stranger@elsewhere.example").is_visible()
    assert page.locator("header time").inner_text().endswith("UTC")

    # No key value in what the browser holds either.
    content = page.content()
    for secret in secrets:
        assert secret not in content

    # The person filter hides rows; the client filter hides columns.
    before = page.locator("#grid tbody tr:visible").count()
    assert before == len(everyone)
    page.fill("#filter-person", "agency.example")
    visible = page.locator("#grid tbody tr:visible")
    assert visible.count() == len({e for e in everyone if "agency.example" in e}) < before
    assert page.locator("#filter-count").inner_text() == f"{visible.count()} of {before} people"
    page.fill("#filter-person", "")
    page.fill("#filter-client", _name(initech).lower())
    assert page.locator("#grid thead th:visible").count() == 2  # Person + Initech
    assert page.locator("#grid tbody tr:visible").count() == len(by_email(initech))
    assert not page.locator(f'tr.key[data-key-id="{god_key["id"]}"]').is_visible()  # Globex's keys hidden
    page.fill("#filter-client", "")
    assert page.locator("#grid tbody tr:visible").count() == before

    shot = tmp_path / "access-map.png"
    page.screenshot(path=str(shot), full_page=True)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(shot, ARTIFACT)
    print(f"access map screenshot: {shot} (copied to {ARTIFACT})")
    SUMMARIES.setdefault("Access map screenshot (tests/e2e/test_access_map.py)", []).append(
        f"{ARTIFACT} (also {shot})"
    )
    context.close()

    # Nothing but the file itself was requested.
    assert refused == []
    assert set(requests) == {page_file.as_uri()}


def _name(world: World) -> str:
    """The client workspace's name, as the API says it."""
    with world.api() as api:
        resp = api.get("/workspaces/current")
        resp.raise_for_status()
        found: str = resp.json()["name"]
    return found


def _agency_members(project: FleetProject) -> list[dict[str, Any]]:
    from instantly_sandbox.seed import api_client, list_all

    with api_client(project.base_url, project.agency[1]) as api:
        return list_all(api, "/workspace-members")
