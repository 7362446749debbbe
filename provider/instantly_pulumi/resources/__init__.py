"""The dynamic resources, one module each (every module here not starting with ``_``)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def resource_modules() -> list[str]:
    """The names of the resource modules, sorted (``api_key``, ``custom_tag``, …).

    Found by scanning this package, so a new resource is one new module here and
    nothing else lists it (the reference pages and the docs test iterate this).
    """
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def resource_classes() -> list[Any]:
    """The public resource classes (``WorkspaceMember``, …), one per resource module, in module order."""
    from instantly_pulumi.resources._resource import InstantlyResource

    found = []
    for name in resource_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        found += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, InstantlyResource) and v.__module__ == module.__name__
        ]
    return found


def stack_entries() -> list[Any]:
    """The resource classes a stack file declares through their own key (``profile:``), read and
    declared by the program with no code of its own (see :attr:`ProviderBase.stack_key`)."""
    return [cls for cls in resource_classes() if cls.provider_class.stack_key]
