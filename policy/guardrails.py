"""The rules of the ``instantly-access-guardrails`` policy pack, as plain functions.

``__main__.py`` wires them into ``pulumi_policy`` policies; here they take the
resource's properties and the policy's configuration and return what is wrong
(an empty list when nothing is), so they can be tested without the policy SDK.
docs/policy.md describes each policy, its enforcement level and configuration.

Every resource of this project is a dynamic resource: the engine reports the
type of each as ``pulumi-python:dynamic:Resource``, and the type that tells
them apart (``pulumi-python:dynamic/instantly:ApiKey``) is the URN's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

API_KEY = "pulumi-python:dynamic/instantly:ApiKey"
WORKSPACE_MEMBER = "pulumi-python:dynamic/instantly:WorkspaceMember"

FULL_ACCESS_PREFIX = "all:"
"""Scopes that reach every kind of object of the workspace (``all:all``, ``all:read``, ...)."""

_ROTATION_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def urn_type(urn: str) -> str:
    """The resource type a URN names (``urn:pulumi:stack::project::parent$type::name``)."""
    parts = urn.split("::")
    return parts[2].split("$")[-1] if len(parts) >= 4 else ""


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _count(value: Any) -> int | None:
    """A whole number from the policy config (JSON numbers arrive as floats: 90 is 90.0)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return None
    return int(value)


def full_access_scopes(props: Mapping[str, Any]) -> list[str]:
    """``no-full-access-keys``: an API key has no ``all:*`` scope, whatever ``allow_full_access`` says."""
    scopes = [s for s in props.get("scopes") or [] if isinstance(s, str) and s.startswith(FULL_ACCESS_PREFIX)]
    if not scopes:
        return []
    return [
        f"API key {props.get('name')!r} has full-access scope(s) {', '.join(scopes)}: give it only the "
        "scopes it needs (docs/reference/scopes.md). The agency's policy forbids all:* scopes in every "
        "stack; allow_full_access does not lift it."
    ]


def domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def admin_outside_domains(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """``admins-from-agency-domains``: an admin's email is in one of the configured ``domains``
    (nothing to check while none is configured)."""
    domains = {d.strip().lower().lstrip("@") for d in config.get("domains") or [] if isinstance(d, str)}
    email = _text(props.get("email"))
    if not domains or props.get("role") != "admin" or domain(email) in domains:
        return []
    return [
        f"{email} would be an admin, but admins must come from the agency's own domains "
        f"({', '.join(sorted(domains))}): give them the manager, sdr or viewer preset instead."
    ]


def rotation_problems(props: Mapping[str, Any], config: Mapping[str, Any], today: dt.date) -> list[str]:
    """``keys-declare-rotation``: an API key declares a ``rotation``; with ``max_age_days`` configured,
    a rotation written as a date (``2026-12`` or ``2026-12-01``) is no older than that."""
    name = props.get("name")
    rotation = _text(props.get("rotation"))
    if not rotation:
        return [
            f"API key {name!r} declares no rotation: set `rotation:` (e.g. the month it was issued, "
            "2026-12) and change it to rotate the key."
        ]
    max_age = _count(config.get("max_age_days"))
    match = _ROTATION_DATE.match(rotation)
    if max_age is None or match is None:
        return []
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    try:
        issued = dt.date(year, month, day)
    except ValueError:
        return [f"API key {name!r}: rotation {rotation!r} is not a date."]
    age = (today - issued).days
    if age <= max_age:
        return []
    return [
        f"API key {name!r} was last rotated {rotation} ({age} days ago; at most {max_age} allowed): "
        f"set a new `rotation:` to replace it."
    ]


def missing_nickname(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """``members-have-nicknames``: every member has a nickname, except members from the
    ``except_domains`` (the agency's own people, say)."""
    exempt = {d.strip().lower().lstrip("@") for d in config.get("except_domains") or [] if isinstance(d, str)}
    email = _text(props.get("email"))
    if _text(props.get("nickname")) or domain(email) in exempt:
        return []
    return [f"{email} has no nickname: say who they are (`nickname:`), so the client's owner can tell."]


def too_many_admins(members: Iterable[Mapping[str, Any]], config: Mapping[str, Any]) -> list[str]:
    """``few-admins``: at most ``max_admins`` admins per workspace (default 2)."""
    limit = _count(config.get("max_admins"))
    if limit is None:
        limit = 2
    admins: Counter[str] = Counter()
    for props in members:
        if props.get("role") == "admin":
            admins[_text(props.get("workspace_id")) or "(the agency key's own workspace)"] += 1
    return [
        f"workspace {workspace} would have {n} admins (at most {limit}): an admin can reach every key and "
        "member; give the others a narrower preset."
        for workspace, n in sorted(admins.items())
        if n > limit
    ]


def of_type(resources: Sequence[tuple[str, Mapping[str, Any]]], type_: str) -> list[Mapping[str, Any]]:
    """The properties of the ``(urn, props)`` pairs whose URN names ``type_``."""
    return [props for urn, props in resources if urn_type(urn) == type_]
