"""A dead API is told at once, and a long wait is told as it happens (issue 19 §5), through the real CLI.

A closed port used to cost a preview 11-15 s of silent retries. Now the program tries
:data:`~instantly_pulumi.retry_policy.UNREACHABLE_ATTEMPTS` times and says which URL to check; the time
bound is loose (the engine's start comes on top, and the machine is shared), the attempts are read
from the message. A 429 keeps its wait, and the wait shows in Pulumi's diagnostics — from the
program and from the provider alike.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest

from instantly_pulumi import retry_policy
from instantly_sandbox.testing import Fault

from .conftest import ClientStack, update_stack_file

pytestmark = pytest.mark.e2e

NEVER = ("an unhandled error occurred", "Traceback", "Exception calling application")


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def point_at(stack: ClientStack, base_url: str) -> None:
    update_stack_file(
        stack.cli.project_dir / "stacks" / f"Pulumi.{stack.name}.yaml", {"instantly:baseUrl": base_url}
    )


def one_member(stack: ClientStack) -> dict[str, Any]:
    return {
        "workspace_id": stack.world.client_id,
        "members": [{"email": "ana@client.example", "role": "view"}],
    }


def test_a_preview_against_a_closed_port_names_the_url_and_ends_quickly(client_stack: ClientStack) -> None:
    client_stack.write(one_member(client_stack), base_url=False)
    url = closed_port()
    point_at(client_stack, url)
    started = time.monotonic()
    proc = client_stack.run("preview", check=False)
    seconds = time.monotonic() - started
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    attempts = retry_policy.UNREACHABLE_ATTEMPTS
    assert (
        f"no answer from the Instantly API at {url} (ConnectError: [Errno 111] Connection refused; "
        f"{attempts} attempts): check that instantly:baseUrl (or INSTANTLY_BASE_URL) is the API's origin "
        "and that the API — or the sandbox — is running"
    ) in " ".join(out.split())
    for never in NEVER:
        assert never not in out
    assert client_stack.requests() == []  # the sandbox was never the one asked
    # The engine's start and the program's imports come on top of the client's ~0.5 s; before, the
    # retries alone took 11-15 s.
    assert seconds < 20, f"{seconds:.1f} s"


class OneRefusalEach:
    """Answer 429 (Retry-After: 3) to the first request on each path, then let requests through."""

    def __init__(self, stack: ClientStack, paths: list[str]) -> None:
        self.control = stack.world.control
        self.paths = paths
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _rules(self, paths: list[str]) -> list[dict[str, Any]]:
        return [Fault.status(429, method="GET", path=p, retry_after=3) for p in paths]

    def _watch(self) -> None:
        left = list(self.paths)
        while left and not self._stop.wait(0.05):
            seen = {r["path"] for r in self.control.requests() if r.get("status") == 429}
            if any(p in seen for p in left):
                left = [p for p in left if p not in seen]
                self.control.set_faults(self._rules(left))

    def __enter__(self) -> OneRefusalEach:
        self.control.set_faults(self._rules(self.paths))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.control.clear_faults()


def test_a_long_wait_is_told_in_the_diagnostics_by_the_program_and_by_the_provider(
    client_stack: ClientStack,
) -> None:
    world = client_stack.world
    client_stack.write(
        {"workspace_id": world.client_id, "tags": [{"label": "Outbound", "campaigns": world.campaigns[:1]}]}
    )
    program, provider = "/api/v2/workspaces/current", "/api/v2/campaigns"
    with OneRefusalEach(client_stack, [program, provider]):
        proc = client_stack.run("preview")
    diagnostics = " ".join(proc.stdout.split("Diagnostics:", 1)[1].split("Outputs:", 1)[0].split())
    # The program's proof of access, under the stack, and the provider's check of the tag's campaigns,
    # under the tag assignment: each says what waits, which attempt, and how long.
    wait = "the API asks to slow down (HTTP 429, attempt 1); waiting 3.0 s (3 s of at most 120 s)"
    assert (
        f"pulumi:pulumi:Stack (instantly-clients-client): verify access workspace {world.client_id}: {wait}"
        in (diagnostics)
    )
    assert (
        "pulumi-python:dynamic/instantly:TagAssignment (tag-Outbound-campaigns): list campaigns tag "
        f"(created by this run) on 1 campaign(s) in workspace {world.client_id}: {wait}"
    ) in diagnostics
    assert "pulumi.output.Unknown" not in proc.stdout
