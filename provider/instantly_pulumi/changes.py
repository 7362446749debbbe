"""What an edit of each input does to a live object: the operation, its writes, what a person notices.

Derived from the field tables (:class:`~instantly_pulumi.resources._fields.Field`: how a change is
applied, where a stack file sets the input, what a person notices) and from how the program names
resources (:data:`instantly_pulumi.program.NAMED_BY`: a member, key or tag is named by its email,
name or label, so a new one of those is a new object). ``docs/reference/changes.md`` is rendered from
:func:`effects`, and the change-matrix tests (``tests/e2e/test_change_matrix.py``) apply each edit to
a live stack through the real CLI and check the preview, the requests and the server against it.
"""

from __future__ import annotations

from dataclasses import dataclass

from instantly_pulumi.program import NAMED_BY
from instantly_pulumi.resources._fields import Change, Field
from instantly_pulumi.resources._provider import InstantlyProvider
from instantly_pulumi.resources.tag_assignment import TOGGLE

__all__ = ["MODES", "OPERATIONS", "Effect", "effect", "effects"]

MODES = ("created", "adopted")
"""How an object came under the stack: created by it, or adopted (it existed before)."""

OPERATIONS = {
    "update": "updated in place (same id)",
    "record": "recorded in the state (no API call)",
    "nothing": "nothing (not compared after the object came under management)",
    "replace-delete-first": "replaced: the old object is deleted first, then the new one made (new id)",
    "replace-create-first": "replaced: the new object is made first, then the old one deleted (new id)",
    "new-object": "a new object under the new name; the old one is removed",
}
"""What ``pulumi up`` does with the object, by the name the tests and the docs use."""


@dataclass(frozen=True)
class Effect:
    """What ``pulumi up`` does when one input of one live object changes."""

    operation: str
    """A key of :data:`OPERATIONS`."""
    writes: tuple[str, ...]
    """The API writes, in order (``DELETE /workspace-members/{id}``: the old object's id; a path
    without ``{id}`` creates)."""
    kept: bool = False
    """The old object stays in the workspace (an adopted object is never deleted by its removal)."""


def effect(provider: type[InstantlyProvider], field: Field, mode: str) -> Effect | None:
    """The effect of editing ``field`` of an object in ``mode``; None where the mode does not exist
    (an API key cannot be adopted). An input the program computes (:attr:`Place.PROGRAM`) changes
    when the stack-file keys it follows do (see its ``notice``)."""
    adopted = mode == "adopted"
    if not adopted and provider.always_adopts:
        return None  # it always exists: it is only ever adopted
    if adopted and "adopt" not in provider.inputs and not provider.always_adopts:
        return None  # an API key's value is shown only when it is made: a key cannot be adopted
    path, kind = provider.path, provider.__name__.removesuffix("Provider")
    one = provider().object_path("{id}")
    # A tag assignment is made and removed by toggling its ids on its tag.
    create = f"POST {TOGGLE}" if kind == "TagAssignment" else f"POST {path}"
    delete = f"POST {TOGGLE}" if kind == "TagAssignment" else f"DELETE {one}"
    if field.change is Change.CUSTOM:  # a tag assignment's ids: tag the added ones (one call)
        return Effect("update", (f"POST {TOGGLE}",))
    if field.change is Change.IGNORE:
        return Effect("nothing", ())
    if field.change is Change.RECORD:
        return Effect("record", ())
    if field.change is Change.PATCH:
        return Effect("update", (f"PATCH {one}",))
    if provider.always_adopts:  # made anew: taken over where it is now (one PATCH); the old one stays
        return Effect("replace-create-first", (f"PATCH {one}",), kept=True)
    # Replaced: by the stack's naming (a new email, name or label is a new object), or by the API.
    if NAMED_BY.get(kind) == field.name:
        return Effect("new-object", (create,) if adopted else (create, delete), kept=adopted)
    if provider().deletes_first([field.name]):
        return Effect("replace-delete-first", (delete, create))
    return Effect("replace-create-first", (create,) if adopted else (create, delete), kept=adopted)


def effects(provider: type[InstantlyProvider]) -> list[tuple[Field, dict[str, Effect | None]]]:
    """Every input of ``provider`` with its effect in each mode."""
    return [(f, {mode: effect(provider, f, mode) for mode in MODES}) for f in provider.fields if not f.output]
