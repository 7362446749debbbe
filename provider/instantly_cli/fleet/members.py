"""Who an ``up`` gave access and who it took it from, per client: the people part of the fleet's summary.

Read from the engine's events as the steps finish (``resOutputsEvent``), so only what was done counts:
each ``WorkspaceMember`` created, deleted or replaced, named by its email. The same rule as the
provider's decides what a deletion did (:meth:`WorkspaceMemberProvider.keeps`): an adopted member, or
one with ``on_destroy: keep``, is left in the workspace, not removed.
"""

from __future__ import annotations

import threading
from typing import Any

from pulumi.automation import EngineEvent, OpType, StepEventStateMetadata

from instantly_pulumi.recovery import TYPE_PREFIX
from instantly_pulumi.resources.workspace_member import WorkspaceMember, WorkspaceMemberProvider

__all__ = ["KINDS", "MemberChanges"]

MEMBER_TYPE = TYPE_PREFIX + WorkspaceMember.__name__

KINDS = {
    "added": "added",
    "adopted": "taken over (already in the workspace)",
    "reinvited": "re-invited (replaced: a new invitation to accept)",
    "removed": "removed",
    "left": "no longer managed, left in the workspace",
}
"""What happened to a member, and how the report says it."""

_REPLACING = (OpType.REPLACE, OpType.CREATE_REPLACEMENT, OpType.DELETE_REPLACED)


class MemberChanges:
    """The members one stack's ``up`` added, took over, re-invited, removed or let go, by email."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._emails: dict[str, dict[str, None]] = {kind: {} for kind in KINDS}

    def observe(self, event: EngineEvent) -> None:
        """Take in one engine event (a finished step of a workspace member; others are ignored)."""
        done = event.res_outputs_event
        if done is None or str(done.metadata.type) != MEMBER_TYPE:
            return
        meta = done.metadata
        if meta.op == OpType.CREATE:
            kind = "adopted" if _props(meta.new).get("adopted") else "added"
            self._note(kind, meta.new)
        elif meta.op == OpType.DELETE:
            old = _props(meta.old)
            self._note("left" if WorkspaceMemberProvider().keeps(old) else "removed", meta.old)
        elif meta.op in _REPLACING:
            self._note("reinvited", meta.new or meta.old)

    def _note(self, kind: str, state: StepEventStateMetadata | None) -> None:
        email = _props(state).get("email") or _name(state)
        if email:
            with self._lock:
                self._emails[kind][str(email)] = None

    def document(self) -> dict[str, list[str]]:
        """``{"added": [...], "adopted": [...], "reinvited": [...], "removed": [...], "left": [...]}``."""
        with self._lock:
            return {kind: sorted(emails) for kind, emails in self._emails.items()}

    def text(self) -> str:
        """``added ana@x; removed sam@y`` — empty when nobody's access changed."""
        return "; ".join(
            f"{KINDS[kind]} {', '.join(emails)}" for kind, emails in self.document().items() if emails
        )


def _props(state: StepEventStateMetadata | None) -> dict[str, Any]:
    """The member's outputs (what the provider recorded), else its inputs."""
    if state is None:
        return {}
    return dict(state.outputs or state.inputs or {})


def _name(state: StepEventStateMetadata | None) -> str | None:
    """The email from the resource's name (``member-<email>``), when its properties do not say."""
    if state is None:
        return None
    name = str(state.urn).rsplit("::", 1)[-1]
    return name.removeprefix("member-") if name.startswith("member-") else None
