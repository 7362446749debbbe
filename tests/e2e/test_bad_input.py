"""The bad-input matrix (issue 9.6) through the real CLI: each case of ``bad_inputs.CASES`` fails,
says what is wrong and what to do, shows no traceback, and writes nothing it could have refused
before the API. The cases share one project, backend and client workspace (a preview is ~1 s)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from .bad_inputs import CASES, FILE, MISSING, PULUMI, Attempt, Case, valid_client
from .conftest import ClientStack, World, make_world, new_client_stack
from .support import tally, writes

pytestmark = pytest.mark.e2e

NEVER = ("an unhandled error occurred", "Traceback", "Exception calling application")
"""What no failure may show: Pulumi's line for a program crash, a Python traceback, the SDK prefix."""


@dataclasses.dataclass
class Matrix:
    """The shared project: one world, stacks by name, each stack file's original content."""

    world: World
    stacks: dict[str, ClientStack]
    baselines: dict[str, dict[str, Any]]

    def stack(self, a: Attempt) -> ClientStack:
        if a.stack not in self.stacks:
            base = self.stacks["matrix"]
            base.cli.ensure_stack(a.stack)
            self.stacks[a.stack] = ClientStack(cli=base.cli, world=self.world, name=a.stack)
            self.baselines[a.stack] = yaml.safe_load(self.path(a.stack).read_text()) or {}
        # The attempt's environment, by reference: a setup step may change it.
        cli = dataclasses.replace(self.stacks[a.stack].cli, env=a.env)
        return dataclasses.replace(self.stacks[a.stack], cli=cli, outputs_seen=[])

    def path(self, name: str) -> Path:
        return self.stacks["matrix"].cli.project_dir / "stacks" / f"Pulumi.{name}.yaml"

    def write(self, a: Attempt) -> None:
        """The stack file as the attempt says: the original (salt, encrypted agency key) plus it."""
        if a.raw is not None:
            self.path(a.stack).write_text(a.raw)
            return
        baseline = self.baselines[a.stack]
        config: dict[str, Any] = {}
        if a.agency_key and "instantly:apiKey" in baseline.get("config", {}):
            config["instantly:apiKey"] = baseline["config"]["instantly:apiKey"]
        config["instantly:baseUrl"] = self.world.base_url
        config.update(a.config)
        if a.client is not MISSING:
            config["instantly-clients:client"] = a.client
        doc = {**{k: v for k, v in baseline.items() if k != "config"}, **a.top, "config": config}
        self.path(a.stack).write_text(yaml.safe_dump(doc, sort_keys=False))


@pytest.fixture(scope="module")
def matrix(sandbox: Any, tmp_path_factory: pytest.TempPathFactory, pulumi_bin: Path) -> Matrix:
    world = make_world(sandbox.control, sandbox.base_url, "matrix")
    stack = new_client_stack(tmp_path_factory.mktemp("matrix"), pulumi_bin, world, name="matrix")
    baseline = yaml.safe_load((stack.cli.project_dir / "stacks" / "Pulumi.matrix.yaml").read_text())
    return Matrix(world, {"matrix": stack}, {"matrix": baseline})


def attempt(matrix: Matrix) -> Attempt:
    # The environment names no key, origin or timeout: only the stack file (or the case) does.
    env = {"INSTANTLY_API_KEY": "", "INSTANTLY_BASE_URL": "", "INSTANTLY_TIMEOUT": ""}
    return Attempt(world=matrix.world, client=valid_client(matrix.world), env=env)


def test_the_valid_stack_previews_with_reads_only(matrix: Matrix) -> None:
    """Every case starts from this stack: it must pass, so each failure is the case's own."""
    a = attempt(matrix)
    stack = matrix.stack(a)
    matrix.write(a)
    stack.run("preview", step="preview of the matrix's valid stack")
    # The program proves the key and the workspace (one read); one provider process: the workspace
    # compared with the agency's, the tag's ids checked.
    assert tally(stack.requests()) == {"GET /workspaces/current": 2, "GET /campaigns": 1, "GET /accounts": 1}


def test_agency_workspace_true_lets_a_stack_manage_the_agency(matrix: Matrix) -> None:
    """The counterpart of the agency-workspace-as-client case: said explicitly, it is allowed."""
    a = attempt(matrix)
    a.client = {**a.client, "workspace_id": matrix.world.agency_id, "agency_workspace": True, "tags": []}
    stack = matrix.stack(a)
    matrix.write(a)
    stack.run("preview")
    assert writes(stack.requests()) == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_saying_what_to_do_and_writes_nothing(matrix: Matrix, case: Case) -> None:
    a = attempt(matrix)
    a.values.update(agency_id=matrix.world.agency_id, client_id=matrix.world.client_id)
    case.change(a)
    if a.setup is not None:
        # The setup runs with the agency key; the case then changes what it needs.
        a.env["INSTANTLY_API_KEY"], a.agency_key = matrix.world.agency_key, False
    stack = matrix.stack(a)
    matrix.write(a)
    try:
        if a.setup is not None:
            a.setup(stack, a)
            matrix.write(a)
        proc = stack.run(*a.command, check=False, step="a bad input (the whole matrix)")
        log = stack.requests()
    finally:
        if a.cleanup is not None:
            a.env["INSTANTLY_API_KEY"] = matrix.world.agency_key
            a.cleanup(stack, a)

    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    for fragment in case.expect:
        for name, value in a.values.items():
            fragment = fragment.replace("{" + name + "}", value)
        assert fragment in out
    for never in NEVER:
        assert never not in out
    if case.where in (FILE, PULUMI):
        assert log == [], "refused before any resource: not even a read"
    else:
        assert writes(log) == list(case.writes)
