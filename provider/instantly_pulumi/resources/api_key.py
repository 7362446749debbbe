"""ApiKey: an Instantly API key whose value is a Pulumi secret.

The API cannot update a key, so any change of name, scopes, rotation or
workspace replaces it — the new key is created before the old one is deleted,
so rotation has no gap. The value is returned only by create; reads carry it
forward from state. Any ``all:*`` scope needs ``allow_full_access``.

What is this resource's own: key names repeat and a value can never be read
again, so a create whose answer was lost cannot be "found and adopted". The
provider proves which key its lost attempt made — same name and scopes, in the
same workspace, created by the API during the attempt, and not minted by this
process for another resource — and revokes it before it creates the key it
keeps. And it refuses to revoke the key it authenticates with.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult

from instantly_pulumi import validation
from instantly_pulumi.errors import BadRequestError, SelfRevocationError
from instantly_pulumi.reader import API_KEYS
from instantly_pulumi.resources import _grpc
from instantly_pulumi.resources._converge import Attempts, converge
from instantly_pulumi.resources._fields import ALLOW_AGENCY, ON_DESTROY, WORKSPACE_ID, Change, Field
from instantly_pulumi.resources._provider import InstantlyProvider, failure, is_unknown
from instantly_pulumi.resources._recovery import Intent
from instantly_pulumi.resources._resource import InstantlyResource, args_class

_MINTED: set[str] = set()
"""Ids of the keys this process created and holds (never taken for a lost attempt's orphan)."""
_MINTED_LOCK = threading.Lock()

LATE_COMMIT_POLL = 1.0
"""Seconds between looks for a lost create's key while it may still land."""


def late_commit_horizon(timeout: float) -> float:
    """Seconds after a create was sent within which the API may still commit it although the client
    gave up: twice the client's timeout, at least 10 s (docs/reliability.md)."""
    return max(2 * timeout, 10.0)


_SELF_REVOCATION = (
    "it is the key this provider authenticates with (instantly:apiKey / INSTANTLY_API_KEY). Point "
    "instantly:apiKey at another key with the api_keys:delete scope and run again, or drop the key from "
    "the stack without revoking it: set on_destroy: keep, run `pulumi up`, then remove it"
)


class ApiKeyProvider(InstantlyProvider):
    """Create, list and delete API keys through ``/api/v2/api-keys``."""

    kind = "API key"
    listing = API_KEYS
    has_get = False
    fields = (
        Field(
            "name",
            "The key's name: one line of at most 255 characters (names may repeat in Instantly); a change "
            "replaces the key.",
            Change.REPLACE,
            required=True,
            api=True,
            check=validation.api_key_name,
            examples=("crm-sync", "crm-sync-v2"),
            notice="a new key under the new name: its value changes (`pulumi stack output --show-secrets`); "
            "the old key is revoked once the new one exists",
        ),
        Field(
            "scopes",
            "Scopes such as ``campaigns:read`` (the 178 documented strings); a change replaces the key.",
            Change.REPLACE,
            type_="list[str]",
            required=True,
            as_set=True,
            api=True,
            check=validation.scopes,
            examples=(["campaigns:read"], ["campaigns:read", "leads:read"]),
            notice="a new key with the new scopes: whoever uses the key needs its new value; the old key is "
            "revoked once the new one exists",
        ),
        Field(
            "rotation",
            "Any value; changing it rotates the key (a new key before the old is deleted).",
            Change.REPLACE,
            examples=("2026-11", "2026-12"),
            notice="the key is rotated: a new value to hand out; the old value stops working once the new "
            "key exists",
        ),
        Field(
            "allow_full_access",
            "Must be true for any ``all:*`` scope (least privilege otherwise).",
            Change.RECORD,
            type_="bool",
            default=False,
            examples=(True, False),
            notice="nothing: only recorded (it is checked when the scopes change)",
        ),
        WORKSPACE_ID,
        ALLOW_AGENCY,
        ON_DESTROY,
        Field(
            "key",
            "The key's value (secret; the API shows it only when the key is created).",
            secret=True,
            carried=True,
        ),
        Field("organization_id", "The workspace the key belongs to."),
        Field("timestamp_created", "When the key was created."),
    )

    def label(self, props: Mapping[str, Any], id_: str = "") -> str:
        name = repr(props.get("name"))
        return f"{name} ({id_})" if id_ else name

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        if is_unknown(news.get("scopes")) or is_unknown(news.get("allow_full_access")):
            return []  # known at `up`, checked then
        try:
            validation.full_access(news.get("scopes") or [], bool(news.get("allow_full_access")))
        except ValueError as exc:
            return [failure("scopes", str(exc))]
        return []

    def create(self, props: dict[str, Any]) -> CreateResult:
        """One POST; after a lost answer, revoke what that attempt made, then create again.

        The create of a run that died (handed back with its intent) first revokes the keys that run
        can be proven to have made: same name and scopes, made within its window, not minted here.
        """
        ws, target = self.acting_workspace(props), self.target(props)
        intent = Intent.of(props)
        if intent is not None and intent.recovered:
            for orphan in self.made_by(props, intent):
                self.delete_object(orphan["id"], {**props, "key": None})
                _grpc.note(
                    f"revoked API key {self.label(props, orphan['id'])}, made by a run that was interrupted"
                )

        def write() -> dict[str, Any]:
            key: dict[str, Any] = self.client.request(
                "POST",
                self.path,
                operation="create API key",
                target=target,
                workspace_id=ws,
                json=self.body(props),
            )
            with _MINTED_LOCK:
                _MINTED.add(key["id"])
            return key

        revoked: set[str] = set()

        def reconcile(attempts: Attempts) -> None:
            # A lost create can still be committed by the API after the client gave up on it: look
            # until it no longer can (the late-commit horizon), revoking what it made, then send again.
            left = (
                attempts.last
                + late_commit_horizon(self.client.credentials.timeout)
                - self.client.server_time()
            )
            for look in range(max(0, math.ceil(left / LATE_COMMIT_POLL)) + 1):
                if look:
                    self.client.sleep(LATE_COMMIT_POLL)
                for orphan in self.orphans(props, attempts):
                    if orphan["id"] not in revoked:
                        self.delete_object(orphan["id"], {**props, "key": None})
                        revoked.add(orphan["id"])
            return None  # never adopt: the value cannot be read again

        key = converge(self.client, "create API key", target, write, reconcile)
        self.client.invalidate(self.path, ws)
        return CreateResult(key["id"], self.outs({**props, "key": key["key"]}, key, adopted=False))

    def made_by(self, props: Mapping[str, Any], intent: Intent) -> list[dict[str, Any]]:
        """Keys with ``props``'s name and scopes made within the window of a killed run's create (not
        the key a killed rotation was replacing: the state still holds that one)."""
        return [k for k in self.unheld_twins(props, intent.within) if k.get("id") not in intent.held]

    def orphans(self, props: Mapping[str, Any], attempts: Attempts) -> list[dict[str, Any]]:
        """Keys provably made by this create's lost attempts."""
        return self.unheld_twins(props, attempts.covers)

    def unheld_twins(
        self, props: Mapping[str, Any], made_then: Callable[[Any], bool]
    ) -> list[dict[str, Any]]:
        """Keys with ``props``'s name and scopes, made when ``made_then`` says (by their
        ``timestamp_created``), that this process did not mint (a fresh listing)."""
        self.client.invalidate(self.path, self.acting_workspace(props))
        name, scopes = props.get("name"), set(props.get("scopes") or [])
        with _MINTED_LOCK:
            held = set(_MINTED)
        return [
            k
            for k in self.listed(props)
            if k.get("name") == name
            and set(k.get("scopes") or []) == scopes
            and made_then(k.get("timestamp_created"))
            and k.get("id") not in held
        ]

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One DELETE; refuses to revoke the key the provider authenticates with."""
        if self.keeps(props):
            return
        target = self.target(props, id_)
        if props.get("key") and props.get("key") == self.credentials.api_key:
            raise SelfRevocationError(f"delete API key {target}: refused: {_SELF_REVOCATION}")
        try:
            self.delete_object(id_, props)
        except BadRequestError as exc:
            if "itself" in exc.server_message:
                raise SelfRevocationError(f"delete API key {target}: refused: {_SELF_REVOCATION}") from None
            raise


class ApiKey(InstantlyResource, provider=ApiKeyProvider, module="instantly", name="ApiKey"):
    """An Instantly API key; ``key`` is a secret output.

    ``ApiKey(resource_name, args=None, opts=None, **inputs)``; inputs as in :class:`ApiKeyArgs`.
    Outputs: every input, plus ``key`` (secret), ``organization_id`` and ``timestamp_created``.
    """


ApiKeyArgs = args_class("ApiKeyArgs", ApiKeyProvider, "Inputs of an ApiKey.")
