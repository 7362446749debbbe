"""The stack's current settings, for the runs where Pulumi replays the ones saved in the state.

A refresh or destroy does not run the program, so the engine configures the provider with the
settings of the last `up`; a provider process that served no `check` asks `pulumi config` (here a
stand-in script on PATH that prints what the real one prints) for the stack named by the request.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from instantly_pulumi.resources import _grpc, _stack_config

KEYS = ("instantly:apiKey", "instantly:baseUrl", "instantly:timeout")
URN = "urn:pulumi:acme::instantly-clients::pulumi-python:dynamic/instantly:WorkspaceMember::member-a"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with a stack file for `acme`, a fake `pulumi` on PATH, and the program's folder as
    the working directory (where the engine starts the provider)."""
    root = tmp_path / "project"
    (root / "stacks").mkdir(parents=True)
    (root / "provider" / "program").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: instantly-clients\nstackConfigDir: stacks\n")
    (root / "stacks" / "Pulumi.acme.yaml").write_text("config: {}\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    answer = {"instantly:apiKey": {"value": "the-new-key", "secret": True}, "aws:region": {"value": "x"}}
    fake.write_text(
        f'#!/bin/sh\necho "$PWD $*" >> "{tmp_path}/calls"\ncat <<\'EOF\'\n{json.dumps(answer)}\nEOF\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(root / "provider" / "program")
    monkeypatch.setattr(_stack_config, "_READ", {})
    monkeypatch.setattr(_stack_config, "_PROGRAM_RAN", type(_stack_config._PROGRAM_RAN)())
    return root


def test_urns_name_their_stack_and_project() -> None:
    assert _grpc.stack_of(URN) == "acme"
    assert _grpc.project_of(URN) == "instantly-clients"
    assert _grpc.stack_of("not a urn") is None


def test_a_refresh_reads_the_stacks_current_settings_once(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_grpc, "request_urn", lambda: URN)
    stale = {"instantly:apiKey": "the-revoked-key", "instantly:baseUrl": "https://api.test"}
    # A setting no longer in the stack's config falls back to the environment, as in `up`.
    assert _stack_config.current(stale, KEYS) == {
        "instantly:apiKey": "the-new-key",
        "instantly:baseUrl": None,
        "instantly:timeout": None,
    }
    _stack_config.current(stale, KEYS)
    calls = (project.parent / "calls").read_text().splitlines()
    assert calls == [f"{project} config --json --show-secrets --stack acme"]


def test_a_run_of_the_program_keeps_the_settings_it_was_given(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_grpc, "request_urn", lambda: URN)
    _stack_config.program_ran()
    given = {"instantly:apiKey": "current"}
    assert _stack_config.current(given, KEYS) is given
    assert not (project.parent / "calls").exists()


def test_another_project_or_no_stack_file_keeps_the_settings_given(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = {"instantly:apiKey": "k"}
    monkeypatch.setattr(_grpc, "request_urn", lambda: URN.replace("::instantly-clients::", "::other::"))
    assert _stack_config.current(given, KEYS) is given
    monkeypatch.setattr(_stack_config, "_READ", {})
    monkeypatch.setattr(_grpc, "request_urn", lambda: URN.replace("acme", "globex"))
    assert _stack_config.current(given, KEYS) is given
    monkeypatch.setattr(_grpc, "request_urn", lambda: None)  # outside an engine request
    assert _stack_config.current(given, KEYS) is given
    assert not (project.parent / "calls").exists()
