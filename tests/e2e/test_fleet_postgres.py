"""State a team can share: the fleet and plain `pulumi` on Pulumi's PostgreSQL backend, on a real server.

Each test gets a table of its own (`&table=` in the backend URL) in one server per session.
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from instantly_cli.demo import write_project
from instantly_cli.pulumi_runner import PulumiCLI
from instantly_sandbox.seed import api_client
from instantly_sandbox.testing import Fault

from .fleet_support import FleetProject, small_client
from .postgres_server import PostgresServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


def rows(postgres: PostgresServer, table: str, part: str = "") -> dict[str, str]:
    """The backend's rows whose key contains ``part``: key → the stored document, decoded.

    The backend keeps each object as ``{"data": "<base64 of the bytes>"}`` in a JSON column.
    """
    query = sql.SQL("SELECT key, data FROM {} WHERE key LIKE %s").format(sql.Identifier(table))
    with postgres.connect() as conn:
        found = conn.execute(query, ("%" + part + "%",)).fetchall()
    return {str(key): base64.b64decode(data["data"]).decode() for key, data in found}


@pytest.fixture
def team(tmp_path: Path, pulumi_bin: Path, sandbox: Any, control: Any, postgres: PostgresServer) -> Any:
    table = f"state_{secrets.token_hex(4)}"
    backend = f"{postgres.url}&table={table}"
    root = tmp_path / "project"
    write_project(root)
    agency, key = control.create_workspace("Team agency")

    def member(home: str) -> PulumiCLI:
        """One person's machine: their own PULUMI_HOME, the team's backend and passphrase."""
        return PulumiCLI(
            project_dir=root,
            state_dir=tmp_path / home,
            passphrase="the team's passphrase",
            bin_dir=pulumi_bin,
            env={"PULUMI_BACKEND_URL": backend, "INSTANTLY_API_KEY": key},
        )

    project = FleetProject(root, member("ana"), control, sandbox.base_url, (agency["id"], key))
    return project, member("ben"), table


def test_state_written_by_one_process_is_read_by_another_and_secrets_stay_encrypted(
    team: Any, postgres: PostgresServer
) -> None:
    project, ben, table = team
    project.add_stack("acme")

    result = project.fleet("up")
    assert result.code == 0, result.stderr
    assert result.doc["backend"].startswith("postgres://****@127.0.0.1:")  # the URL, credentials masked

    # Ben's machine: another PULUMI_HOME, the same backend; he sees Ana's state and can decrypt it.
    outputs = json.loads(ben.run("stack", "output", "--json", "--show-secrets", stack="acme").stdout)
    key = outputs["api_keys"]["reporting"]["key"]
    assert key
    with api_client(project.base_url, key) as api:
        assert api.get("/campaigns", params={"limit": 1}).status_code == 200  # the minted key works
    ben.run("preview", "--expect-no-changes", stack="acme")

    stored = rows(postgres, table)
    checkpoint = json.loads(next(data for name, data in stored.items() if name.endswith("/acme.json")))
    keys = [r for r in checkpoint["checkpoint"]["latest"]["resources"] if r["type"].endswith(":ApiKey")]
    assert keys[0]["outputs"]["key"]["ciphertext"]  # a secret output, encrypted with the passphrase
    for data in stored.values():
        assert key not in data  # the minted key only as ciphertext
        assert project.agency[1] not in data
    with postgres.connect() as conn:  # ...nor in the raw column, whatever its encoding
        raw = conn.execute(sql.SQL("SELECT data::text FROM {}").format(sql.Identifier(table))).fetchall()
    assert not [text for (text,) in raw if key in text or project.agency[1] in text]


def test_two_ups_of_one_stack_at_once_one_is_refused_as_locked_and_the_state_stays_valid(
    team: Any, postgres: PostgresServer
) -> None:
    project, ben, table = team
    world = project.add_stack("shared")
    assert project.fleet("up").code == 0

    def wait_for_lock(process: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 120
        while not rows(postgres, table, "/.pulumi/locks/"):
            assert process.poll() is None, "the first up ended before it took the lock"
            assert time.monotonic() < deadline, "no lock appeared"
            time.sleep(0.1)

    # The fleet first, Ben's plain `pulumi up` while it runs.
    client = small_client(world, members=4)
    project.write("shared", client)
    project.control.set_faults([Fault.delay(3_000, method="POST", path="/api/v2/*")])
    fleet = project.start("up", "shared", "--json")
    wait_for_lock(fleet)
    second = ben.run("up", stack="shared", check=False)
    out, err = fleet.communicate(timeout=300)
    assert second.returncode != 0
    assert "the stack is currently locked by 1 lock(s)" in second.stderr + second.stdout
    assert fleet.returncode == 0, err
    assert json.loads(out)["stacks"][0]["changes"].get("create") == 1

    # Ben's plain `pulumi up` first, the fleet while it runs: the fleet reports the lock.
    client = small_client(world, members=5)
    project.write("shared", client)
    plain = subprocess.Popen(
        [str(Path(str(ben.bin_dir)) / "pulumi"), "up", "--yes", "--non-interactive", "--stack", "shared"],
        cwd=project.root,
        env=ben.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_lock(plain)
    refused = project.fleet("up", "shared")
    plain.communicate(timeout=300)
    project.control.clear_faults()
    assert plain.returncode == 0
    assert refused.code == 1
    assert refused.results() == {"shared": "failed"}
    assert "the stack is currently locked by 1 lock(s)" in refused.stacks["shared"]["error"]

    # Neither run corrupted the state: no lock, nothing pending, and it matches the API.
    assert rows(postgres, table, "/.pulumi/locks/") == {}
    state = json.loads(ben.run("stack", "export", stack="shared").stdout)["deployment"]
    assert not state.get("pending_operations")
    members = [r for r in state["resources"] if r["type"].endswith("WorkspaceMember")]
    assert len(members) == 5
    declared = [r for r in state["resources"] if not r["type"].startswith("pulumi:providers:")]
    assert project.fleet("preview", "shared").stacks["shared"]["changes"] == {"same": len(declared)}


def test_up_changed_reads_what_another_machine_recorded_with_the_stacks(
    team: Any, postgres: PostgresServer
) -> None:
    """`fleet up --changed` keeps what it compares with the stack on the backend (a stack tag), so
    Ben's machine knows what Ana's ran; a plain `pulumi up` in between makes the stack run again."""
    ana, ben_cli, table = team
    for name in ("north", "south"):
        ana.add_stack(name)
    assert ana.fleet("up").code == 0
    tags = rows(postgres, table, ".pulumi-tags")
    assert sorted(k.rsplit("/", 1)[-1] for k in tags) == ["north.pulumi-tags", "south.pulumi-tags"]
    for data in tags.values():
        assert "instantly:fleet-inputs" in data
        assert ana.agency[1] not in data  # the key's hash at most, never the key

    ben = FleetProject(ana.root, ben_cli, ana.control, ana.base_url, ana.agency, ana.worlds)
    ana.control.clear_requests()
    same = ben.fleet("up", "--changed")
    assert same.code == 0, same.stderr
    assert same.results() == {"north": "unchanged", "south": "unchanged"}
    assert ana.control.requests() == []

    ben_cli.run("up", "--yes", "--skip-preview", stack="south")  # by hand, not through the fleet
    again = ana.fleet("up", "--changed")
    assert again.code == 0, again.stderr
    assert again.results() == {"north": "unchanged", "south": "succeeded"}
    assert "its state was written since" in again.stacks["south"]["why"][0]
