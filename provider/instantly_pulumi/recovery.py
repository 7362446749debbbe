"""What a run that died left behind, found by the next run's program in the stack's state.

A ``pulumi up`` killed while the provider was creating an object leaves Pulumi's pending CREATE in
the state: the URN and the inputs of what was being created, including the object's intent
(:mod:`instantly_pulumi.resources._recovery`). The program reads those records with ``pulumi stack
export`` (every backend, any machine; no secret is decrypted) and:

* hands each declared object's intent back, marked ``recovered``, so its create takes over what the
  killed run made instead of making a second one (:func:`intents`); and an object a killed run was
  deleting is marked ``deleting``, so the next diff reads whether it is still there and, if it is
  gone, makes it again;
* for a record whose object the stack no longer declares, removes what the killed run made of it —
  as removing a created object from the file does — at ``up``, and says so at ``preview``
  (:func:`reclaim`).

Pulumi keeps its own pending-CREATE records through ``pulumi up`` (only a refresh may drop them),
so after an ``up`` that succeeded, ``instantly-pulumi fleet up`` drops those this program resolved
(the ones carrying an intent).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from instantly_pulumi.errors import InstantlyError, NotFoundError
from instantly_pulumi.resources._provider import InstantlyProvider
from instantly_pulumi.resources._recovery import INTENT, Intent

__all__ = ["TYPE_PREFIX", "Left", "Pending", "intents", "read_state", "reclaim"]

TYPE_PREFIX = "pulumi-python:dynamic/instantly:"
"""The type token of every resource of this package, before the class name."""


@dataclass(frozen=True)
class Pending:
    """One pending CREATE of a run that died."""

    urn: str
    operation: str
    """``creating`` or ``deleting``."""
    kind: str
    """The resource class (``WorkspaceMember``)."""
    name: str
    """The resource's name in the stack (``member-ana@client.example``)."""
    inputs: dict[str, Any]

    held: tuple[str, ...] = ()
    """The ids the state holds under the same URN (the object a killed replacement was replacing):
    never what the killed run made."""

    @property
    def intent(self) -> Intent | None:
        """Its intent, handed back as a killed run's (None for a create recorded without one)."""
        found = Intent.of(self.inputs)
        if self.operation == "deleting":
            at, nonce = (found.at, found.nonce) if found is not None else (time.time(), uuid.uuid4().hex)
            return Intent(at, nonce, deleting=True)
        return Intent(found.at, found.nonce, recovered=True, held=self.held) if found is not None else None


@dataclass(frozen=True)
class Left:
    """What the stack's state says a run that died left: its pending operations, and what the
    state holds now (a record whose object a later ``up`` already holds is resolved)."""

    pending: list[Pending]
    resolved: frozenset[str] = frozenset()
    """URNs whose object the state holds with the inputs of the pending create (a later ``up`` made
    or took it over)."""
    held_ids: frozenset[str] = frozenset()

    @property
    def unresolved(self) -> list[Pending]:
        """The pending operations no later ``up`` resolved.

        A create is resolved once the state holds its object *with the inputs it was creating*: the
        URN alone does not say so, since a replacement creates under the URN of the object it
        replaces, which the state keeps (or marks ``pendingReplacement``) until the run finishes.
        """
        return [p for p in self.pending if p.operation == "deleting" or p.urn not in self.resolved]


def read_state(stack: str, root: Path, run: Callable[..., Any] = subprocess.run) -> Left:
    """The stack's pending creates and deletes of this package's resources, and what its state holds
    (``pulumi stack export``: no secret is decrypted)."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        return Left([])
    done = run(
        [pulumi, "stack", "export", "--stack", stack],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        return Left([])
    try:
        deployment = json.loads(done.stdout).get("deployment") or {}
    except ValueError:
        return Left([])
    resources = deployment.get("resources") or []
    # The live object under each URN: not one a delete-first replacement already deleted
    # (``pendingReplacement``), nor the old half of a create-first one (``delete``).
    live = {
        str(r.get("urn")): r for r in resources if not r.get("pendingReplacement") and not r.get("delete")
    }
    held_under: dict[str, tuple[str, ...]] = {}
    for r in resources:
        if r.get("id") and not r.get("pendingReplacement"):
            held_under[str(r.get("urn"))] = (*held_under.get(str(r.get("urn")), ()), str(r["id"]))
    resolved = set()
    out = []
    for op in deployment.get("pending_operations") or []:
        resource = op.get("resource") or {}
        kind = str(resource.get("type", ""))
        operation = str(op.get("type"))
        if operation not in ("creating", "deleting") or not kind.startswith(TYPE_PREFIX):
            continue
        urn = str(resource.get("urn", ""))
        name = urn.rsplit("::", 1)[-1]
        inputs = dict(resource.get("inputs") or {})
        held = live.get(urn)
        if operation == "creating" and held is not None and _same_inputs(held.get("inputs") or {}, inputs):
            resolved.add(urn)
        out.append(
            Pending(urn, operation, kind.removeprefix(TYPE_PREFIX), name, inputs, held_under.get(urn, ()))
        )
    return Left(
        out,
        frozenset(resolved),
        frozenset(str(r.get("id")) for r in resources if r.get("id") and not r.get("pendingReplacement")),
    )


def _same_inputs(held: Mapping[str, Any], recorded: Mapping[str, Any]) -> bool:
    """Whether the state's object has the inputs a pending create recorded (its intent aside)."""
    return {k: v for k, v in held.items() if k != INTENT} == {
        k: v for k, v in recorded.items() if k != INTENT
    }


def intents(pending: Iterable[Pending]) -> dict[tuple[str, str], dict[str, Any]]:
    """The intents to hand back, by (resource class, name): of several records of one object (runs
    killed one after another), the latest's, whose window covers the last create."""
    out: dict[tuple[str, str], Intent] = {}
    for p in pending:
        intent, earlier = p.intent, out.get((p.kind, p.name))
        if intent is not None and (earlier is None or intent.at >= earlier.at):
            out[(p.kind, p.name)] = intent
    return {key: intent.value() for key, intent in out.items()}


def reclaim(
    left: Left,
    declared: set[tuple[str, str]],
    providers: Mapping[str, InstantlyProvider],
    *,
    dry_run: bool,
    say: Callable[[str], None],
) -> list[str]:
    """Remove what a killed run made of objects the stack no longer declares; return what was (or, in
    a preview, would be) removed."""
    done = []
    for p in left.unresolved:
        intent = p.intent
        provider = providers.get(p.kind)
        if p.operation != "creating" or (p.kind, p.name) in declared or intent is None or provider is None:
            continue
        for found in provider.made_by(p.inputs, intent):
            if str(found.get("id")) in left.held_ids:
                continue  # the state holds it (a later `up` took it over): not the killed run's to remove
            what = f"{provider.kind} {provider.label(p.inputs, str(found.get('id', '')))}"
            if dry_run:
                say(
                    f"{p.name}: a run that was interrupted made {what}, which the stack no longer declares: "
                    "`pulumi up` removes it"
                )
            else:
                try:
                    provider.delete_object(str(found["id"]), p.inputs)
                except NotFoundError:
                    continue
                except InstantlyError as exc:
                    say(f"{p.name}: could not remove {what}, made by a run that was interrupted: {exc}")
                    continue
                say(f"{p.name}: removed {what}, made by a run that was interrupted and no longer declared")
            done.append(what)
    return done
