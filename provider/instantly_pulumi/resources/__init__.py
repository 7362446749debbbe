"""The dynamic resources, one module each (every module here not starting with ``_``)."""

from __future__ import annotations

import pkgutil


def resource_modules() -> list[str]:
    """The names of the resource modules, sorted (``api_key``, ``custom_tag``, …).

    Found by scanning this package, so a new resource is one new module here and
    nothing else lists it (the reference pages and the docs test iterate this).
    """
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
