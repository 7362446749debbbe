"""What the five providers share: configuration, the lazy client, validation and diff helpers.

A provider object is pickled (by dill) into every resource's state, so it holds
nothing but its class: credentials arrive in :meth:`InstantlyProvider.configure`
inside the provider process, and the client is built on first use.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, DiffResult, ResourceProvider
from pulumi.output import Unknown

from instantly_pulumi import models
from instantly_pulumi.client import Credentials, InstantlyClient, client_for
from instantly_pulumi.errors import NotFoundError

PROVIDER_KEY = "__provider"
_CONFIG_KEYS = ("instantly:apiKey", "instantly:baseUrl")


def is_unknown(value: Any) -> bool:
    """Whether ``value`` is not known yet (a preview of an input computed from another resource)."""
    return isinstance(value, Unknown)


def _same(old: Any, new: Any, as_set: bool) -> bool:
    if is_unknown(new):
        return False
    if as_set:
        return set(old or []) == set(new or [])
    return (old if old != "" else None) == (new if new != "" else None)


class InstantlyProvider(ResourceProvider):
    """Base of the five providers.

    Subclasses declare ``kind`` (for messages), ``inputs`` (every input
    field), ``replace_on`` (fields whose change replaces the object) and
    ``set_fields`` (list fields compared as sets).
    """

    kind: ClassVar[str] = "object"
    inputs: ClassVar[tuple[str, ...]] = ()
    replace_on: ClassVar[tuple[str, ...]] = ()
    set_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self._config: dict[str, Any] | None = None

    # Pickle nothing but the class: no client, no lock, no key in state.
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._config = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the credentials from stack config; no API call."""
        self._config = {k: req.config.get(k) for k in _CONFIG_KEYS}

    @property
    def credentials(self) -> Credentials:
        """Stack config first, then INSTANTLY_API_KEY / INSTANTLY_BASE_URL."""
        return Credentials.resolve(self._config)

    @property
    def client(self) -> InstantlyClient:
        """The process-wide client for these credentials, built on first use."""
        return client_for(self.credentials)

    # -- check ------------------------------------------------------------------------------------

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        """Failures for ``news``; unknown values are skipped. Overridden per resource."""
        return []

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate at preview, without any API call."""
        failures = self.validate(news)
        ws = news.get("workspace_id")
        if "workspace_id" in self.inputs and ws is not None and not is_unknown(ws) and not _uuid(ws):
            failures.append(CheckFailure("workspace_id", f"{ws!r} is not a workspace id (UUID)"))
        return CheckResult(news, failures)

    # -- diff -------------------------------------------------------------------------------------

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare old outputs with new inputs; list the fields that force replacement."""
        changed = [
            k
            for k in self.inputs
            if not _same(olds.get(k), news.get(k), k in self.set_fields)
            and not self.equivalent(k, olds, news)
        ]
        replaces = [k for k in changed if k in self.replace_on]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def equivalent(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """Resource-specific equivalence (e.g. emails compare case-insensitively)."""
        return False

    # -- helpers ----------------------------------------------------------------------------------

    def pick_inputs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The input fields of ``props`` (never ``__provider``)."""
        return {k: props.get(k) for k in self.inputs}

    @staticmethod
    def target(name: str, workspace_id: str | None) -> str:
        """How an object is named in error messages."""
        where = f"workspace {workspace_id}" if workspace_id else "the key's workspace"
        return f"{name} in {where}"

    @staticmethod
    def ignore_missing(call: Callable[[], Any]) -> None:
        """Run a delete; an object already gone is success."""
        with contextlib.suppress(NotFoundError):
            call()


def _uuid(value: Any) -> bool:
    return isinstance(value, str) and models.is_uuid(value)


def failure(field: str, reason: str) -> CheckFailure:
    """A check failure naming ``field``."""
    return CheckFailure(field, f"{field}: {reason}")


def check_uuid(news: Mapping[str, Any], field: str, what: str) -> list[CheckFailure]:
    """A failure unless ``news[field]`` is a UUID (or unknown)."""
    value = news.get(field)
    if is_unknown(value):
        return []
    if value is None:
        return [failure(field, "is required")]
    return [] if _uuid(value) else [failure(field, f"{value!r} is not {what} (a UUID)")]


def check_list(
    news: Mapping[str, Any], field: str, ok: Callable[[Any], bool], what: str
) -> list[CheckFailure]:
    """Failures for a required non-empty list whose items must satisfy ``ok``."""
    value = news.get(field)
    if is_unknown(value):
        return []
    if not isinstance(value, list | tuple) or not value:
        return [failure(field, "must be a non-empty list")]
    return [
        failure(field, f"item {i} {item!r} is not {what}")
        for i, item in enumerate(value)
        if not is_unknown(item) and not ok(item)
    ]


def merge_inputs(cls_name: str, args: Any, inputs: dict[str, Any], required: Iterable[str]) -> dict[str, Any]:
    """Props from an ``…Args`` dataclass and keyword inputs (keywords win), required ones checked."""
    # Not dataclasses.asdict: it deep-copies, and inputs may be Outputs.
    props: dict[str, Any] = {f.name: getattr(args, f.name) for f in dataclasses.fields(args)} if args else {}
    props.update(inputs)
    missing = [k for k in required if props.get(k) is None]
    if missing:
        raise TypeError(f"{cls_name}: missing required input(s) {', '.join(repr(m) for m in missing)}")
    return props
