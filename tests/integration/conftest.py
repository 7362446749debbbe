"""Fixtures the console-script tests share (test_cli_*.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.cli_support import Agency, make_agency


@pytest.fixture
def agency(sandbox: Any, control: Any, request: pytest.FixtureRequest) -> Agency:
    """A fresh agency and client accepted into its group, named after the test
    (test_resources.py has an ``agency`` of its own)."""
    return make_agency(control, sandbox.base_url, request.node.name[-12:].replace("_", ""))
