"""A resource's fields, each stated once.

A resource lists its fields in one table of :class:`Field`. Everything else is
derived from it by :mod:`instantly_pulumi.resources._provider` and
:mod:`instantly_pulumi.resources._resource`: the ``…Args``
class, the declared outputs, which inputs a diff compares and how, which
changes replace the object and which are patched in place, what create sends,
how an API object becomes state on read (drift), which output is secret, and
the natural key used to adopt and to reconcile after a lost write.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from instantly_pulumi import validation

__all__ = [
    "ADOPT",
    "ADOPTED",
    "ALLOW_AGENCY",
    "ON_DESTROY",
    "WORKSPACE_ID",
    "Change",
    "Field",
    "Place",
    "casefold",
    "trimmed",
]


class Change(enum.Enum):
    """What a change of an input field does."""

    PATCH = "patch"
    """Changes in place through the API's PATCH."""
    REPLACE = "replace"
    """Replaces the object (the API cannot change it). The new one is created before the old is
    deleted, unless both would have the same natural key in the same workspace (a member whose
    permissions change): then the old one is deleted first, since the API refuses a duplicate."""
    RECORD = "record"
    """Only recorded in Pulumi's state: steers the provider, no API call."""
    IGNORE = "ignore"
    """Not compared at all: how the object came under management, not part of it."""
    CUSTOM = "custom"
    """The resource's own update handles it (e.g. a set of assignments)."""


class Place(enum.Enum):
    """Where an input's value comes from in a client stack file (``stacks/Pulumi.<client>.yaml``)."""

    ENTRY = "entry"
    """A key of the object's own entry (``members[2].role``), with the field's name and validation."""
    CLIENT = "client"
    """The client's own value (every object of the stack shares it: ``workspace_id``)."""
    PROGRAM = "program"
    """Computed by the program from other keys (a tag assignment's ``tag_id`` is its tag's id)."""


@dataclass(frozen=True)
class Field:
    """One field of a resource."""

    name: str
    """The snake_case name: input keyword, state property and the field's name in API objects."""
    doc: str
    """What it is, for the docs and the generated ``…Args`` class."""
    change: Change | None = None
    """How a change of this input is applied; None for an output (computed by the API)."""
    type_: str = "str"
    """The Python type as documented (``str``, ``list[str]``, ``bool``, …)."""
    required: bool = False
    """The input must be given."""
    default: Any = None
    """The input's default."""
    as_set: bool = False
    """A list compared as a set (order does not matter)."""
    secret: bool = False
    """The output is a Pulumi secret (marked where it is born)."""
    natural_key: bool = False
    """Identifies the object within its workspace: used to adopt it and to find a lost create."""
    api: bool = False
    """The API object carries this field: create sends it, read takes it from the API (drift)."""
    carried: bool = False
    """An output the API shows only once (a key's value): reads keep it from state."""
    check: Callable[[Any], Any] | None = None
    """Raises ValueError (with what to do) for a bad value; runs at preview."""
    norm: Callable[[Any], Any] | None = None
    """The form two values are compared in (emails by case, labels trimmed)."""
    place: Place = Place.ENTRY
    """Where a stack file sets this input (inputs only)."""
    examples: tuple[Any, ...] = ()
    """Valid values, for the docs and for the change matrix's edits (at least two for an entry key)."""
    notice: str = ""
    """What a person notices when this input changes on a live object (docs/reference/changes.md)."""

    @property
    def output(self) -> bool:
        """Whether the API computes it (not an input)."""
        return self.change is None

    def same(self, old: Any, new: Any) -> bool:
        """Whether ``old`` and ``new`` are the same value for this field."""
        if self.as_set:
            old, new = old or [], new or []
            if self.norm:
                old, new = [self.norm(v) for v in old], [self.norm(v) for v in new]
            return set(old) == set(new)
        if self.norm:
            old, new = self.norm(old), self.norm(new)
        return bool((old if old != "" else None) == (new if new != "" else None))


def casefold(value: Any) -> Any:
    """Emails compare without case."""
    return value.lower() if isinstance(value, str) else value


def trimmed(value: Any) -> Any:
    """Labels compare (and are unique) after trimming."""
    return value.strip() if isinstance(value, str) else value


WORKSPACE_ID = Field(
    "workspace_id",
    "Act in this (client) workspace through ``x-as-workspace``; None for the key's own. A change replaces.",
    Change.REPLACE,
    check=lambda v: None if v is None else validation.workspace_id(v),
    place=Place.CLIENT,
    notice="the object is made anew in the other workspace (members are invited there); in the old one, "
    "what the stack created is deleted and what it adopted is left as it is",
)
ADOPT = Field(
    "adopt",
    "Take over an existing object with the same natural key instead of creating a duplicate.",
    Change.IGNORE,
    type_="bool",
    default=False,
    examples=(True, False),
    notice="nothing: it says how an object first came under management, and it is not compared afterwards",
)
ON_DESTROY = Field(
    "on_destroy",
    "``keep`` or ``delete``: what ``destroy`` (or removing it from the stack) does with the object. "
    "Default: keep what was adopted, delete what was created. Run ``pulumi up`` after changing it.",
    Change.RECORD,
    check=validation.on_destroy,
    examples=("keep", "delete"),
    notice="nothing now: it decides what a later `pulumi destroy`, or removing the object from the file, "
    "does",
)
ADOPTED = Field(
    "adopted",
    "Whether the object existed before and was taken over (not created by this stack).",
    type_="bool",
)
ALLOW_AGENCY = Field(
    "allow_agency_workspace",
    "Allow ``workspace_id`` to be the API key's own workspace (the agency's). Refused by default, so a "
    "client stack cannot quietly manage the agency's own members, keys and tags.",
    Change.RECORD,
    type_="bool",
    default=False,
    place=Place.CLIENT,
    examples=(True, False),
    notice="nothing: only recorded (it lets a stack manage the agency's own workspace)",
)
