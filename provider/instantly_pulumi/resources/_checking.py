"""What ``pulumi preview`` runs: ``check`` (every field's validator, and the reads a new object
needs) and ``diff`` (the fields compared as the table says; what a replacement means for people).

A no-op preview makes no request here. A new object with ``adopt`` is announced as taken over or
created; a replacement is said under the resource in Pulumi's diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, DiffResult

from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.errors import NotFoundError, PaymentRequiredError, PermissionDeniedError
from instantly_pulumi.reader import Reader
from instantly_pulumi.resources import _grpc, _recovery, _replacement, _stack_config
from instantly_pulumi.resources._base import failure, has_unknown, is_unknown
from instantly_pulumi.resources._creating import Creating
from instantly_pulumi.resources._fields import ADOPTED, Change
from instantly_pulumi.resources._replacement import Replacement

__all__ = ["Checking"]


class Checking(Creating):
    """The contract's ``check`` and ``diff``."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate at preview; reads only for what changed (a no-op preview makes no request)."""
        _stack_config.program_ran()
        self.credentials  # noqa: B018 — a missing key or bad base URL fails here, before any call
        failures: list[CheckFailure] = []
        for f in self.fields:
            if f.output:
                continue
            value = news.get(f.name)
            if has_unknown(value):
                continue
            if value is None:
                if f.required:
                    failures.append(failure(f.name, "is required"))
                continue
            if f.check is not None:
                try:
                    f.check(value)
                except ValueError as exc:
                    failures.append(failure(f.name, str(exc)))
        if not failures:
            failures += self.validate(news)
        if not failures:
            failures += self.check_live(olds, news)
        if not failures:
            news = {**news}  # the caller's dict stays as it was
            _recovery.stamp(news, olds)
            if not olds:
                self.announce(news)
        return CheckResult(news, failures)

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        """Rules across fields (overridden where a resource has some)."""
        return []

    def check_live(self, olds: dict[str, Any], news: dict[str, Any]) -> list[CheckFailure]:
        """Rules that need a read; called only when every field is valid."""
        return self.check_agency_workspace(olds, news)

    def announce(self, news: Mapping[str, Any]) -> None:
        """Say in the preview whether a new object with ``adopt`` will be taken over or created.

        Pulumi shows both as ``+ create``; a person needs to know which one sends an invitation.
        One listing per collection and process (shared with refresh's reads).
        """
        key = self.natural_key
        intent = _recovery.Intent.of(news)
        if intent is not None and intent.recovered:
            _grpc.note(
                f"a run that was interrupted was creating {self.kind} {self.label(news)}: `pulumi up` takes "
                "over what it made (as created, so destroy deletes it) before it creates anything"
            )
            return
        if not news.get("adopt") or key is None or any(has_unknown(v) for v in news.values()):
            return
        if _replacement.is_planned(self.replacement_key(news)):
            return  # the object being replaced: diff has said what happens to it
        try:
            existing = next((o for o in self.snapshot(news) if self.matches(o, news) and self.alive(o)), None)
        except (PermissionDeniedError, NotFoundError):
            return  # not readable yet (a group invitation still pending): decided at `up`
        what = f"{self.kind} {self.label(news)}"
        if existing is None:
            _grpc.note(f"adopt: no {what} exists yet, so `pulumi up` {self.creates_verb} it")
            return
        changes = self.patch_body(existing, news)
        then = f"; one update sets {', '.join(changes)}" if changes else "; nothing is written"
        _grpc.note(f"adopt: {what} exists ({existing.get('id')}): `pulumi up` takes it over as it is{then}")

    def own_workspace(self) -> str | None:
        """The API key's own workspace id (one read per process), None when the key may not read it."""
        return _own_workspace(self.client)

    def check_agency_workspace(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[CheckFailure]:
        """Refuse to manage the agency's own workspace unless the stack says so explicitly."""
        ws = news.get("workspace_id")
        if (
            "workspace_id" not in self.inputs
            or not isinstance(ws, str)
            or ws == olds.get("workspace_id")
            or news.get("allow_agency_workspace")
        ):
            return []
        if ws == self.own_workspace():
            return [
                failure(
                    "workspace_id",
                    f"{ws} is the API key's own workspace (the agency's), not a client's: a client stack "
                    "must not manage the agency's own members, keys and tags. If this stack is meant to, "
                    "set agency_workspace: true in the stack file (allow_agency_workspace)",
                )
            ]
        return []

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare old outputs with new inputs as the field table says; say what a replacement means."""
        changed = [
            f.name
            for f in self.fields
            if not f.output
            and f.change is not Change.IGNORE
            and (is_unknown(news.get(f.name)) or not f.same(olds.get(f.name), news.get(f.name)))
        ]
        replaces = [name for name in changed if self.by_name[name].change is Change.REPLACE]
        intent = _recovery.Intent.of(news)
        if intent is not None and intent.deleting and not self.read(_id, olds).id:
            # A run that was killed while deleting it got that far: make it again.
            _grpc.note(
                f"{self.kind} {self.label(olds)} was deleted by a run that was interrupted: made again"
            )
            return DiffResult(changes=True, replaces=[_recovery.INTENT], delete_before_replace=False)
        first = bool(replaces) and self.deletes_first(replaces)
        if first:
            _replacement.planned(
                self.replacement_key(olds), Replacement(tuple(replaces), bool(olds.get(ADOPTED.name)))
            )
        if replaces:
            notices = [self.by_name[name].notice for name in replaces if self.by_name[name].notice]
            _grpc.note(
                f"{self.kind} {self.label(olds)}: {', '.join(replaces)} cannot change in place"
                + (f": {notices[0]}" if notices else ""),
                warning=first,
            )
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=first)


def _own_workspace(client: InstantlyClient) -> str | None:
    def read() -> str | None:
        try:
            ws = Reader(client).profile(None)
        except (PermissionDeniedError, PaymentRequiredError, NotFoundError):
            return None  # the key may not tell; nothing to compare
        return ws.get("id") if isinstance(ws, dict) else None

    found: str | None = client.remember("own-workspace", read)
    return found
