"""Fixtures for end-to-end tests: real Pulumi programs run by the real CLI."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from instantly_pulumi.pulumi_cli import PulumiCLI, find_pulumi_bin

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
