"""Who can reach what, as plain data: the findings of ``audit`` and one person's access everywhere.

The model ``audit`` fills and shows (tables, ``--json``), and that other views of the same reading
(the access map) consume without reading the API again:

* :class:`Finding` — something to look at, with a stable :attr:`Finding.id` (the same problem has
  the same id tomorrow: it is derived from the kind, the workspace and the object's natural key,
  never from a time or a list position), a :attr:`Finding.severity`, and the waiver covering it;
* :class:`Declaration` — where a stack file declares a person (its own ``members:`` or the agency
  team of ``Pulumi.yaml``);
* :class:`Seat` — one person in one workspace: role, permissions, accepted or pending, and who
  declares it; :class:`PersonReport` — one person across every workspace the agency key reaches.

Nothing here reads the API or a file; :mod:`.audit`, :mod:`.person`, :mod:`.declared` and
:mod:`.waivers` do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

__all__ = [
    "SEVERITY",
    "Declaration",
    "Finding",
    "PersonReport",
    "Seat",
    "WaiverState",
    "finding_id",
]

Obj = dict[str, Any]
Severity = Literal["high", "medium", "low"]

SEVERITY: dict[str, Severity] = {
    "full_access_key": "high",
    "unmanaged_key": "high",
    "unmanaged_member": "high",
    "unmanaged_workspace": "medium",
    "group_invitation_rejected": "medium",
    "group_invitation_pending": "low",
    "pending_invitation": "low",
}
"""How much each kind of finding matters: access nobody meant (high), a client nobody manages or a
refused invitation (medium), something still waiting for a person (low)."""


def finding_id(kind: str, workspace_id: str, subject: str) -> str:
    """``<kind>:<12 hex>``: the kind, readable, and a hash of the kind, the workspace and the object's
    natural key (an email is case-folded, as the API compares them)."""
    digest = hashlib.sha256(f"{kind}\n{workspace_id}\n{subject}".encode()).hexdigest()[:12]
    return f"{kind}:{digest}"


@dataclass(frozen=True)
class WaiverState:
    """The waiver covering a finding, as of the day of the audit."""

    reason: str
    expires: date
    expired: bool
    """True once ``expires`` has passed: the finding counts again."""

    def document(self) -> Obj:
        return {"reason": self.reason, "expires": self.expires.isoformat(), "expired": self.expired}


@dataclass
class Finding:
    """Something ``audit`` flags (exit 1 unless a current waiver covers it)."""

    kind: str
    """What is wrong (:data:`SEVERITY` lists every kind)."""
    workspace_id: str
    """The workspace it is in."""
    subject: str
    """The object's natural key: an email, a key's name, a workspace id (for the group's invitations
    and an unmanaged workspace)."""
    message: str
    """What is wrong, for a person."""
    object_id: str | None = None
    """The API id of the object, when there is one."""
    waiver: WaiverState | None = None

    @property
    def id(self) -> str:
        """Stable across runs: :func:`finding_id` of the kind, the workspace and :attr:`subject`."""
        subject = self.subject.casefold() if "@" in self.subject else self.subject
        return finding_id(self.kind, self.workspace_id, subject)

    @property
    def severity(self) -> Severity:
        return SEVERITY.get(self.kind, "medium")

    @property
    def waived(self) -> bool:
        """Covered by a waiver that has not expired."""
        return self.waiver is not None and not self.waiver.expired

    @property
    def counts(self) -> bool:
        """Whether it makes ``audit`` exit 1."""
        return not self.waived

    def document(self) -> Obj:
        return {
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "workspace_id": self.workspace_id,
            "object_id": self.object_id,
            "subject": self.subject,
            "message": self.message,
            "waived": self.waived,
            "waiver": self.waiver.document() if self.waiver else None,
        }


@dataclass(frozen=True)
class Declaration:
    """A stack file that declares a person in a workspace."""

    stack: str
    """The stack's name (``acme``)."""
    file: str
    """Its stack file, relative to the project (``stacks/Pulumi.acme.yaml``)."""
    via: Literal["members", "team"]
    """``members``: the client's own ``members:``; ``team``: the agency team (``team:`` of
    ``instantly-clients:agency`` in ``Pulumi.yaml``), which every client stack inherits."""
    line_in: str
    """The file holding the line to edit: the stack file, or ``Pulumi.yaml`` for the team."""
    role: str | None
    """The role it declares (an ``access`` preset is shown as the role it grants)."""

    def document(self) -> Obj:
        return {
            "stack": self.stack,
            "file": self.file,
            "via": self.via,
            "line_in": self.line_in,
            "role": self.role,
        }


