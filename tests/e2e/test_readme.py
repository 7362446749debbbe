"""The README's user guide, run as written, from the project root of a fresh copy.

Every ``sh`` block under "## User guide" is taken from README.md itself (so
editing the README changes this test) and run, in order, in one bash session
with ``set -euo pipefail``, in a copy of the project's files — the project's
own Pulumi.yaml, no test-written one. The environment is a new user's: a new
HOME, no Pulumi or Instantly variables, no project tools on PATH; only the Go
and pip download caches are shared so the build and install do not fetch the
internet again. The guide starts its own sandbox (step 3) and stops it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO, SUMMARIES, copy_repository

pytestmark = pytest.mark.e2e

STEP = "::readme-step::"


def user_guide_blocks(readme: str) -> list[str]:
    """The ``sh`` code blocks of the README's "User guide" section, in order."""
    section = readme.split("\n## User guide\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M)


def test_the_user_guide_has_the_steps_a_new_user_needs() -> None:
    script = "\n".join(user_guide_blocks((REPO / "README.md").read_text()))
    for step in (
        "make cli",
        'export PATH="$PWD/.tools/bin:$PATH"',
        "pulumi install",
        "pulumi login",
        "PULUMI_CONFIG_PASSPHRASE",
        "instantly-pulumi discover",
        "pulumi stack init",
        "pulumi config set --secret instantly:apiKey",
        "pulumi preview",
        "pulumi up",
    ):
        assert step in script, f"the user guide does not say `{step}`"


def _new_users_environment(home: Path) -> dict[str, str]:
    keep = ("LANG", "LC_ALL", "TERM", "TZ", "TMPDIR", "USER", "LOGNAME")
    env = {k: v for k, v in os.environ.items() if k in keep}
    tools = {str(REPO / ".tools"), str(REPO / ".venv")}
    env["PATH"] = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if not any(p.startswith(t) for t in tools)
    )
    env["HOME"] = str(home)
    # The download caches of this machine, so the copy builds and installs offline-fast.
    for var in ("GOPATH", "GOMODCACHE", "GOCACHE"):
        env[var] = subprocess.run(
            ["go", "env", var], capture_output=True, text=True, check=True
        ).stdout.strip()
    env["PIP_CACHE_DIR"] = str(Path.home() / ".cache" / "pip")
    return env


def test_a_fresh_copy_reaches_an_applied_client_stack_by_following_the_readme(tmp_path: Path) -> None:
    blocks = user_guide_blocks((REPO / "README.md").read_text())
    root = tmp_path / "instantly-pulumi"
    copy_repository(root)
    home = tmp_path / "home"
    home.mkdir()
    script = "set -euo pipefail\n" + "".join(
        f"echo '{STEP}{i} '$(date +%s.%N)\n{block}" for i, block in enumerate(blocks)
    )
    script += f"echo '{STEP}end '$(date +%s.%N)\n"
    proc = subprocess.Popen(
        ["bash", "-c", script],
        cwd=root,
        env=_new_users_environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the sandbox it starts in the background dies with the group
    )
    try:
        output, _ = proc.communicate(timeout=1500)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    _record_timings(blocks, output)
    assert proc.returncode == 0, f"the user guide failed:\n{output[-6000:]}"

    # What a user sees along the way.
    assert "Created stack 'hooli'" in output
    assert re.search(r"waiting for Pied Piper .* to accept the agency's invitation", output)
    # Changing a client: the preview warns that the access change re-invites Dinesh, and the renamed
    # tag is updated in place (`stack output tags` shows it under its new label).
    assert "workspace member 'dinesh@piedpiper.example': permissions cannot change in place" in output
    assert '"Outbound EMEA"' in output
    # The agency team reaches both clients, declared through Pulumi.yaml; offboarding leaves nothing.
    assert re.search(r"ops@agency\.example: member of 2 of \d+ workspaces", output), output[-4000:]
    assert re.search(r"am@agency\.example: member of 0 of \d+ workspaces", output), output[-4000:]
    for client in ("hooli", "piedpiper"):  # the fleet's summary: who joined and who left, per client
        assert f"{client}: added am@agency.example, ops@agency.example" in output
        assert f"{client}: removed am@agency.example" in output
    assert "an unhandled error occurred" not in output
    assert "Exception calling application" not in output

    # The sandbox's data after the guide: the adopted client keeps its own team and tag; the new
    # client's members, key, tag and group membership are gone; no key value was ever printed.
    db = sqlite3.connect(root / ".state" / "sandbox" / "sandbox.db")
    workspaces = {json.loads(d)["name"]: ws for ws, d in db.execute("SELECT id, data FROM workspaces")}
    objects = [
        (kind, ws, json.loads(d)) for kind, ws, d in db.execute("SELECT kind, workspace, data FROM objects")
    ]
    hooli, piper = workspaces["Hooli"], workspaces["Pied Piper"]
    members = {(ws, d["email"]) for kind, ws, d in objects if kind == "member"}
    assert (hooli, "patrice@hooli.example") in members
    assert not any(ws == piper and email.endswith("@piedpiper.example") for ws, email in members)
    assert [d["label"] for kind, ws, d in objects if kind == "tag" and ws == hooli] == ["Enterprise"]
    assert not [d for kind, ws, d in objects if kind == "tag" and ws == piper]
    assert not [d for kind, ws, d in objects if kind == "api_key" and d["name"] == "crm-sync"]
    assert not [d for kind, _ws, d in objects if kind == "group_member" and d["sub_workspace_id"] == piper]
    for kind, _ws, d in objects:
        if kind == "api_key":
            assert d["key"] not in output, "a key value appeared in the guide's output"


def _record_timings(blocks: list[str], output: str) -> None:
    marks = [(m.group(1), float(m.group(2))) for m in re.finditer(rf"{STEP}(\w+) ([\d.]+)", output)]
    lines = SUMMARIES.setdefault("README user guide in a fresh copy, seconds per block", [])
    for (label, start), (_next, end) in itertools.pairwise(marks):
        first = blocks[int(label)].strip().splitlines()[0] if label.isdigit() else label
        lines.append(f"{end - start:7.1f}  {first}")
    if marks:
        lines.append(f"{marks[-1][1] - marks[0][1]:7.1f}  in all")


def quickstart_commands(readme: str) -> list[str]:
    """The commands of the README's Quickstart block."""
    section = readme.split("\n## Quickstart\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_quickstarts_make_demo_runs_as_written() -> None:
    commands = quickstart_commands((REPO / "README.md").read_text())
    assert commands == ["make demo", "make test"]  # make test is this very run
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "INSTANTLY_"))}
    demo = subprocess.run(
        commands[0].split(), cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    # One read per stack: the preview proves the agency key works and reaches the client.
    assert "API requests made by the previews: 2" in demo.stdout
    assert re.search(r"acme: \d+ API requests", demo.stdout)
    assert "group membership: accepted" in demo.stdout
