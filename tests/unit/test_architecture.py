"""The layering holds (docs/architecture.md), and the import contracts `make lint` runs would catch a
break: a copy of the packages with one forbidden import fails them, naming the contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(provider_dir: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the project's contracts over the packages in ``provider_dir``."""
    env = {**os.environ, "PYTHONPATH": str(provider_dir)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(REPO / "pyproject.toml"), "--no-cache"],
        cwd=provider_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_code_keeps_every_contract() -> None:
    done = lint_imports(REPO / "provider")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("instantly_pulumi/models.py", "import instantly_cli.common", "the library imports neither"),
        ("instantly_pulumi/client.py", "import instantly_sandbox.app", "the library imports neither"),
        ("instantly_sandbox/errors.py", "import instantly_pulumi.errors", "the sandbox (the API's stand-in)"),
        (
            "instantly_pulumi/resources/_fields.py",
            "import instantly_pulumi.stack",
            "the resources know nothing",
        ),
        ("instantly_pulumi/client.py", "import instantly_pulumi.program", "the library's layers run one way"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    copy = tmp_path / "provider"
    shutil.copytree(REPO / "provider", copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    path = copy / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    done = lint_imports(copy)
    assert done.returncode != 0, done.stdout
    assert contract in done.stdout
    assert "BROKEN" in done.stdout
    assert str(copy) in done.stdout or module.replace("/", ".").removesuffix(".py") in done.stdout