@dataclass
class Seat:
    """One person in one workspace the agency key reaches: what the API shows, and who declares it."""

    workspace_id: str
    workspace_name: str | None
    agency: bool
    """True for the agency key's own workspace."""
    reachable: bool = True
    """False for a workspace a stack declares the person in that the key cannot read (not an
    accepted member of its group)."""
    member: Obj | None = None
    """The member as the API lists it (``id``, ``role``, ``permissions``, ``accepted``...), or None
    when the person is not in the workspace."""
    declared: list[Declaration] = field(default_factory=list)
    stacks: list[str] = field(default_factory=list)
    """Every stack of the project that manages the workspace (declaring the person or not)."""
    error: str | None = None
    """Why the workspace could not be read."""

    @property
    def status(self) -> str:
        """``declared``, ``undeclared`` (in the workspace, no stack declares it: flagged),
        ``missing`` (declared, not in the workspace yet), ``absent``, ``unreachable`` (declared in a
        workspace the key cannot read) or ``unreadable`` (the listing failed)."""
        if not self.reachable:
            return "unreachable"
        if self.error is not None:
            return "unreadable"
        if self.member is None:
            return "missing" if self.declared else "absent"
        return "declared" if self.declared else "undeclared"

    def document(self) -> Obj:
        m = self.member or {}
        return {
            "workspace_id": self.workspace_id,
            "workspace_name": self.workspace_name,
            "agency": self.agency,
            "reachable": self.reachable,
            "status": self.status,
            "member": None
            if self.member is None
            else {
                "id": m.get("id"),
                "email": m.get("email"),
                "role": m.get("role"),
                "permissions": m.get("permissions"),
                "accepted": bool(m.get("accepted")),
                "nickname": m.get("nickname"),
            },
            "declared": [d.document() for d in self.declared],
            "stacks": self.stacks,
            "error": self.error,
        }


@dataclass
class PersonReport:
    """One person across the agency's own workspace and every client accepted into its group."""

    email: str
    seats: list[Seat] = field(default_factory=list)
    project: str | None = None
    """Where the stack files were read, or None outside a project."""
    notes: list[str] = field(default_factory=list)
    """What was not checked, and why (no project here)."""
    errors: list[str] = field(default_factory=list)
    """What could not be read (a stack file that does not parse): exit 2."""
    requests: int = 0
    """API requests the reading took."""

    def count(self, status: str) -> int:
        return sum(1 for s in self.seats if s.status == status)

    @property
    def summary(self) -> Obj:
        member = [s for s in self.seats if s.member is not None]
        return {
            "workspaces": len(self.seats),
            "member_of": len(member),
            "pending": sum(1 for s in member if not s.member or not s.member.get("accepted")),
            "declared": self.count("declared"),
            "undeclared": self.count("undeclared"),
            "missing": self.count("missing"),
            "unreachable": self.count("unreachable"),
            "unreadable": self.count("unreadable"),
        }

    @property
    def exit_code(self) -> int:
        """2 when a workspace or stack file could not be read, 1 for undeclared access, else 0."""
        if self.count("unreadable") or self.errors:
            return 2
        return 1 if self.count("undeclared") else 0
