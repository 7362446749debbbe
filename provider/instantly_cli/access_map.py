"""The access map of ``audit --all --html FILE``: who can reach which workspace, on one page.

Built from the audit's JSON document (the ``--json`` contract in docs/cli/audit.md), never from the
API directly: the map is another way of showing what ``audit`` read, so the two cannot disagree.

:func:`build` turns the document into a view model — people (rows) by workspaces (columns), each
cell the person's access preset (when their role and permissions are exactly one of
:data:`~instantly_pulumi.models.ACCESS_PRESETS`) or role, pending invitations and access that no
stack declares marked; each workspace's API keys with their scopes, over-privileged ones (any
``all:*`` scope) flagged; the findings, with their ids and waivers when the audit gives them — and
:func:`render` renders it with the Jinja2 template ``templates/access_map.html.j2`` (package data),
autoescaped. The page is self-contained (inline CSS and JavaScript, no fonts or images fetched), so
it opens from an email attachment with no network. A key's value is never in the model: the audit
document holds only key names, ids and scopes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from instantly_cli import common
from instantly_pulumi import models

__all__ = [
    "AccessMap",
    "Cell",
    "FindingRow",
    "Key",
    "Person",
    "Workspace",
    "build",
    "preset_of",
    "render",
    "write",
]

Obj = dict[str, Any]
TEMPLATE = "access_map.html.j2"


def preset_of(role: str | None, permissions: list[str] | None) -> str | None:
    """The access preset whose role and permissions are exactly these, or None.

    ``admin`` grants everything by its role (a permission list cannot add to it), so every admin
    is the ``admin`` preset; the others need the same role and the same set of permissions."""
    for name, (preset_role, preset_permissions) in models.ACCESS_PRESETS.items():
        if role != preset_role:
            continue
        if preset_permissions is None or set(permissions or ()) == set(preset_permissions):
            return name
    return None


@dataclass(frozen=True)
class Cell:
    """One person's access to one workspace."""

    role: str
    """The API's role: owner, admin, editor, view or client."""
    permissions: tuple[str, ...] | None
    preset: str | None
    """The access preset the role and permissions match exactly (see :func:`preset_of`)."""
    accepted: bool
    managed: bool | None
    """Declared by a stack (True), by none (False), or not known (None: the owner, or the stacks
    were not read)."""

    @property
    def label(self) -> str:
        """What the cell says: the preset's name, else the role."""
        return self.preset or self.role

    @property
    def undeclared(self) -> bool:
        """Access that no stack of the project declares."""
        return self.managed is False

    @property
    def detail(self) -> str:
        """The tooltip: role and permissions spelt out, and what the marks mean."""
        if self.preset is not None and self.permissions is not None:
            what = f"preset {self.preset}: role {self.role} with {len(self.permissions)} permissions"
        elif self.preset is not None:
            what = f"preset {self.preset}: role {self.role}"
        elif self.permissions:
            what = f"role {self.role}: {', '.join(self.permissions)}"
        else:
            what = f"role {self.role}"
        notes = [what]
        if not self.accepted:
            notes.append("invited, has not accepted")
        notes.append(
            {True: "declared by a stack", False: "declared by NO stack", None: "declaration not checked"}[
                self.managed
            ]
            if self.role != "owner"
            else "the workspace's owner"
        )
        return "; ".join(notes)


@dataclass
class Person:
    """One row: everyone with the same email (case aside) is one person."""

    email: str
    nickname: str | None
    cells: dict[str, Cell] = field(default_factory=dict)
    """Workspace id → the access there."""

    @property
    def undeclared(self) -> int:
        """How many workspaces give this person access that no stack declares."""
        return sum(1 for c in self.cells.values() if c.undeclared)

    @property
    def search_text(self) -> str:
        """What the person filter matches (lower case)."""
        return f"{self.email} {self.nickname or ''}".lower()


@dataclass(frozen=True)
class Key:
    """One API key: never its value, only what identifies it and what it may do."""

    id: str
    name: str
    scopes: tuple[str, ...]
    full_access: tuple[str, ...]
    """The ``all:*`` scopes that make it over-privileged (flagged)."""
    managed: bool | None
    created: str | None


@dataclass
class Workspace:
    """One column: the agency's own workspace or a client's."""

    id: str
    name: str
    stacks: list[str]
    agency: bool
    members_read: bool
    """False when its members could not be read (then its column is empty for that reason)."""
    keys: list[Key] | None
    """None when the keys could not be read."""

    @property
    def flagged_keys(self) -> int:
        """How many of its keys are over-privileged."""
        return sum(1 for k in self.keys or [] if k.full_access)


@dataclass(frozen=True)
class FindingRow:
    """One finding of the audit, as the page shows it."""

    id: str | None
    """The finding's stable id, when the audit gives one."""
    kind: str
    severity: str | None
    workspace_id: str | None
    workspace: str
    message: str
    waiver: Obj | None
    """The waiver that covers it (``reason``, ``expires``, whether it ``expired``), if any."""
    given_status: str | None = None
    """The finding's status in the audit's own words, when it says one (it wins)."""

    @property
    def status(self) -> str:
        """The audit's status if given, else open, waived, or waiver expired."""
        if self.given_status:
            return self.given_status
        if self.waiver is None:
            return "open"
        return "waiver expired" if self.waiver.get("expired") else "waived"


