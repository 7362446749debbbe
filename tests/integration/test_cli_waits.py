"""The commands tell a dead API at once, and every long wait as it happens (issue 19 §5)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

from instantly_sandbox.testing import Fault
from tests.integration.cli_support import Agency, run_cli


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_command_against_a_closed_port_names_the_url_and_what_to_check(
    agency: Agency, tmp_path: Path
) -> None:
    url = closed_port()
    started = time.monotonic()
    run = run_cli(
        "audit", "--workspace-id", agency.client_id, key=agency.agency_key, base_url=url, cwd=tmp_path
    )
    seconds = time.monotonic() - started
    err = " ".join(run.stderr.split())
    assert run.code == 2, run.stderr
    assert f"no answer from the Instantly API at {url} (ConnectError: [Errno 111] Connection refused" in err
    assert "2 attempts): check that instantly:baseUrl (or INSTANTLY_BASE_URL) is the API's origin" in err
    assert "Traceback" not in run.stderr
    assert seconds < 15, f"{seconds:.1f} s (the interpreter's start included)"


def test_a_long_wait_prints_a_waiting_line(agency: Agency, control: Any, tmp_path: Path) -> None:
    # The first read of the workspace answers 429 with Retry-After: 3; the rule is lifted once it fired.
    path = "/api/v2/workspaces/current"
    control.set_faults([Fault.status(429, method="GET", path=path, retry_after=3)])
    stop = threading.Event()

    def lift() -> None:
        while not stop.wait(0.05):
            if any(r["path"] == path and r["status"] == 429 for r in control.requests()):
                control.clear_faults()
                return

    control.clear_requests()
    watcher = threading.Thread(target=lift, daemon=True)
    watcher.start()
    try:
        run = run_cli(
            "audit",
            "--workspace-id",
            agency.client_id,
            key=agency.agency_key,
            base_url=agency.base_url,
            cwd=tmp_path,
        )
    finally:
        stop.set()
        watcher.join()
        control.clear_faults()
    err = " ".join(run.stderr.split())
    assert run.code in (0, 1), run.stderr
    assert "waiting: " in err
    assert "the API asks to slow down (HTTP 429, attempt 1); waiting 3.0 s (3 s of at most 120 s)" in err
