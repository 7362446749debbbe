"""Accepted exceptions to ``audit``: ``audit-waivers.yaml``, so a nightly audit fails only on new problems.

The file is a YAML list, each entry a finding's id, why it is accepted, and until when::

    - id: full_access_key:3f2a9c1b0e7d
      reason: the CRM vendor's integration needs all:all until their v3 API ships (TICKET-412)
      expires: 2027-03-31

A waived finding is still shown, marked waived, and does not make ``audit`` exit 1. From the day
after ``expires`` it counts again, and the report says its waiver expired. A waiver whose finding
no longer exists is reported as stale (remove it): checked only on ``--all`` (a run over one
workspace cannot tell another workspace's finding is gone), and not for ``unmanaged_*`` findings
when the stacks' state was not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pydantic
import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from instantly_cli.access import SEVERITY, Finding, WaiverState

__all__ = ["DEFAULT_FILE", "Waiver", "WaiverError", "Waivers", "apply", "load"]

DEFAULT_FILE = "audit-waivers.yaml"
"""The waivers file, at the project root (beside ``Pulumi.yaml``)."""

_ID = re.compile(r"^(?P<kind>[a-z_]+):[0-9a-f]{12}$")


class WaiverError(ValueError):
    """The waivers file cannot be used: the message names the file, the entry and the field."""


def _finding_id(value: str) -> str:
    match = _ID.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a finding id: copy one from `audit --json` (kind:12 hex digits)")
    if match["kind"] not in SEVERITY:
        raise ValueError(f"{value!r}: no finding is of kind {match['kind']!r} (kinds: {', '.join(SEVERITY)})")
    return value


def _day(value: Any) -> Any:
    # YAML reads an unquoted 2027-03-31 as a date; a quoted one is text. Nothing else is a day
    # (pydantic would take a number as a Unix time, and a date-time's hours mean nothing here).
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a day of the calendar") from None
    raise ValueError(f"{value!r} is not a date: give YYYY-MM-DD, the last day the waiver holds")


def _reason(value: str) -> str:
    if not value.strip():
        raise ValueError("must say why the finding is accepted (who decided, a ticket)")
    return value.strip()


class Waiver(BaseModel):
    """One accepted finding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, AfterValidator(_finding_id)]
    """The finding's id, as ``audit --json`` prints it."""
    reason: Annotated[str, AfterValidator(_reason)]
    """Why it is accepted."""
    expires: Annotated[date, BeforeValidator(_day)]
    """The last day the waiver holds (YYYY-MM-DD); from the next day the finding counts again."""


@dataclass
class Waivers:
    """The waivers in effect, and what applying them found."""

    file: Path | None
    """The file they came from (None: there is none)."""
    entries: list[Waiver] = field(default_factory=list)
    stale: list[Waiver] = field(default_factory=list)
    """Waivers whose finding is gone."""

    def document(self) -> dict[str, Any]:
        return {
            "file": str(self.file) if self.file else None,
            "count": len(self.entries),
            "stale": [{"id": w.id, "reason": w.reason, "expires": w.expires.isoformat()} for w in self.stale],
        }


def load(path: Path, *, required: bool) -> Waivers:
    """The waivers in ``path``; an absent file is no waivers unless ``required`` (``--waivers``).
    :class:`WaiverError` names the entry and the field of every mistake."""
    if not path.is_file():
        if required:
            raise WaiverError(f"--waivers {path}: no such file")
        return Waivers(file=None)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise WaiverError(f"{path}: not valid YAML: {exc}") from None
    if raw is None:
        return Waivers(file=path)
    if not isinstance(raw, list):
        raise WaiverError(
            f"{path}: must be a list of waivers ({{id, reason, expires}}), not {type(raw).__name__}"
        )
    problems, entries = [], []
    for i, item in enumerate(raw):
        name = f"entry {i + 1}" + (
            f" (id {item.get('id')!r})" if isinstance(item, dict) and item.get("id") else ""
        )
        if not isinstance(item, dict):
            problems.append(f"{name}: must be a mapping with id, reason and expires, not {item!r}")
            continue
        try:
            entries.append(Waiver.model_validate(item))
        except pydantic.ValidationError as exc:
            for err in exc.errors(include_url=False, include_input=False):
                where = ".".join(str(p) for p in err["loc"]) or "entry"
                what = (
                    "unknown key (a waiver has id, reason, expires)"
                    if err["type"] == "extra_forbidden"
                    else (
                        "missing"
                        if err["type"] == "missing"
                        else str(err["msg"]).removeprefix("Value error, ")
                    )
                )
                problems.append(f"{name}: {where}: {what}")
    seen: dict[str, int] = {}
    for i, w in enumerate(entries):
        if w.id in seen:
            problems.append(f"waiver {w.id} is listed twice: keep one")
        seen[w.id] = i
    if problems:
        raise WaiverError(f"{path}:\n  " + "\n  ".join(problems))
    return Waivers(file=path, entries=entries)


def apply(
    waivers: Waivers, findings: Iterable[Finding], *, today: date, complete: bool, unmanaged_checked: bool
) -> None:
    """Attach each waiver to its finding (expired or not), and collect the stale ones: those matching
    no finding, when the run saw every workspace (``complete``) and could have found their kind."""
    by_id = {w.id: w for w in waivers.entries}
    seen: set[str] = set()
    for f in findings:
        w = by_id.get(f.id)
        if w is not None:
            f.waiver = WaiverState(reason=w.reason, expires=w.expires, expired=today > w.expires)
            seen.add(w.id)
    if not complete:
        return
    for w in waivers.entries:
        kind = w.id.split(":", 1)[0]
        if w.id not in seen and (unmanaged_checked or not kind.startswith("unmanaged_")):
            waivers.stale.append(w)
