"""The foundation's proof: a dynamic resource through preview, up, refresh and destroy
with the real Pulumi CLI built from Go modules, a file:// backend and passphrase secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from instantly_cli.pulumi_runner import PulumiCLI

pytestmark = pytest.mark.e2e


def records(store: Path) -> dict[str, str]:
    return {p.stem: json.loads(p.read_text())["value"] for p in store.glob("*.json")}


def record_state(cli: PulumiCLI) -> dict[str, str] | None:
    """The Record's outputs as the state holds them (refresh writes here, not to stack outputs)."""
    deployment = json.loads(cli.run("stack", "export", stack="dev").stdout)["deployment"]
    for res in deployment.get("resources", []):
        if res["type"] == "pulumi-python:dynamic/chain:Record":
            return {k: v for k, v in res["outputs"].items() if k != "__provider"}
    return None


def outputs(cli: PulumiCLI) -> dict[str, str]:
    return json.loads(cli.run("stack", "output", "--json", "--show-secrets", stack="dev").stdout)


def test_cli_reports_pinned_version(pulumi_bin: Path) -> None:
    """The CLI is the release tools/pulumi/go.mod pins; the Python SDK pin may be older, never newer."""
    import re
    import subprocess
    import tomllib

    root = Path(__file__).parents[2]
    go_mod = (root / "tools" / "pulumi" / "go.mod").read_text()
    (cli_pin,) = re.findall(r"^\s*github\.com/pulumi/pulumi/pkg/v3 (v[0-9.]+)", go_mod, re.MULTILINE)
    python_pin = next(
        d.split("==")[1]
        for d in tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
        if d.startswith("pulumi==")
    )
    out = subprocess.run([pulumi_bin / "pulumi", "version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == cli_pin

    def release(version: str) -> tuple[int, ...]:
        return tuple(int(n) for n in version.lstrip("v").split("."))

    assert release(python_pin) <= release(cli_pin)


def test_preview_up_refresh_destroy(chain_project: PulumiCLI, tmp_path: Path) -> None:
    cli = chain_project
    store = tmp_path / "store"
    store.mkdir()
    cli.ensure_stack("dev")
    cli.run("config", "set", "chain:store_dir", str(store), stack="dev")
    cli.run("config", "set", "chain:value", "v1", stack="dev")
    cli.run("config", "set", "--secret", "chain:token", "tok-e2e-5ecret", stack="dev")

    # preview changes nothing
    preview = cli.run("preview", stack="dev")
    assert "+ 2 to create" in preview.stdout
    assert records(store) == {}

    cli.run("up", stack="dev")
    created = records(store)
    assert list(created.values()) == ["v1"]
    record_id = next(iter(created))
    assert outputs(cli) == {"record_id": record_id, "value": "v1", "token": "tok-e2e-5ecret"}

    # A preview right after up reports no changes (exit 0 with --expect-no-changes).
    cli.run("preview", "--expect-no-changes", stack="dev")

    # The secret config stays encrypted in the stack file and the state.
    stack_file = (cli.project_dir / "Pulumi.dev.yaml").read_text()
    exported = cli.run("stack", "export", stack="dev").stdout
    assert "tok-e2e-5ecret" not in stack_file
    assert "tok-e2e-5ecret" not in exported

    # Drift made outside Pulumi shows in refresh, and the next up repairs it.
    (store / f"{record_id}.json").write_text(json.dumps({"value": "drifted"}))
    cli.run("refresh", stack="dev")
    assert record_state(cli) == {"store_dir": str(store), "value": "drifted"}
    cli.run("up", stack="dev")
    assert records(store) == {record_id: "v1"}

    # An in-place update keeps the id.
    cli.run("config", "set", "chain:value", "v2", stack="dev")
    cli.run("up", stack="dev")
    assert records(store) == {record_id: "v2"}

    # Deletion outside Pulumi: refresh drops the resource, up recreates it.
    (store / f"{record_id}.json").unlink()
    cli.run("refresh", stack="dev")
    assert record_state(cli) is None
    cli.run("up", stack="dev")
    assert list(records(store).values()) == ["v2"]

    cli.run("destroy", stack="dev")
    assert records(store) == {}
    assert record_state(cli) is None


def test_program_with_no_config_and_a_run_error(tmp_path: Path, pulumi_bin: Path) -> None:
    """Regression: with no stack config the host must still hand the shim `{}` and `[]`."""
    from .conftest import write_project

    project = tmp_path / "bare"
    write_project(project, "bare")
    (project / "__main__.py").write_text(
        "import pulumi\n"
        "if pulumi.Config().get_bool('fail'):\n"
        "    raise pulumi.RunError('client.members[2].role: bad role')\n"
        "pulumi.export('answer', 42)\n"
    )
    cli = PulumiCLI(project_dir=project, state_dir=tmp_path / "state", passphrase="x", bin_dir=pulumi_bin)
    cli.ensure_stack("dev")
    cli.run("up", stack="dev")
    assert json.loads(cli.run("stack", "output", "--json", stack="dev").stdout) == {"answer": 42}

    cli.run("config", "set", "fail", "true", stack="dev")
    failed = cli.run("preview", stack="dev", check=False)
    assert failed.returncode != 0
    assert "client.members[2].role: bad role" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr
