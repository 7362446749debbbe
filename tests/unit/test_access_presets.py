"""Each access preset grants exactly the role and permissions its documentation page lists
(docs/reference/access-presets.md), no more and no fewer, and a stack member using it gets them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from instantly_pulumi import models
from instantly_pulumi.stack import parse_client

PAGE = Path(__file__).parents[2] / "docs" / "reference" / "access-presets.md"
WS = "019a8c3e-0000-7000-8000-00000000ac3e"


def documented() -> dict[str, tuple[str, set[str]]]:
    """preset → (role, permissions) from the page's "What each preset grants" table."""
    section = PAGE.read_text().split("## What each preset grants", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[1].strip("`"), set(re.findall(r"`([^`]+)`", cells[2])))
    return rows


def test_the_page_documents_exactly_the_four_personas() -> None:
    assert set(documented()) == set(models.ACCESS_PRESETS) == {"admin", "manager", "sdr", "viewer"}


@pytest.mark.parametrize("preset", sorted(models.ACCESS_PRESETS))
def test_a_preset_grants_exactly_what_its_row_says(preset: str) -> None:
    role, permissions = documented()[preset]
    code_role, code_permissions = models.ACCESS_PRESETS[preset]
    assert (code_role, set(code_permissions or ())) == (role, permissions)
    assert len(code_permissions or ()) == len(permissions)  # no repeats hidden by the set
    assert permissions <= models.PERMISSIONS
    assert role in models.ASSIGNABLE_ROLES
    member = parse_client({"workspace_id": WS, "members": [{"email": "a@b.co", "access": preset}]}).members[0]
    granted_role, granted = member.granted
    assert (granted_role, set(granted or ())) == (role, permissions)
