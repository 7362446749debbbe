"""Waiting for a group invitation to be accepted, through the real CLI (issue 8).

The client's owner is played by :class:`~tests.e2e.support.Acceptor`, which accepts after the
provider has read the invitation a given number of times, so the request counts are exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import World, make_world, new_client_stack
from .support import POLL, Acceptor, acting_in, tally, writes

pytestmark = pytest.mark.e2e

WAITING = "group-membership: waiting for"


@pytest.fixture
def pending_world(sandbox: Any, control: Any, request: pytest.FixtureRequest) -> World:
    """A client that has not been invited into the agency's group yet."""
    return make_world(control, sandbox.base_url, request.node.name[-18:], accept=False)


def client_value(world: World, **membership: Any) -> dict[str, Any]:
    return {
        "workspace_id": world.client_id,
        "group_membership": membership,  # defaults: wait for acceptance, 300 s
        "members": [{"email": "ana@client.example", "role": "editor"}],
        "api_keys": [{"name": "reader", "scopes": ["campaigns:read"]}],
        "tags": [{"label": "Outbound"}],
    }


def test_up_waits_with_progress_lines_until_the_owner_accepts(
    tmp_path: Path, pulumi_bin: Path, pending_world: World
) -> None:
    world = pending_world
    stack = new_client_stack(tmp_path, pulumi_bin, world)
    stack.write(client_value(world))
    with Acceptor(world, after_polls=6) as acceptor:
        up = stack.run("up", step="first up, default settings, accepted after 6 polls")
    (invitation,) = acceptor.accepted

    # A line at the first poll and one 5 s later (the 7th poll finds it accepted). Pulumi shows
    # each line as it comes, and again in the summary's diagnostics: count those.
    assert WAITING in up.stdout.split("Diagnostics:", 1)[0]
    diagnostics = up.stdout.split("Diagnostics:", 1)[1].split("Outputs:", 1)[0]
    lines = [line for line in diagnostics.splitlines() if WAITING in line]
    assert len(lines) == 2, up.stdout
    assert f"({world.client_id}) to accept the agency's invitation" in lines[0]
    assert f"/_sandbox/workspace-group-members/{invitation}/accept" in lines[0]
    assert tally(stack.requests()) == {
        # Per pass (preview, update): the program proves the key works, and the provider compares each
        # new resource's workspace with the agency's own.
        "GET /workspaces/current": 4,
        "POST /workspace-group-members": 1,
        # The acceptor accepts after the 6th read; the 7th sees `accepted`.
        POLL: 7,
        # Only after acceptance: each of these acts in the client (x-as-workspace).
        "POST /workspace-members": 1,
        "POST /api-keys": 1,
        "POST /custom-tags": 1,
    }
    assert [g["status"] for g in world.memberships()] == ["accepted"]
    assert {m["email"] for m in world.list("/workspace-members")} >= {"ana@client.example"}
    (membership,) = stack.resources("SubWorkspace")
    assert membership["outputs"]["status"] == "accepted"
    assert "initErrors" not in membership


def test_a_timed_out_wait_keeps_the_invitation_and_the_next_up_continues_it(
    tmp_path: Path, pulumi_bin: Path, pending_world: World
) -> None:
    world = pending_world
    stack = new_client_stack(tmp_path, pulumi_bin, world)
    stack.write(client_value(world, acceptance_timeout=3))

    def timed_out(step: str) -> str:
        failed = stack.run("up", check=False, step=step)
        assert failed.returncode != 0
        out = failed.stdout + failed.stderr
        assert "was not accepted within 3s" in out
        assert "once its owner accepts, run `pulumi up` again" in out
        assert "Exception calling application" not in out
        assert "Traceback" not in out
        log = stack.requests()
        assert tally(log) == {
            "GET /workspaces/current": 4,  # the program and the provider, in each pass
            "POST /workspace-group-members": 1,
            POLL: 4,  # at 0, 1, 2 and 3 s: the 4th is past the timeout
        }
        # Nothing that acts in the client was attempted: it would only be refused.
        assert acting_in(log, world.client_id) == []
        (pending,) = world.memberships()
        assert pending["status"] == "pending"
        (membership,) = stack.resources("SubWorkspace")
        assert membership["id"] == pending["id"]
        assert membership["outputs"]["status"] == "pending"
        assert any("not accepted within 3s" in e for e in membership["initErrors"])
        return str(pending["id"])

    first = timed_out("up whose wait times out (3 s)")

    # destroy withdraws the invitation that was never accepted.
    stack.run("destroy", step="destroy of a timed-out invitation")
    assert tally(stack.requests()) == {"DELETE /workspace-group-members/{id}": 1}
    assert world.memberships() == []

    second = timed_out("up whose wait times out again (a new invitation)")
    assert second != first

    # The owner accepts later; the next up waits for the same invitation, finds it accepted at the
    # first read, and creates the rest: no new invitation, no 409.
    world.control.accept_group_member(second)
    stack.run("up", step="up after the owner accepted a timed-out invitation")
    log = stack.requests()
    assert tally(log) == {
        "GET /workspaces/current": 4,  # the program, and the three new resources, in each pass
        POLL: 1,
        "POST /workspace-members": 1,
        "POST /api-keys": 1,
        "POST /custom-tags": 1,
    }
    assert [g["id"] for g in world.memberships()] == [second]
    (membership,) = stack.resources("SubWorkspace")
    assert membership["outputs"]["status"] == "accepted"
    assert "initErrors" not in membership
    stack.run("preview", "--expect-no-changes")
    assert writes(stack.requests()) == []
