"""A bounded schemathesis run against the sandbox with the official subset spec.

Checks: no 5xx, every response body and content type as the spec says.
Not checked: undocumented status codes. The spec omits 400 on operations that
still validate their input (query strings such as ``limit``, PATCH bodies, the
owner member's deletion); the sandbox answers 400 there as the live API's
Fastify validation does (instantly-api.md §0 and §7).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.fuzz

SPEC = Path(__file__).parents[2] / "provider" / "instantly_sandbox" / "openapi-v2-subset.json"
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def test_schemathesis_finds_no_server_error_or_schema_violation(
    sandbox: Any, control: Any, tmp_path: Path
) -> None:
    _, key = control.create_workspace("Fuzzing")
    # Fuzzing goes faster than the API's limits allow; a 429 would only hide coverage.
    control.set_limits(per_second=100_000, per_minute=1_000_000)
    st = Path(sys.executable).parent / "st"
    proc = subprocess.run(
        [
            str(st),
            "run",
            str(SPEC),
            "--url",
            sandbox.base_url,
            "--header",
            f"Authorization: Bearer {key}",
            "--max-examples",
            os.environ.get("FUZZ_EXAMPLES", "8"),
            "--seed",
            "7",
            "--checks",
            CHECKS,
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    summary = proc.stdout[-3000:]
    assert proc.returncode == 0, summary
    assert "Tested: 30" in proc.stdout, summary
