"""What the five resources share, derived from each one's field table.

:class:`InstantlyProvider` implements the dynamic-provider contract once:
``check`` runs every field's validator (no API call, except the reads a
changed object needs), ``diff`` compares the fields as the table says,
``create`` adopts by natural key or creates and reconciles a lost create,
``read`` takes the object from the workspace's list (shared per process, so N
objects cost ceil(N/100) calls) and reports drift on every field the API
carries, ``update`` patches what changed, ``delete`` keeps what was adopted
unless told otherwise. Every write goes through :func:`converge`.

A resource module keeps only what is its own: its field table, where its
objects live, how to find one by natural key, and what truly differs (an API
key's orphan proof, a group invitation's waiting, a tag's assignments).

A provider object is pickled (by dill) into every resource's state, so it
holds nothing but its class: credentials arrive in :meth:`configure` inside the
provider process, and the client is built on first use.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

from instantly_pulumi.client import Credentials, InstantlyClient, client_for
from instantly_pulumi.errors import (
    AdoptionError,
    ApiError,
    InstantlyError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    ReplacementError,
)
from instantly_pulumi.resources import _grpc, _recovery, _replacement, _stack_config
from instantly_pulumi.resources._converge import Attempts, converge
from instantly_pulumi.resources._fields import ADOPTED, Change, Field
from instantly_pulumi.resources._replacement import Replacement

_CONFIG_KEYS = ("instantly:apiKey", "instantly:baseUrl", "instantly:timeout")
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
    def call(self: InstantlyProvider, *args: Any) -> Any:
        try:
            return method(self, *args)
        except InstantlyError as exc:
            _grpc.fail(exc)

    return call


class InstantlyProvider(ResourceProvider):
    """Base of the five providers; subclasses declare a field table and where objects live.

    Class attributes a subclass sets:

    * ``kind`` — how an object is named in messages (``workspace member``);
    * ``fields`` — the field table (:class:`~instantly_pulumi.resources._fields.Field`);
    * ``path`` — the API collection (``/workspace-members``);
    * ``has_get`` — whether ``GET {path}/{id}`` exists.
    """

    kind: ClassVar[str] = "object"
    fields: ClassVar[tuple[Field, ...]] = ()
    path: ClassVar[str] = ""
    has_get: ClassVar[bool] = True

    # Derived from ``fields`` by __init_subclass__.
    by_name: ClassVar[dict[str, Field]] = {}
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ()
    natural_key: ClassVar[Field | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
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
    def with_config(cls, config: Mapping[str, Any]) -> InstantlyProvider:
        """A provider outside the engine (the program's own reads and writes), configured from the
        stack's config as :meth:`configure` would be."""
        provider = cls()
        provider._config = {k: config.get(k) for k in _CONFIG_KEYS}
        return provider

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the credentials from stack config; no API call."""
        self._config = {k: req.config.get(k) for k in _CONFIG_KEYS}

    @property
    def credentials(self) -> Credentials:
        """Stack config first, then INSTANTLY_API_KEY / INSTANTLY_BASE_URL — the stack's config as it
        is now, even in a refresh or destroy, where the engine replays the one saved in the state."""
        return Credentials.resolve(_stack_config.current(self._config, _CONFIG_KEYS))

    @property
    def client(self) -> InstantlyClient:
        """The process-wide client for these credentials, built on first use."""
        return client_for(self.credentials)

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

    # -- check (preview) -------------------------------------------------------------------------

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

    creates_verb: ClassVar[str] = "creates"
    """How messages say that a new object comes to exist (``invites`` for a member)."""

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

    # -- diff ------------------------------------------------------------------------------------------

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

    # -- reads ------------------------------------------------------------------------------------------

    def find(self, props: Mapping[str, Any], *, shared: bool = False) -> dict[str, Any] | None:
        """The object with ``props``'s natural key, read fresh from the API — or, with ``shared``,
        from the process's listing of the collection (what ``check`` read to announce an adoption)."""
        if shared:
            return next((o for o in self.snapshot(props) if self.matches(o, props)), None)
        for obj in self.client.paginate(
            self.path,
            operation=f"find {self.kind}",
            target=self.target(props),
            workspace_id=self.acting_workspace(props),
            params=self.search_params(props),
        ):
            if self.matches(obj, props):
                return obj
        return None

    def snapshot(self, props: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The collection as it was when this process first looked (one listing per process): what
        adoptions match against. A later write to one object changes no other's natural key, so the
        writes of this run do not make it stale for that purpose."""
        ws = self.acting_workspace(props)

        def read() -> list[dict[str, Any]]:
            return list(
                self.client.paginate(
                    self.path, operation=f"list {self.kind}s", target=self.target(props), workspace_id=ws
                )
            )

        found: list[dict[str, Any]] = self.client.remember(f"snapshot {self.path} {ws}", read)
        return found

    def listed(self, props: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every object of the collection in the object's workspace (cached per process)."""
        ws = self.acting_workspace(props)
        return self.client.list_cached(
            self.path, operation=f"list {self.kind}s", target=self.target(props), workspace_id=ws
        )

    def fetch(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        """The object as it is now, from the shared listing; None when it is gone."""
        return next((o for o in self.listed(props) if o.get("id") == id_), None)

    def fetch_fresh(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        """The object as it is now, bypassing the cache (after an ambiguous write)."""
        ws = self.acting_workspace(props)
        if not self.has_get:
            self.client.invalidate(self.path, ws)
            return self.fetch(id_, props)
        try:
            obj: dict[str, Any] = self.client.request(
                "GET",
                f"{self.path}/{id_}",
                operation=f"read {self.kind}",
                target=self.target(props, id_),
                workspace_id=ws,
            )
        except NotFoundError:
            return None
        return obj

    # -- create -------------------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Adopt by natural key (with ``adopt``), else create; a lost create is found, not repeated.

        The second half of a delete-first replacement never adopts (the old object is gone) and
        inherits whether the old one was adopted.
        """
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

    # -- update -------------------------------------------------------------------------------------------

    def patch_body(self, current: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """The PATCH that brings ``current`` (an API object) to the declared ``props``."""
        return {
            f.name: props.get(f.name)
            for f in self.fields
            if f.change is Change.PATCH and not f.same(current.get(f.name), props.get(f.name))
        }

    def patch(self, id_: str, body: dict[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH until confirmed (an ambiguous failure is checked by reading the object)."""
        ws, operation = self.acting_workspace(props), f"update {self.kind}"

        def write() -> dict[str, Any]:
            obj: dict[str, Any] = self.client.request(
                "PATCH",
                f"{self.path}/{id_}",
                operation=operation,
                target=self.target(props, id_),
                workspace_id=ws,
                json=body,
            )
            return obj

        def reconcile(_attempts: Attempts) -> dict[str, Any] | None:
            now = self.fetch_fresh(id_, props)
            if now is None:
                raise NotFoundError(
                    operation,
                    self.target(props, id_),
                    404,
                    "Resource not found",
                    "it was deleted outside Pulumi: run `pulumi refresh`, then `pulumi up`",
                )
            return now if not self.patch_body(now, props) else None

        obj = converge(self.client, operation, self.target(props, id_), write, reconcile)
        self.client.invalidate(self.path, ws)
        return obj

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PATCH what changed (one call); options are only recorded. Returns the whole state."""
        current = {f.name: olds.get(f.name) for f in self.fields if f.api or f.output}
        body = self.patch_body(current, news)
        obj = {**current, **self.patch(id_, body, news)} if body else current
        return UpdateResult(self.outs({**olds, **news}, obj, adopted=bool(olds.get(ADOPTED.name))))

    # -- read ---------------------------------------------------------------------------------------------

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The object from the workspace's listing (shared by the process's reads); gone reads as gone."""
        obj = self.fetch(id_, props)
        if obj is None or not self.alive(obj):
            return ReadResult("", {})
        outs = self.outs(props, obj, adopted=bool(props.get(ADOPTED.name)))
        return ReadResult(id_, outs, self.input_values(outs))

    def alive(self, obj: Mapping[str, Any]) -> bool:
        """Whether a listed object still counts as existing (e.g. not a rejected invitation)."""
        return True

    # -- delete -------------------------------------------------------------------------------------------

    def keeps(self, props: Mapping[str, Any]) -> bool:
        """``on_destroy``: keep what was adopted and delete what was created, unless the file says."""
        choice = props.get("on_destroy")
        if choice in ("keep", "delete"):
            return bool(choice == "keep")
        return bool(props.get(ADOPTED.name))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """DELETE until confirmed gone (already gone is fine) — or nothing, for what is kept.

        The first half of a delete-first replacement deletes even what ``destroy`` would keep.
        """
        replacing = _replacement.take_planned(self.replacement_key(props)) if self.natural_key else None
        if replacing is None and self.keeps(props):
            return
        self.delete_object(id_, props)
        if replacing is not None:
            _replacement.deleted(self.replacement_key(props), replacing)

    def delete_object(self, id_: str, props: Mapping[str, Any]) -> None:
        """DELETE ``id_``; an ambiguous failure is checked by reading whether it is gone."""
        ws, operation = self.acting_workspace(props), f"delete {self.kind}"

        def write() -> bool:
            with contextlib.suppress(NotFoundError):  # already gone is gone
                self.client.request(
                    "DELETE",
                    f"{self.path}/{id_}",
                    operation=operation,
                    target=self.target(props, id_),
                    workspace_id=ws,
                )
            return True

        def reconcile(_attempts: Attempts) -> bool | None:
            return True if self.fetch_fresh(id_, props) is None else None

        converge(self.client, operation, self.target(props, id_), write, reconcile)
        self.client.invalidate(self.path, ws)


def _own_workspace(client: InstantlyClient) -> str | None:
    def read() -> str | None:
        try:
            ws = client.request(
                "GET", "/workspaces/current", operation="read", target="the API key's own workspace"
            )
        except (PermissionDeniedError, PaymentRequiredError, NotFoundError):
            return None  # the key may not tell; nothing to compare
        return ws.get("id") if isinstance(ws, dict) else None

    found: str | None = client.remember("own-workspace", read)
    return found


for _name in _SURFACED:
    setattr(InstantlyProvider, _name, _surfaced(getattr(InstantlyProvider, _name)))
