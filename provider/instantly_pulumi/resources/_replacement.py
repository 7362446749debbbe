"""Replacements whose old object must go first, remembered between diff, delete and create.

A member whose permissions change cannot be patched (the API has no PATCH for
them) and cannot be invited twice (the email is taken), so Pulumi replaces it
delete-first (``delete_before_replace``). Pulumi then calls ``delete`` and
``create`` like any others, and neither says it belongs to a replacement. But
both must behave differently:

* ``delete`` must really delete, even an adopted object that ``destroy`` would
  keep — the replacement re-creates it at once;
* ``create`` must not "adopt" the object it is replacing (it is gone, and if a
  lost delete left it behind, adopting it would keep the old permissions), the
  new object counts as adopted when the old one was (so ``destroy`` keeps what
  the stack did not bring), and a failure must say that the old object is gone
  and what to do.

The engine runs diff, then delete, then create of one replacement in the same
provider process, so a process-wide record keyed by the object's kind,
natural key and workspace carries the facts from one call to the next.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["Replacement", "deleted", "is_planned", "planned", "take_deleted", "take_planned"]


@dataclass(frozen=True)
class Replacement:
    """One delete-first replacement in progress."""

    fields: tuple[str, ...]
    """The inputs whose change forces it (``permissions``)."""
    adopted: bool
    """Whether the object being replaced was adopted (the new one inherits it)."""


Key = tuple[str, str, str | None]
"""(kind, natural key in compared form, workspace)."""

_LOCK = threading.Lock()
_PLANNED: dict[Key, Replacement] = {}
_DELETED: dict[Key, Replacement] = {}


def planned(key: Key, replacement: Replacement) -> None:
    """Diff decided a delete-first replacement of ``key``."""
    with _LOCK:
        _PLANNED[key] = replacement


def is_planned(key: Key) -> bool:
    """Whether a delete-first replacement of ``key`` is planned and its delete has not run yet."""
    with _LOCK:
        return key in _PLANNED


def take_planned(key: Key) -> Replacement | None:
    """The replacement a delete of ``key`` belongs to (consumed), or None for a plain delete."""
    with _LOCK:
        return _PLANNED.pop(key, None)


def deleted(key: Key, replacement: Replacement) -> None:
    """The old object of ``key`` is gone; its successor is to be created next."""
    with _LOCK:
        _DELETED[key] = replacement


def take_deleted(key: Key) -> Replacement | None:
    """The replacement a create of ``key`` completes (consumed), or None for a plain create."""
    with _LOCK:
        return _DELETED.pop(key, None)
