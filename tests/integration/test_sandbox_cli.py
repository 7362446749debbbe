"""The ``instantly-sandbox`` command: ``serve``'s defaults and ``seed``'s three formats, run as
a user runs them (subprocesses, a shell ``eval``), checked through the API."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from instantly_sandbox import cli
from instantly_sandbox.testing import SandboxControl, SandboxProcess

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent


def api(base_url: str, key: str, as_workspace: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"}
    if as_workspace:
        headers["x-as-workspace"] = as_workspace
    return httpx.Client(base_url=f"{base_url}/api/v2", headers=headers, timeout=30)


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "instantly-sandbox"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A sandbox of this module's own, so seeded names are predictable."""
    with SandboxProcess(tmp_path_factory.mktemp("seed") / "seed.db") as proc:
        yield proc


def test_serve_defaults_are_port_8787_and_a_db_under_state() -> None:
    args = cli.parser().parse_args(["serve"])
    assert (args.host, args.port, args.db) == ("127.0.0.1", 8787, Path(".state/sandbox/sandbox.db"))
    seed_args = cli.parser().parse_args(["seed"])
    assert (seed_args.base_url, seed_args.format, seed_args.wait) == ("http://127.0.0.1:8787", "text", 15.0)
    helped = run_cli("serve", "--help")
    assert helped.returncode == 0
    assert "default 8787" in helped.stdout
    assert ".state/sandbox/sandbox.db" in helped.stdout


