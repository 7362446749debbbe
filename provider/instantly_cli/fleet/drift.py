"""Drift, found in the engine events of a ``pulumi preview --refresh``: what `fleet refresh
--detect-drift` reports.

The preview reads every object of the stack (the refresh steps, in memory: the state is not
written) and then runs the program on what it read (the stack file, also not written). Two kinds of
difference come out of its events, per resource:

- **changed outside the stack** (or **gone**): a refresh step whose object no longer matches the
  state — someone changed it (a role, a nickname, a key's scopes) or deleted it behind the stack's
  back. The fields are the ones the provider's diff names.
- **differs from the file**: a step the program asks for after the read (``update``, ``replace``,
  ``create``, ``delete``) — what `fleet up` would do to bring the object back to the file, or a
  change in the file not yet applied.

Either kind is drift: the workspace is not what the stack file says.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from pulumi.automation import EngineEvent, OpType, StepEventMetadata

from instantly_pulumi.recovery import TYPE_PREFIX

__all__ = ["CHANGED", "FILE", "GONE", "Drift", "DriftWatch"]

CHANGED = "changed outside the stack"
GONE = "gone: deleted outside the stack"
FILE = "differs from the file"

_FILE_OPS = {
    OpType.CREATE: "create",
    OpType.UPDATE: "update",
    OpType.REPLACE: "replace",
    OpType.CREATE_REPLACEMENT: "replace",
    OpType.DELETE_REPLACED: "replace",
    OpType.DELETE: "delete",
}
"""The steps after the read that change an object, and how the report names each (a replacement's
three steps are one ``replace``)."""


@dataclass(frozen=True)
class Drift:
    """One resource of one stack that is not as its file and state say."""

    resource: str
    """Its name in the stack (``member-ana@client.example``)."""
    type: str
    """Its resource type (``WorkspaceMember``), without the package's prefix."""
    found: str
    """:data:`CHANGED`, :data:`GONE` or :data:`FILE`."""
    fields: tuple[str, ...]
    """The fields that differ (empty when the provider did not say which)."""
    operation: str | None = None
    """For :data:`FILE`: what `up` would do (``update``, ``replace``, ``create``, ``delete``)."""

    def document(self) -> dict[str, Any]:
        """As in the fleet's JSON document."""
        return {
            "resource": self.resource,
            "type": self.type,
            "found": self.found,
            "fields": list(self.fields),
            "operation": self.operation,
        }

    def text(self) -> str:
        """``member-ana@x (WorkspaceMember): changed outside the stack: role``."""
        what = self.found if self.operation is None else f"{self.found} (up would {self.operation} it)"
        fields = f": {', '.join(self.fields)}" if self.fields else ""
        return f"{self.resource} ({self.type}): {what}{fields}"


class DriftWatch:
    """Collects :class:`Drift` from one stack's engine events (called from the event thread)."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str], Drift] = {}
        self._lock = threading.Lock()

    @property
    def drifts(self) -> list[Drift]:
        """What was found, in the order the engine reported it."""
        with self._lock:
            return list(self._found.values())

    def observe(self, event: EngineEvent) -> None:
        """Take in one engine event."""
        if event.res_outputs_event and _op(event.res_outputs_event.metadata) == OpType.REFRESH:
            self._refreshed(event.res_outputs_event.metadata)
        elif event.resource_pre_event:
            meta = event.resource_pre_event.metadata
            operation = _FILE_OPS.get(_op(meta))  # type: ignore[call-overload]
            if operation and _custom(meta):
                whole = operation in ("create", "delete")  # the whole object: no field to name
                fields = () if whole else _fields(meta) or _changed(meta, "inputs")
                self._add(meta, Drift(_name(meta.urn), _type(meta), FILE, fields, operation))

    def _refreshed(self, meta: StepEventMetadata) -> None:
        if not _custom(meta):
            return
        if meta.new is None:  # the read found no object
            self._add(meta, Drift(_name(meta.urn), _type(meta), GONE, ()))
            return
        fields = _fields(meta) or _changed(meta, "outputs")
        if fields:
            self._add(meta, Drift(_name(meta.urn), _type(meta), CHANGED, fields))

    def _add(self, meta: StepEventMetadata, drift: Drift) -> None:
        with self._lock:
            key = (meta.urn, drift.found)
            known = self._found.get(key)
            if known is not None:  # a replacement's later steps: one entry, every field named once
                drift = Drift(
                    drift.resource,
                    drift.type,
                    drift.found,
                    tuple(dict.fromkeys((*known.fields, *drift.fields))),
                    known.operation,
                )
            self._found[key] = drift


def _op(meta: StepEventMetadata) -> OpType | str:
    return meta.op


def _custom(meta: StepEventMetadata) -> bool:
    """A resource of this package (not the stack, a provider or another package's resource)."""
    return str(meta.type).startswith(TYPE_PREFIX)


def _type(meta: StepEventMetadata) -> str:
    return str(meta.type).removeprefix(TYPE_PREFIX)


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _fields(meta: StepEventMetadata) -> tuple[str, ...]:
    """The fields the step's diff names: its changed keys, else its detailed diff's top-level keys."""
    keys = list(meta.diffs or [])
    if not keys and meta.detailed_diff:
        keys = [path.split(".")[0].split("[")[0] for path in meta.detailed_diff]
    return _public(keys)


def _changed(meta: StepEventMetadata, side: str) -> tuple[str, ...]:
    """When the diff names nothing (the dynamic provider's diffs reach the events without keys): the
    ``side`` (``inputs`` for what the file asks, ``outputs`` for what was read) that differs between
    before and after."""
    old = (getattr(meta.old, side, None) if meta.old else None) or {}
    new = (getattr(meta.new, side, None) if meta.new else None) or {}
    return _public(k for k in sorted({*old, *new}) if old.get(k) != new.get(k))


def _public(keys: Any) -> tuple[str, ...]:
    """Without the SDK's and the recovery's own keys (``__provider``, ``__intent``...)."""
    return tuple(dict.fromkeys(k for k in keys if not str(k).startswith("_")))
