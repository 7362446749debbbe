"""Fixtures for end-to-end tests: real Pulumi programs run by the real CLI."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from instantly_cli.pulumi_runner import PulumiCLI, find_pulumi_bin
from tests.worlds import (
    REQUEST_COUNTS,
    SUMMARIES,
    ClientStack,
    World,
    count_requests,
    json_loads,
    make_world,
    new_client_stack,
    update_stack_file,
)

__all__ = [
    "REPO",
    "REQUEST_COUNTS",
    "SUMMARIES",
    "ClientStack",
    "InstalledCopy",
    "World",
    "copy_repository",
    "count_requests",
    "json_loads",
    "make_world",
    "new_client_stack",
    "update_stack_file",
]

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The built CLI; end-to-end tests never skip: a missing CLI is a failure."""
    found = find_pulumi_bin(REPO)
    if found is None:
        pytest.fail("no Pulumi CLI: run `make cli` (make test does it for you)")
    return found


def write_project(project_dir: Path, name: str, main: str = ".") -> None:
    """Write a Pulumi.yaml that runs on the repository's virtualenv."""
    project_dir.mkdir(parents=True, exist_ok=True)
    (project_dir / "Pulumi.yaml").write_text(
        f"name: {name}\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        "    toolchain: pip\n"
        f"    virtualenv: {REPO / '.venv'}\n"
        f"main: {main}\n"
    )


@pytest.fixture
def chain_project(tmp_path: Path, pulumi_bin: Path) -> PulumiCLI:
    """The test-only `chain` program in a fresh project and backend."""
    project = tmp_path / "project"
    shutil.copytree(PROGRAMS / "chain", project)
    write_project(project, "chain")
    return PulumiCLI(
        project_dir=project,
        state_dir=tmp_path / "state",
        passphrase=secrets.token_hex(8),
        bin_dir=pulumi_bin,
        # The provider process unpickles chain_resource by module name.
        env={"PYTHONPATH": str(project)},
    )


# --- a fresh copy of the repository, set up by `pulumi install` ------------------------------


# What git ignores here (.gitignore): used only when the tree is not a git checkout.
_IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".tools",
    ".state",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".schemathesis",
    "*.db",
    "*.db-*",
    "build",
    "dist",
)


def copy_repository(dest: Path) -> None:
    """Copy what a clone of the working tree would hold: the tracked files, plus new files not yet
    committed (``--others --exclude-standard``), so the copy reflects the tree under test; nothing
    git ignores (no .venv, no .tools, no state). Outside a git checkout (a source archive), the
    tree without the ignored paths."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        shutil.copytree(REPO, dest, ignore=_IGNORED, symlinks=True)
        return
    for name in filter(None, listed.stdout.decode().split("\0")):
        src = REPO / name
        if not src.is_file():  # deleted in the working tree
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / name)


@dataclass
class InstalledCopy:
    """The repository copied as a clone would be, after `pulumi install` in its root."""

    root: Path
    cli: PulumiCLI
    install: subprocess.CompletedProcess[str]
    seconds: float


INSTALL_SECONDS: list[float] = []


@pytest.fixture(scope="session")
def installed_copy(tmp_path_factory: pytest.TempPathFactory, pulumi_bin: Path) -> InstalledCopy:
    """One `pulumi install` for the session: the project's own Pulumi.yaml (relative `virtualenv`,
    `main:` in a subdirectory), run from its root exactly as the README tells users."""
    base = tmp_path_factory.mktemp("clone")
    root = base / "instantly-pulumi"
    copy_repository(root)
    cli = PulumiCLI(project_dir=root, state_dir=base / "pulumi", passphrase="copy", bin_dir=pulumi_bin)
    start = time.monotonic()
    install = cli.run("install", timeout=900)
    seconds = time.monotonic() - start
    INSTALL_SECONDS.append(seconds)
    return InstalledCopy(root=root, cli=cli, install=install, seconds=seconds)


# --- client stacks on the sandbox -------------------------------------------------------------


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for seconds in INSTALL_SECONDS:
        terminalreporter.write_line(f"e2e: `pulumi install` in a fresh copy of the repo: {seconds:.1f}s")
    for title, lines in SUMMARIES.items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)
    if not REQUEST_COUNTS:
        return
    terminalreporter.section("API requests per lifecycle step (e2e, through the sandbox's request log)")
    for step, counts in REQUEST_COUNTS.items():
        terminalreporter.write_line(f"{step:<48} {counts}")


@pytest.fixture
def world(sandbox: Any, control: Any, request: pytest.FixtureRequest) -> World:
    name = "".join(c for c in request.node.name.split("[")[0] if c.isalnum())[-20:]
    return make_world(control, sandbox.base_url, name)


@pytest.fixture
def client_stack(tmp_path: Path, pulumi_bin: Path, world: World) -> ClientStack:
    return new_client_stack(tmp_path, pulumi_bin, world)
