"""Shared fixtures: one sandbox server per test session, over a real socket.

Tests isolate by creating fresh workspaces, not by resetting, so they can share
the server.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from instantly_sandbox.testing import SandboxControl, SandboxProcess

_names = itertools.count(1)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """The sandbox server for the session (a real process on a free loopback port)."""
    db: Path = tmp_path_factory.mktemp("sandbox") / "sandbox.db"
    with SandboxProcess(db) as proc:
        yield proc


@pytest.fixture
def control(sandbox: SandboxProcess) -> Iterator[SandboxControl]:
    """The control plane of the session's sandbox (faults and limits cleared after each test)."""
    yield sandbox.control
    sandbox.control.clear_faults()
    sandbox.control.set_limits(100, 6_000)


@pytest.fixture
def workspace_factory(control: SandboxControl) -> Callable[..., tuple[dict[str, Any], str]]:
    """``make(name=...)`` → (workspace, full-access key) of a fresh workspace."""

    def make(name: str | None = None) -> tuple[dict[str, Any], str]:
        return control.create_workspace(name or f"Workspace {next(_names)}")

    return make
