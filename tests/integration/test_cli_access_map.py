"""``instantly-pulumi audit --all --html FILE`` against the sandbox, without a project: the page is
written beside the usual report, from the same reads, holds no key value, and says that declared
access was not checked; what ``--html`` refuses. (The browser test, in a project with stacks, is
tests/e2e/test_access_map.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from instantly_pulumi import models
from tests.integration.cli_support import Agency, run_cli

pytestmark = pytest.mark.integration


def test_the_map_is_written_beside_the_report_from_the_same_reads(
    agency: Agency, control: Any, tmp_path: Path
) -> None:
    role, permissions = models.ACCESS_PRESETS["manager"]
    with agency.as_client() as api:
        api.member("pat@agency.example", role, permissions=list(permissions or []))
        made = api.post("/api-keys", {"name": "zapier", "scopes": ["leads:read", "all:read"]})
    secrets = (agency.client_key, made["key"])
    page_file = tmp_path / "map.html"

    control.clear_requests()
    plain = run_cli("audit", "--all", "--json", key=agency.agency_key, base_url=agency.base_url, cwd=tmp_path)
    reads = len(control.requests())
    control.clear_requests()
    run = run_cli(
        "audit", "--all", "--json", "--html", str(page_file),
        key=agency.agency_key, base_url=agency.base_url, cwd=tmp_path, secrets=secrets,
    )  # fmt: skip

    assert run.code == plain.code == 1, run.stderr
    assert len(control.requests()) == reads  # the page costs no request of its own
    assert run.json()["findings"] == plain.json()["findings"]
    assert f"access map: {page_file} (3 people x 2 workspaces" in run.stderr
    html = page_file.read_text()
    for secret in (agency.agency_key, *secrets):
        assert secret not in html
    assert "sk_" not in html
    assert 'data-search="pat@agency.example' in html
    assert '<span class="role">manager</span><span class="mark pending">pending</span>' in html
    assert made["id"] in html
    assert "over-privileged: all:read" in html
    assert "Declared access was not checked" in html
    assert html.count('<tr class="key over"') == 3  # the agency's and the client's own keys, and zapier


def test_html_needs_all_and_a_writable_file(agency: Agency, control: Any, tmp_path: Path) -> None:
    control.clear_requests()
    run = run_cli(
        "audit", "--workspace-id", agency.client_id, "--html", str(tmp_path / "map.html"),
        key=agency.agency_key, base_url=agency.base_url, cwd=tmp_path,
    )  # fmt: skip
    assert run.code == 2
    assert "--html FILE draws every workspace of the group: give it with --all" in run.stderr
    assert control.requests() == []  # refused before any request
    assert not (tmp_path / "map.html").exists()

    missing = tmp_path / "no-such-dir" / "map.html"
    run = run_cli(
        "audit",
        "--all",
        "--html",
        str(missing),
        key=agency.agency_key,
        base_url=agency.base_url,
        cwd=tmp_path,
    )
    assert run.code == 2
    assert f"--html {missing}: cannot write the access map" in run.stderr
    assert "Traceback" not in run.stderr