@contextlib.contextmanager
def serving(cwd: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """``instantly-sandbox serve --port 0 <args>`` in ``cwd``: the process and the line it printed
    once ready; terminated (and waited for) on the way out."""
    proc = subprocess.Popen(
        [str(BIN / "instantly-sandbox"), "serve", "--port", "0", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        yield proc, json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        if proc.stdout:
            proc.stdout.close()


def test_serve_without_db_creates_the_default_db_in_the_current_directory(tmp_path: Path) -> None:
    with serving(tmp_path) as (proc, ready):
        assert ready["db"] == ".state/sandbox/sandbox.db"
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", ready["base_url"])
        assert not ready["base_url"].endswith(":0")
        assert httpx.get(f"{ready['base_url']}/_sandbox/health").json() == {"ok": True}
        assert (tmp_path / ".state" / "sandbox" / "sandbox.db").is_file()
    assert proc.returncode == 0


def test_seed_env_evaluates_to_variables_that_name_real_objects(own_sandbox: SandboxProcess) -> None:
    script = (
        f'eval "$(instantly-sandbox seed --base-url {own_sandbox.base_url} --format env)"\n'
        "for v in INSTANTLY_BASE_URL INSTANTLY_API_KEY AGENCY_WORKSPACE_ID HOOLI_WORKSPACE_ID "
        "PIED_PIPER_WORKSPACE_ID PIED_PIPER_CAMPAIGN_ID PIED_PIPER_ACCOUNT_EMAIL HOOLI_CAMPAIGN_ID "
        'HOOLI_ACCOUNT_EMAIL HOOLI_ENTERPRISE_TAG_ID; do printf "%s=%s\\n" "$v" "${!v}"; done\n'
    )
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    env = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert all(env.values()), env
    base = env["INSTANTLY_BASE_URL"]
    assert base == own_sandbox.base_url
    key = env["INSTANTLY_API_KEY"]
    with api(base, key) as agency:
        me = agency.get("/workspaces/current").json()
        assert me["id"] == env["AGENCY_WORKSPACE_ID"]
        suffix = me["name"].removeprefix("Northwind Agency")  # "" on a fresh sandbox, " 2" after a seed
        assert re.fullmatch(r"( \d+)?", suffix)
        groups = agency.get("/workspace-group-members").json()["items"]
        assert [(g["sub_workspace_id"], g["status"]) for g in groups] == [
            (env["HOOLI_WORKSPACE_ID"], "accepted")
        ]
    with api(base, key, env["HOOLI_WORKSPACE_ID"]) as hooli:
        assert hooli.get("/workspaces/current").json()["name"] == "Hooli" + suffix
        members = {m["email"]: m for m in hooli.get("/workspace-members").json()["items"]}
        assert (members["patrice@hooli.example"]["role"], members["patrice@hooli.example"]["accepted"]) == (
            "admin",
            True,
        )
        editor = members["denpok@hooli.example"]
        assert (editor["role"], editor["accepted"], editor["nickname"]) == (
            "editor",
            False,
            "Denpok (SDR lead)",
        )
        assert editor["permissions"] == ["campaigns.view", "campaigns.edit", "analytics.view"]
        tag = hooli.get(f"/custom-tags/{env['HOOLI_ENTERPRISE_TAG_ID']}").json()
        assert (tag["label"], tag["description"]) == ("Enterprise", "Enterprise accounts sequence")
        mapped = {m["resource_id"] for m in hooli.get("/custom-tag-mappings").json()["items"]}
        assert mapped == {env["HOOLI_CAMPAIGN_ID"], env["HOOLI_ACCOUNT_EMAIL"]}
        assert len(hooli.get("/campaigns").json()["items"]) == 2
        assert len(hooli.get("/accounts").json()["items"]) == 2
        activity = [e["activity_type"] for e in hooli.get("/audit-logs").json()["items"]]
        assert sorted(activity) == [1, 4]  # a login and a campaign launch
    with api(base, key, env["PIED_PIPER_WORKSPACE_ID"]) as piper:
        assert piper.get("/workspaces/current").status_code == 403  # not in the group yet
    # What a stack does next: invite Pied Piper; its owner accepts; then its objects are reachable.
    with api(base, key) as agency:
        invite = agency.post(
            "/workspace-group-members", json={"sub_workspace_id": env["PIED_PIPER_WORKSPACE_ID"]}
        )
        assert (invite.status_code, invite.json()["status"]) == (200, "pending")
    own_sandbox.control.accept_group_member(invite.json()["id"])
    with api(base, key, env["PIED_PIPER_WORKSPACE_ID"]) as piper:
        assert piper.get("/workspaces/current").json()["name"] == "Pied Piper" + suffix
        assert piper.get(f"/campaigns/{env['PIED_PIPER_CAMPAIGN_ID']}").status_code == 200
        assert piper.get(f"/accounts/{env['PIED_PIPER_ACCOUNT_EMAIL']}").status_code == 200
        assert len(piper.get("/campaigns").json()["items"]) == 2
        assert len(piper.get("/accounts").json()["items"]) == 2


def _keys_in(text: str) -> list[str]:
    return re.findall(r"sk_[A-Za-z0-9_-]+", text)


def test_seed_json_holds_everything_and_a_rerun_makes_a_new_suffixed_set(own_sandbox: SandboxProcess) -> None:
    first = run_cli("seed", "--base-url", own_sandbox.base_url, "--format", "json")
    second = run_cli("seed", "--base-url", own_sandbox.base_url, "--format", "json")
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    docs = [json.loads(first.stdout), json.loads(second.stdout)]
    names = [[d["agency"]["name"], *(c["name"] for c in d["clients"].values())] for d in docs]
    # The first seed on a database gets the plain names; every later one the next suffix.
    n = int(names[0][0].removeprefix("Northwind Agency").strip() or 1)
    nth = ["" if k == 1 else f" {k}" for k in (n, n + 1)]
    assert names == [[f"Northwind Agency{x}", f"Hooli{x}", f"Pied Piper{x}"] for x in nth]
    doc = docs[0]
    for ws in [doc["agency"], *doc["clients"].values()]:
        with api(own_sandbox.base_url, ws["owner_key"]) as own:
            assert own.get("/workspaces/current").json()["id"] == ws["id"]
            assert sorted(c["id"] for c in own.get("/campaigns").json()["items"]) == sorted(
                c["id"] for c in ws["campaigns"]
            )
            assert [a["email"] for a in own.get("/accounts").json()["items"]] == ws["accounts"]
        assert own_sandbox.control.security_token(ws["id"]) == ws["security_token"]
    assert doc["clients"]["hooli"]["group_status"] == "accepted"
    assert doc["clients"]["pied_piper"]["group_status"] is None
    assert len(_keys_in(first.stdout)) == 3  # the three owner keys, only in json


def test_seed_text_and_env_show_only_the_agency_key(own_sandbox: SandboxProcess) -> None:
    for fmt in ("text", "env"):
        out = run_cli("seed", "--base-url", own_sandbox.base_url, "--format", fmt)
        assert out.returncode == 0, out.stderr
        keys = _keys_in(out.stdout)
        assert len(keys) == 1, fmt
        assert "sec_" not in out.stdout
        with api(own_sandbox.base_url, keys[0]) as agency:
            assert agency.get("/workspaces/current").json()["name"].startswith("Northwind Agency")
        assert out.stderr == ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_and_seed_in_one_script(tmp_path: Path) -> None:
    port = _free_port()
    script = (
        f"instantly-sandbox serve --port {port} --db {tmp_path / 'one.db'} >/dev/null & server=$!\n"
        "trap 'kill $server; wait $server' EXIT\n"
        f'eval "$(instantly-sandbox seed --base-url http://127.0.0.1:{port} --format env)"\n'
        'echo "$HOOLI_WORKSPACE_ID"\n'
    )
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"[0-9a-f-]{36}\n", done.stdout)


def test_seed_without_a_sandbox_says_so(tmp_path: Path) -> None:
    out = run_cli("seed", "--base-url", f"http://127.0.0.1:{_free_port()}", "--wait", "0.5")
    assert out.returncode == 1
    assert out.stdout == ""
    assert "no sandbox answers at http://127.0.0.1:" in out.stderr
    assert "instantly-sandbox serve" in out.stderr


def test_seed_reports_an_api_error(own_sandbox: SandboxProcess) -> None:
    own_sandbox.control.set_faults(
        [{"method": "POST", "path": "/api/v2/campaigns", "status": 503, "probability": 1}]
    )
    try:
        out = run_cli("seed", "--base-url", own_sandbox.base_url)
    finally:
        own_sandbox.control.clear_faults()
    assert out.returncode == 1
    assert "POST /api/v2/campaigns answered 503" in out.stderr
    assert _keys_in(out.stderr) == []


def test_serve_can_play_the_owners_who_accept_invitations(tmp_path: Path) -> None:
    with serving(tmp_path, "--accept-invitations-after", "1") as (_proc, ready):
        base = ready["base_url"]
        control = SandboxControl(base)
        _agency, key = control.create_workspace("Agency")
        client, _ = control.create_workspace("Client")
        with api(base, key) as agency:
            invite = agency.post("/workspace-group-members", json={"sub_workspace_id": client["id"]}).json()
            assert invite["status"] == "pending"
            statuses = []
            for _ in range(40):
                statuses.append(agency.get(f"/workspace-group-members/{invite['id']}").json()["status"])
                if statuses[-1] == "accepted":
                    break
                time.sleep(0.1)
        assert statuses[0] == "pending"  # not at once: after a second, as a person would
        assert statuses[-1] == "accepted"
        control.close()
