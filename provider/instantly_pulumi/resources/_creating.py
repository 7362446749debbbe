"""Making what the stack declares: adopt it, take over what a killed run made, or create it.

``create`` adopts by natural key (with ``adopt``), takes over the object a run that died was
creating (:mod:`._recovery`), completes a delete-first replacement (:mod:`._replacement`), or
POSTs; a POST whose answer was lost is reconciled, never repeated blindly (:func:`~._converge.converge`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CreateResult

from instantly_pulumi.errors import AdoptionError, ApiError, InstantlyError, NotFoundError, ReplacementError
from instantly_pulumi.resources import _grpc, _recovery, _replacement
from instantly_pulumi.resources._converge import Attempts, converge
from instantly_pulumi.resources._fields import Change
from instantly_pulumi.resources._writing import Writing

__all__ = ["Creating"]


class Creating(Writing):
    """The contract's ``create``, and adoption."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Adopt by natural key (with ``adopt``), else create; a lost create is found, not repeated.

        The second half of a delete-first replacement never adopts (the old object is gone) and
        inherits whether the old one was adopted.
        """
        if self.always_adopts:  # it exists: take it over (one PATCH for what differs)
            existing = self.find(props)
            if existing is None:
                raise NotFoundError(
                    f"read {self.kind}", self.target(props), 404, "Resource not found", "check workspace_id"
                )
            obj = self.adopt(existing, props)
            return CreateResult(obj["id"], self.outs(props, obj, adopted=True))
        replacing = _replacement.take_deleted(self.replacement_key(props)) if self.natural_key else None
        intent = _recovery.Intent.of(props)
        recovering = intent is not None and intent.recovered
        if replacing is None and (props.get("adopt") or recovering) and self.natural_key is not None:
            # An adoption reads the listing check already read (a killed run's object, fresh).
            existing = self.find(props, shared=not recovering)
            if (
                existing is not None
                and intent is not None
                and recovering
                and intent.within(existing.get("timestamp_created"))
            ):
                obj = self.take_over(existing, props)
                return CreateResult(obj["id"], self.outs(props, obj, adopted=False))
            if existing is not None and props.get("adopt"):
                obj = self.adopt(existing, props)
                return CreateResult(obj["id"], self.outs(props, obj, adopted=True))
        try:
            obj, adopted = self.create_object(props)
        except InstantlyError as exc:
            if replacing is None:
                raise
            raise ReplacementError(
                f"{self.kind} {self.target(props)} was removed so that {', '.join(replacing.fields)} could "
                f"change, and creating it again failed: {exc}. Nothing else was changed; once the cause is "
                f"fixed, `pulumi up` {self.creates_verb} it again (the stack still declares it)"
            ) from None
        self.client.invalidate(self.path, self.acting_workspace(props))
        adopted = adopted or (replacing is not None and replacing.adopted)
        return CreateResult(obj["id"], self.outs(props, obj, adopted=adopted))

    def create_object(self, props: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """POST the object until it is confirmed; (object, adopted)."""
        ws, operation = self.acting_workspace(props), f"create {self.kind}"
        attempts_seen: list[Attempts] = []

        def write() -> tuple[dict[str, Any], bool]:
            try:
                obj: dict[str, Any] = self.client.request(
                    "POST",
                    self.path,
                    operation=operation,
                    target=self.target(props),
                    workspace_id=ws,
                    json=self.body(props),
                )
            except ApiError as exc:
                if not self.duplicate(exc):
                    raise
                # Taken: by our own earlier attempt that answered ambiguously, or by someone else.
                found = self.recover(props, attempts_seen[0]) if attempts_seen else self.claim(props)
                if found is not None:
                    return found
                raise type(exc)(
                    exc.operation, exc.target, exc.status, exc.server_message, self.duplicate_hint()
                ) from None
            return obj, False

        def reconcile(attempts: Attempts) -> tuple[dict[str, Any], bool] | None:
            attempts_seen[:] = [attempts]
            return self.recover(props, attempts)

        return converge(self.client, operation, self.target(props), write, reconcile)

    def recover(self, props: Mapping[str, Any], attempts: Attempts) -> tuple[dict[str, Any], bool] | None:
        """After an ambiguous create: the object our attempt made, or None if it did not land.

        An object found by natural key counts as ours (created, not adopted)
        only if the API created it during the attempts; one that existed before
        is what the API would have refused as a duplicate.
        """
        if self.natural_key is None:
            return None
        found = self.find(props)
        if found is None:
            return None
        if attempts.covers(found.get("timestamp_created")):
            return found, False
        if props.get("adopt"):
            return self.adopt(found, props), True
        raise AdoptionError(f"create {self.kind} {self.target(props)}: {self.duplicate_hint()}")

    def made_by(self, props: Mapping[str, Any], intent: _recovery.Intent) -> list[dict[str, Any]]:
        """What a run that died while creating ``props`` made (none when the object existed before)."""
        if self.natural_key is None:
            return []
        found = self.find(props)
        return [found] if found is not None and intent.within(found.get("timestamp_created")) else []

    def take_over(self, found: dict[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """Make the object a run that died created this stack's own, as declared now: one PATCH for
        what differs, or — for what the API cannot change — delete it and create it again."""
        try:
            obj = self.adopt(found, props)
        except AdoptionError:
            self.delete_object(found["id"], props)
            obj, _ = self.create_object(props)
        _grpc.note(
            f"took over {self.kind} {self.label(props)} ({obj.get('id')}), created by a run that was "
            "interrupted: it counts as created by this stack"
        )
        return obj

    def claim(self, props: Mapping[str, Any]) -> tuple[dict[str, Any], bool] | None:
        """When a first create is refused as a duplicate: an existing object that is provably
        this stack's to take as created (none by default: the user must say ``adopt``)."""
        return None

    def adopt(self, existing: dict[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """Take ``existing`` over: refuse what the API cannot change, PATCH what differs (one call)."""
        stuck = [
            f.name
            for f in self.fields
            if f.api
            and f.change is Change.REPLACE
            and not f.natural_key
            and props.get(f.name) is not None
            and not f.same(existing.get(f.name), props.get(f.name))
        ]
        if stuck:
            shown = ", ".join(f"{name} {existing.get(name)!r}" for name in stuck)
            raise AdoptionError(
                f"adopt {self.kind} {self.target(props)}: it exists with {shown}, which the API cannot "
                "change: declare the values it has, or remove it by hand and let the stack create it"
            )
        patch = self.patch_body(existing, props)
        if not patch:
            return existing
        return self.patch(existing["id"], patch, props)
