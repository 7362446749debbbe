"""The sandbox's route tables: one route per operation of the spec, at the spec's method and
path, literal paths ahead of the ``{id}`` paths they would match, and the app built from them."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import APIRoute

from instantly_sandbox import spec
from instantly_sandbox.app import build_app
from instantly_sandbox.routes import API_ROUTES, CONTROL_ROUTES
from instantly_sandbox.store import Store


def test_every_operation_has_one_route_at_the_spec_method_and_path() -> None:
    ops = spec.operations()
    assert sorted(r.operation for r in API_ROUTES) == sorted(ops)
    for route in API_ROUTES:
        method, path, _ = ops[route.operation]
        assert (route.method, route.path) == (method, path), route.operation


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")


def test_literal_paths_come_before_the_templates_that_match_them() -> None:
    for table in (API_ROUTES, CONTROL_ROUTES):
        for i, earlier in enumerate(table):
            for later in table[i + 1 :]:
                shadowed = earlier.method == later.method and _pattern(earlier.path).match(later.path)
                assert not shadowed, f"{earlier.path} shadows {later.path}"


def test_the_app_serves_exactly_the_tables(tmp_path: Path) -> None:
    store = Store(tmp_path / "routes.db")
    try:
        app = build_app(store)
        served = [
            (method, r.path) for r in app.routes if isinstance(r, APIRoute) for method in sorted(r.methods)
        ]
    finally:
        store.close()
    assert served == [(r.method, r.path) for r in (*API_ROUTES, *CONTROL_ROUTES)]
