"""Every resource module has its documentation page and its unit tests, and the page
names every input of the resource's Args class."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

import pytest

from instantly_pulumi.resources import resource_modules

ROOT = Path(__file__).parents[2]
MODULES = resource_modules()


def test_resource_modules_are_found_by_scanning_the_package() -> None:
    # The five of today are found, and nothing private (_provider, _resource, _fields, ...) is taken for one.
    assert {"api_key", "custom_tag", "sub_workspace", "tag_assignment", "workspace_member"} <= set(MODULES)
    assert not [m for m in MODULES if m.startswith("_")]


@pytest.mark.parametrize("module", MODULES)
def test_every_resource_module_is_exported_by_the_package(module: str) -> None:
    import instantly_pulumi
    from instantly_pulumi.reference import provider_of

    provider = provider_of(module)
    exported = [
        getattr(instantly_pulumi, n)
        for n in instantly_pulumi.__all__
        if getattr(getattr(instantly_pulumi, n), "provider_class", None) is provider
    ]
    assert exported, f"instantly_pulumi does not export the resource of resources/{module}.py"


@pytest.mark.parametrize("module", MODULES)
def test_resource_has_a_page_naming_every_input(module: str) -> None:
    page = ROOT / "docs" / "resources" / f"{module}.md"
    assert page.is_file(), f"docs/resources/{module}.md is missing"
    text = page.read_text()
    mod = importlib.import_module(f"instantly_pulumi.resources.{module}")
    args = next(v for k, v in vars(mod).items() if k.endswith("Args") and dataclasses.is_dataclass(v))
    assert mod is not None
    for f in dataclasses.fields(args):
        assert f"`{f.name}`" in text, f"{page.name} does not document input {f.name!r}"
    assert "```python" in text, f"{page.name} has no example"


@pytest.mark.parametrize("module", MODULES)
def test_resource_has_unit_tests(module: str) -> None:
    assert (ROOT / "tests" / "unit" / f"test_{module}.py").is_file(), (
        f"tests/unit/test_{module}.py is missing"
    )


def test_generated_reference_pages_match_the_code() -> None:
    from instantly_pulumi.reference import stale

    assert stale() == [], "run `python -m instantly_pulumi.reference` and commit the pages"


def test_reference_pages_list_every_scope_permission_and_preset() -> None:
    from instantly_pulumi import models

    reference = ROOT / "docs" / "reference"
    scopes = (reference / "scopes.md").read_text()
    permissions = (reference / "permissions.md").read_text()
    presets = (reference / "access-presets.md").read_text()
    assert all(f"`{s}`" in scopes for s in models.SCOPES)
    assert len(models.SCOPES) == 178
    assert all(f"`{p}`" in permissions for p in models.PERMISSIONS)
    assert len(models.PERMISSIONS) == 31
    for preset, (role, perms) in models.ACCESS_PRESETS.items():
        row = next(line for line in presets.splitlines() if line.startswith(f"| `{preset}` | `{role}`"))
        assert all(f"`{p}`" in row for p in perms or ())
