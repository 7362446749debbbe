"""The base of every provider: what it is, where its objects live, and how it is configured.

:class:`ProviderBase` holds what every part of the dynamic-provider contract needs: the class
attributes a resource declares (its field table, its API collection), what is derived from the
table, the credentials (from the stack's configuration, read afresh when the engine replays an old
one), the one client, how an object is named in messages, and the state an API object becomes. The
contract's methods build on it, one concern a module (:mod:`._provider` draws the chain).

A provider object is pickled (by dill) into every resource's state, so it holds nothing but its
class: credentials arrive in :meth:`ProviderBase.configure` inside the provider process, and the
client is built on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self

from pulumi.dynamic import CheckFailure, ConfigureRequest, ResourceProvider
from pulumi.output import Unknown

from instantly_pulumi.client import InstantlyClient, client_for
from instantly_pulumi.errors import ApiError, InstantlyError
from instantly_pulumi.reader import Listing, Reader
from instantly_pulumi.resources import _grpc, _replacement, _stack_config
from instantly_pulumi.resources._fields import ADOPTED, Field
from instantly_pulumi.settings import Credentials

__all__ = ["CONFIG_KEYS", "ProviderBase", "failure", "has_unknown", "is_unknown"]

CONFIG_KEYS = ("instantly:apiKey", "instantly:baseUrl", "instantly:timeout")
"""The stack config a provider reads (the rest of the stack's config is not its business)."""
_SURFACED = ("check", "diff", "create", "read", "update", "delete")


def is_unknown(value: Any) -> bool:
    """Whether ``value`` is not known yet (a preview of an input computed from another resource)."""
    return isinstance(value, Unknown)


def has_unknown(value: Any) -> bool:
    """Whether ``value``, or any item of a list ``value``, is not known yet."""
    return is_unknown(value) or (isinstance(value, list | tuple) and any(map(is_unknown, value)))


def failure(field: str, reason: str) -> CheckFailure:
    """A check failure naming ``field``."""
    return CheckFailure(field, f"{field}: {reason}")


def _surfaced(method: Callable[..., Any]) -> Callable[..., Any]:
    """Errors of ours reach the user as they are written (no SDK prefix)."""

    @functools.wraps(method)
    def call(self: ProviderBase, *args: Any) -> Any:
        try:
            return method(self, *args)
        except InstantlyError as exc:
            _grpc.fail(exc)

    return call


class ProviderBase(ResourceProvider):
    """Base of the providers; subclasses declare a field table and where objects live.

    Class attributes a subclass sets:

    * ``kind`` — how an object is named in messages (``workspace member``);
    * ``fields`` — the field table (:class:`~instantly_pulumi.resources._fields.Field`);
    * ``listing`` — the API collection, as the one reader lists it
      (:data:`instantly_pulumi.reader.MEMBERS`); ``path`` follows from it;
    * ``path`` — set directly only for a singleton (``/workspaces/current``);
    * ``has_get`` — whether ``GET {path}/{id}`` exists.
    """

    kind: ClassVar[str] = "object"
    fields: ClassVar[tuple[Field, ...]] = ()
    listing: ClassVar[Listing | None] = None
    path: ClassVar[str] = ""
    has_get: ClassVar[bool] = True
    creates_verb: ClassVar[str] = "creates"
    """How messages say that a new object comes to exist (``invites`` for a member)."""
    stack_key: ClassVar[str | None] = None
    """The client value's key that declares this resource in a stack file (``profile``): the stack
    schema, the program, ``discover`` and the change matrix then handle it from its field table alone.
    None for the resources a stack file declares in their own way (members, keys, tags, the group
    membership), whose stack-only keys (``access``, ``renamed_from``…) are written out."""
    always_adopts: ClassVar[bool] = False
    """The object always exists (a workspace's own settings): it is adopted, never created, and
    ``destroy`` leaves it as it is."""
    singleton: ClassVar[bool] = False
    """The collection holds one object, addressed without an id (``/workspaces/current``)."""

    # Derived from ``fields`` by __init_subclass__.
    by_name: ClassVar[dict[str, Field]] = {}
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ()
    natural_key: ClassVar[Field | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.listing is not None:
            cls.path = cls.listing.path
        cls.by_name = {f.name: f for f in cls.fields}
        cls.inputs = tuple(f.name for f in cls.fields if not f.output)
        cls.outputs = tuple(f.name for f in cls.fields if f.output)
        cls.natural_key = next((f for f in cls.fields if f.natural_key), None)
        for name in _SURFACED:
            if name in cls.__dict__:
                setattr(cls, name, _surfaced(cls.__dict__[name]))

    def __init__(self) -> None:
        self._config: dict[str, Any] | None = None

    # Pickle nothing but the class: no client, no lock, no key in state.
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._config = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @classmethod
    def with_config(cls, config: Mapping[str, Any]) -> Self:
        """A provider outside the engine (the program's own reads and writes), configured from the
        stack's config as :meth:`configure` would be."""
        provider = cls()
        provider._config = {k: config.get(k) for k in CONFIG_KEYS}
        return provider

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the credentials from stack config; no API call."""
        self._config = {k: req.config.get(k) for k in CONFIG_KEYS}

    @property
    def credentials(self) -> Credentials:
        """Stack config first, then INSTANTLY_API_KEY / INSTANTLY_BASE_URL — the stack's config as it
        is now, even in a refresh or destroy, where the engine replays the one saved in the state."""
        return Credentials.resolve(_stack_config.current(self._config, CONFIG_KEYS))

    @property
    def client(self) -> InstantlyClient:
        """The process-wide client for these credentials, built on first use."""
        return client_for(self.credentials, progress=_grpc.note)

    @property
    def reader(self) -> Reader:
        """The one reader over :attr:`client`, taking whole lists from its per-process cache."""
        return Reader(self.client, shared=True)

    # -- naming ------------------------------------------------------------------------------------

    def workspace(self, props: Mapping[str, Any]) -> str | None:
        """The workspace the object lives in (None: the key's own)."""
        ws = props.get("workspace_id")
        return ws if isinstance(ws, str) else None

    def label(self, props: Mapping[str, Any], id_: str = "") -> str:
        """How the object is named in messages: its natural key, else its id."""
        key = props.get(self.natural_key.name) if self.natural_key else None
        return repr(key) if key is not None else (id_ or "?")

    def target(self, props: Mapping[str, Any], id_: str = "") -> str:
        """The object and its workspace, for messages."""
        ws = self.workspace(props)
        where = f"workspace {ws}" if ws else "the key's workspace"
        return f"{self.label(props, id_)} in {where}"

    # -- the outputs --------------------------------------------------------------------------------

    def outs(self, props: Mapping[str, Any], obj: Mapping[str, Any], adopted: bool) -> dict[str, Any]:
        """State from the declared inputs and the API's object: the API wins on every field it carries."""
        out: dict[str, Any] = {}
        for f in self.fields:
            if f.name == ADOPTED.name:
                out[f.name] = adopted
            elif f.carried:
                out[f.name] = props.get(f.name)
            elif f.api or f.output:
                out[f.name] = obj.get(f.name)
            else:
                out[f.name] = props.get(f.name)
        return out

    def input_values(self, outs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs part of ``outs`` (what the next diff compares against)."""
        return {k: outs.get(k) for k in self.inputs}

    # -- where objects live (overridden per resource) ---------------------------------------------

    def object_path(self, id_: str) -> str:
        """Where one object is read, patched and deleted (``/workspace-members/{id}``; the collection's
        own path for a singleton)."""
        return self.path if self.singleton else f"{self.path}/{id_}"

    def acting_workspace(self, props: Mapping[str, Any]) -> str | None:
        """The workspace API calls act in (``x-as-workspace``)."""
        return self.workspace(props)

    def body(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The create body: every API field that has a value."""
        return {f.name: props[f.name] for f in self.fields if f.api and props.get(f.name) is not None}

    def search_params(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """List filters that narrow a natural-key search (exact matching happens in :meth:`matches`)."""
        return {}

    def matches(self, obj: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        """Whether ``obj`` is the object with ``props``'s natural key (exactly, never a near miss)."""
        key = self.natural_key
        return key is not None and key.same(obj.get(key.name), props.get(key.name))

    def duplicate(self, exc: ApiError) -> bool:
        """Whether the API refused a create because the natural key is taken."""
        return False

    def duplicate_hint(self) -> str:
        """What to do when the natural key is taken by an object the stack did not create."""
        key = self.natural_key.name if self.natural_key else "key"
        return f"a {self.kind} with this {key} exists already: set adopt: true to take it over"

    def deletes_first(self, replaces: list[str]) -> bool:
        """Whether a replacement must delete the old object before creating the new one: both would
        have the same natural key in the same workspace, which the API refuses as a duplicate."""
        key = self.natural_key
        return key is not None and key.name not in replaces and "workspace_id" not in replaces

    def replacement_key(self, props: Mapping[str, Any]) -> _replacement.Key:
        """What identifies an object across the delete and create of its replacement."""
        key = self.natural_key
        value = props.get(key.name) if key is not None else None
        if key is not None and key.norm is not None:
            value = key.norm(value)
        return (self.kind, str(value), self.acting_workspace(props))
