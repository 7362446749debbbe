"""The project's own Pulumi.yaml, used from its root as the README says, through the real CLI.

Pulumi.yaml names a relative `virtualenv: .venv` and `main: provider/program`. The language host
and the dynamic-provider launcher must both resolve the venv against the project root (upstream's
launcher script resolved it against `main:`, pulumi/pulumi#7061, so every dynamic resource failed
with ".../provider/program/.venv doesn't exist"), and `pulumi install` must create that venv.
These tests run in a copy of the repository's files, not in a project the tests write.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import ClientStack, InstalledCopy, World

pytestmark = pytest.mark.e2e


def venv_python(copy: InstalledCopy) -> Path:
    return copy.root / ".venv" / "bin" / "python"


def test_pulumi_install_creates_the_venv_at_the_root_with_the_project(installed_copy: InstalledCopy) -> None:
    out = installed_copy.install.stdout + installed_copy.install.stderr
    assert "Installing dependencies..." in out
    assert "Finished installing dependencies" in out
    python = venv_python(installed_copy)
    assert python.is_file()
    assert not (installed_copy.root / "provider" / "program" / ".venv").exists()

    # The venv is python3's (what PATH offers, as the README says), and the project is installed
    # into it editable from this copy, with the sandbox extra.
    python3 = subprocess.run(["python3", "--version"], capture_output=True, text=True, check=True).stdout
    probe = subprocess.run(
        [
            python,
            "-c",
            "import json, platform, instantly_pulumi, instantly_sandbox, fastapi, pulumi;"
            "print(json.dumps([platform.python_version(), instantly_pulumi.__file__]))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    version, module = json.loads(probe.stdout)
    assert python3.split()[1] == version
    assert Path(module).is_relative_to(installed_copy.root / "provider")


def test_pulumi_about_lists_the_interpreter_and_installed_packages(installed_copy: InstalledCopy) -> None:
    about = installed_copy.cli.run("about", check=False)
    assert f"executable='{venv_python(installed_copy)}'" in about.stdout
    assert "instantly-pulumi" in about.stdout  # top-level packages by default, as upstream

    data = json.loads(installed_copy.cli.run("about", "--transitive", "--json", check=False).stdout)
    names = {dep["name"] for dep in data["dependencies"]}
    assert {"pulumi", "instantly-pulumi", "httpx"} <= names
    assert data["runtime"]["executable"] == str(venv_python(installed_copy))


def test_preview_up_refresh_output_destroy_from_the_project_root(
    installed_copy: InstalledCopy, world: World
) -> None:
    """A regression test for pulumi/pulumi#7061 in our launcher: dynamic resources through the
    project's real Pulumi.yaml (relative venv, `main:` in a subdirectory), against the sandbox."""
    cli = installed_copy.cli
    stack = ClientStack(cli=cli, world=world, name="root")
    cli.ensure_stack("root")
    cli.run("config", "set", "--secret", "instantly:apiKey", stack="root", stdin=world.agency_key)
    client: dict[str, Any] = {
        # The world's accepted group membership stays unmanaged, so the agency key can still look
        # into the client workspace after destroy.
        "workspace_id": world.client_id,
        "members": [{"email": "root@client.example", "role": "view"}],
        "tags": [{"label": "From the root", "campaigns": world.campaigns[:1]}],
    }
    stack.write(client)
    assert (installed_copy.root / "stacks" / "Pulumi.root.yaml").is_file()

    preview = stack.run("preview")
    assert "to create" in preview.stdout
    assert "doesn't exist" not in preview.stdout + preview.stderr
    stack.run("up")
    assert "root@client.example" in {m["email"] for m in world.list("/workspace-members")}
    assert "From the root" in {t["label"] for t in world.list("/custom-tags")}
    assert stack.outputs()["workspace_id"] == world.client_id

    stack.run("refresh")
    stack.run("preview", "--expect-no-changes")

    stack.run("destroy")
    assert "root@client.example" not in {m["email"] for m in world.list("/workspace-members")}
    assert "From the root" not in {t["label"] for t in world.list("/custom-tags")}


def test_launcher_without_the_venv_names_it_and_says_pulumi_install(tmp_path: Path, pulumi_bin: Path) -> None:
    """What a user sees when the root's venv is missing: the resolved path (the root's, not the
    program directory's) and the command that creates it."""
    root = tmp_path / "project"
    program = root / "provider" / "program"
    program.mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: p\nruntime: python\nmain: provider/program\n")
    proc = subprocess.run(
        [pulumi_bin / "pulumi-resource-pulumi-python", "127.0.0.1:1"],
        cwd=program,
        env={
            "PATH": "/usr/bin:/bin",
            "PULUMI_RUNTIME_VIRTUALENV": ".venv",
            "PULUMI_RUNTIME_TOOLCHAIN": "pip",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert f"{root / '.venv'} (relative to the project root {root}) doesn't exist" in proc.stderr
    assert f"Run `pulumi install` in {root}" in proc.stderr
    assert str(program / ".venv") not in proc.stderr