@dataclass
class AccessMap:
    """What the page shows: built by :func:`build`, rendered by :func:`render`."""

    taken_at: str
    workspaces: list[Workspace]
    people: list[Person]
    findings: list[FindingRow]
    errors: list[Obj]
    stacks_checked: bool
    stacks_note: str
    exit_code: int | None

    @property
    def taken_at_text(self) -> str:
        """When the audit read the API, for people: ``6 Dec 2026, 23:59 UTC``."""
        try:
            at = datetime.fromisoformat(self.taken_at.replace("Z", "+00:00"))
        except ValueError:
            return self.taken_at
        return f"{at.day} {at:%b %Y, %H:%M} UTC"

    @property
    def undeclared_cells(self) -> int:
        """Cells giving access that no stack declares."""
        return sum(p.undeclared for p in self.people)

    @property
    def pending_cells(self) -> int:
        """Invitations not accepted yet."""
        return sum(1 for p in self.people for c in p.cells.values() if not c.accepted)

    @property
    def flagged_keys(self) -> int:
        """Over-privileged keys across every workspace."""
        return sum(w.flagged_keys for w in self.workspaces)

    stale_waivers: list[Obj] = field(default_factory=list)
    """Waivers whose finding is gone (when the audit reports them)."""

    @property
    def open_findings(self) -> int:
        """Findings that no valid waiver covers."""
        return sum(1 for f in self.findings if f.status != "waived")


def _key(k: Obj) -> Key:
    return Key(
        id=str(k["id"]),
        name=str(k.get("name") or ""),
        scopes=tuple(k.get("scopes") or ()),
        full_access=tuple(k.get("full_access") or ()),
        managed=k.get("managed"),
        created=k.get("timestamp_created"),
    )


def _waiver(finding: Obj) -> Obj | None:
    waiver = finding.get("waiver")
    if isinstance(waiver, dict):
        return waiver
    return None


def build(document: Obj, own_workspace_id: str | None = None) -> AccessMap:
    """The view model of an audit document (``audit --all --json``'s shape).

    ``own_workspace_id``: the agency's workspace (the first audited one when not given: ``--all``
    audits the key's own workspace first)."""
    audited = document.get("workspaces") or []
    own = own_workspace_id or (audited[0]["id"] if audited else None)
    workspaces: list[Workspace] = []
    people: dict[str, Person] = {}
    for ws in audited:
        workspaces.append(
            Workspace(
                id=ws["id"],
                name=ws.get("name") or ws["id"],
                stacks=list(ws.get("stacks") or []),
                agency=ws["id"] == own,
                members_read="members" in ws,
                keys=[_key(k) for k in ws["api_keys"]] if "api_keys" in ws else None,
            )
        )
        for m in ws.get("members") or []:
            email = str(m.get("email") or m["id"])
            person = people.setdefault(email.lower(), Person(email=email, nickname=m.get("nickname")))
            person.nickname = person.nickname or m.get("nickname")
            perms = m.get("permissions")
            person.cells[ws["id"]] = Cell(
                role=str(m.get("role")),
                permissions=tuple(perms) if perms is not None else None,
                preset=preset_of(m.get("role"), perms),
                accepted=bool(m.get("accepted")),
                managed=m.get("managed"),
            )
    names = {w.id: w.name for w in workspaces}
    for g in document.get("group_memberships") or []:
        names.setdefault(g["sub_workspace_id"], g.get("sub_workspace_name") or g["sub_workspace_id"])
    findings = [
        FindingRow(
            id=f.get("id"),
            kind=str(f.get("kind") or ""),
            severity=f.get("severity"),
            workspace_id=f.get("workspace_id"),
            workspace=names.get(f.get("workspace_id") or "", f.get("workspace_id") or "the agency"),
            message=str(f.get("message") or ""),
            waiver=_waiver(f),
            given_status=f.get("status") if isinstance(f.get("status"), str) else None,
        )
        for f in document.get("findings") or []
    ]
    stacks = document.get("stacks") or {}
    # Undeclared access first (what to act on), then by email.
    ordered = sorted(people.values(), key=lambda p: (-p.undeclared, p.email.lower()))
    return AccessMap(
        taken_at=str(document.get("generated_at") or ""),
        workspaces=workspaces,
        people=ordered,
        findings=findings,
        errors=list(document.get("errors") or []),
        stacks_checked=bool(stacks.get("checked")),
        stacks_note=str(stacks.get("note") or ""),
        exit_code=document.get("exit_code"),
        # audit's document: "waivers": {"file", "count", "stale": [{"id", "reason", "expires"}]}
        stale_waivers=[w for w in (document.get("waivers") or {}).get("stale") or [] if isinstance(w, dict)],
    )


def _environment() -> jinja2.Environment:
    # PackageLoader finds the template inside the installed package (pyproject's package-data).
    return jinja2.Environment(
        loader=jinja2.PackageLoader("instantly_cli", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(view: AccessMap) -> str:
    """The page: one self-contained HTML document."""
    return _environment().get_template(TEMPLATE).render(m=view)


def write(document: Obj, path: Path) -> AccessMap:
    """Render the audit ``document`` into ``path`` (UTF-8) and say so on stderr; a path that cannot
    be written exits 2 naming it."""
    view = build(document)
    page = render(view)
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        common.fail(f"--html {path}: cannot write the access map ({exc.strerror}): give a writable file path")
    common.errors.print(
        f"access map: {path} ({len(view.people)} people x {len(view.workspaces)} workspaces, "
        f"{len(page.encode()) // 1024} KiB)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return view
