"""ApiKey: an Instantly API key whose value is a Pulumi secret.

The API cannot update a key, so any change of name, scopes, rotation or
workspace replaces it — the new key is created before the old one is deleted,
so rotation has no gap. The value is returned only by create; reads carry it
forward from state. Any ``all:*`` scope needs ``allow_full_access``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from instantly_pulumi import models
from instantly_pulumi.errors import BadRequestError, InstantlyError
from instantly_pulumi.resources._base import InstantlyProvider, check_list, failure, is_unknown, merge_inputs

PATH = "/api-keys"


class SelfRevocationError(InstantlyError):
    """Deleting the key the provider itself authenticates with."""


@dataclass
class ApiKeyArgs:
    """Inputs of an :class:`ApiKey`."""

    name: pulumi.Input[str]
    """The key's name (names may repeat in Instantly); a change replaces the key."""
    scopes: pulumi.Input[list[str]]
    """Scopes such as ``campaigns:read`` (the 178 documented strings); a change replaces the key."""
    rotation: pulumi.Input[str] | None = None
    """Any value; changing it rotates the key (replace, new before old)."""
    allow_full_access: pulumi.Input[bool] = False
    """Must be true for any ``all:*`` scope (least privilege otherwise)."""
    workspace_id: pulumi.Input[str] | None = None
    """Act in this (client) workspace through ``x-as-workspace``; a change replaces."""


class ApiKeyProvider(InstantlyProvider):
    """Create, list and delete API keys through ``/api/v2/api-keys``."""

    kind = "API key"
    inputs = ("name", "scopes", "rotation", "allow_full_access", "workspace_id")
    replace_on = ("name", "scopes", "rotation", "workspace_id")
    set_fields = ("scopes",)

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        out = []
        name = news.get("name")
        if not is_unknown(name) and not (isinstance(name, str) and name.strip()):
            out.append(failure("name", "must be a non-blank string"))
        out += check_list(news, "scopes", lambda s: s in models.SCOPES, "a documented Instantly scope")
        scopes = news.get("scopes")
        if isinstance(scopes, list) and not news.get("allow_full_access"):
            wide = models.full_access_scopes([s for s in scopes if isinstance(s, str)])
            if wide:
                out.append(
                    failure(
                        "scopes", f"{wide} grant access to every resource: set allow_full_access to allow it"
                    )
                )
        return out

    def _outs(self, props: dict[str, Any], key: dict[str, Any], value: Any) -> dict[str, Any]:
        return {
            **self.pick_inputs(props),
            "name": key.get("name", props.get("name")),
            "scopes": key.get("scopes", props.get("scopes")),
            "key": value,
            "organization_id": key.get("organization_id"),
            "timestamp_created": key.get("timestamp_created"),
        }

    def create(self, props: dict[str, Any]) -> CreateResult:
        """One POST; the response is the only place the full key value appears."""
        ws = props.get("workspace_id")
        key = self.client.request(
            "POST",
            PATH,
            operation="create API key",
            target=self.target(repr(props["name"]), ws),
            workspace_id=ws,
            json={"name": props["name"], "scopes": list(props["scopes"])},
        )
        self.client.invalidate(PATH, ws)
        return CreateResult(key["id"], self._outs(props, key, key["key"]))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """From the workspace's key list, fetched once per process for all keys."""
        ws = props.get("workspace_id")
        keys = self.client.list_cached(
            PATH, operation="list API keys", target=self.target("API keys", ws), workspace_id=ws
        )
        key = next((k for k in keys if k.get("id") == id_), None)
        if key is None:
            return ReadResult("", {})
        # The list holds a masked value: keep the real one from state.
        outs = self._outs(props, key, props.get("key"))
        return ReadResult(id_, outs, self.pick_inputs(outs))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Only ``allow_full_access`` can change without a replacement: nothing to call."""
        return UpdateResult({**_olds, **self.pick_inputs(news)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One DELETE; refuses to revoke the key the provider authenticates with."""
        ws = props.get("workspace_id")
        target = self.target(f"{props.get('name')!r} ({id_})", ws)
        how = (
            "it is the key this provider authenticates with (instantly:apiKey / INSTANTLY_API_KEY). "
            "Point instantly:apiKey at another key with the api_keys:delete scope and run again, "
            "or drop it from the stack without revoking it: `pulumi state delete <urn>`"
        )
        if props.get("key") and props.get("key") == self.credentials.api_key:
            raise SelfRevocationError(f"delete API key {target}: refused: {how}")
        try:
            self.ignore_missing(
                lambda: self.client.request(
                    "DELETE", f"{PATH}/{id_}", operation="delete API key", target=target, workspace_id=ws
                )
            )
        except BadRequestError as exc:
            if "itself" in exc.server_message:
                raise SelfRevocationError(f"delete API key {target}: refused: {how}") from None
            raise
        self.client.invalidate(PATH, ws)


class ApiKey(Resource, module="instantly", name="ApiKey"):
    """An Instantly API key; ``key`` is a secret output.

    ``ApiKey(resource_name, args=None, opts=None, **inputs)``; inputs as in :class:`ApiKeyArgs`.
    """

    name: pulumi.Output[str]
    """The key's name."""
    scopes: pulumi.Output[list[str]]
    """The key's scopes."""
    rotation: pulumi.Output[str | None]
    """The rotation trigger."""
    allow_full_access: pulumi.Output[bool]
    """Whether all:* scopes were allowed."""
    workspace_id: pulumi.Output[str | None]
    """The workspace acted in (None: the key's own)."""
    key: pulumi.Output[str]
    """The key value (secret; only known after create)."""
    organization_id: pulumi.Output[str]
    """The workspace the key belongs to."""
    timestamp_created: pulumi.Output[str]
    """When the key was created."""

    def __init__(
        self,
        resource_name: str,
        args: ApiKeyArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **inputs: Any,
    ) -> None:
        props = merge_inputs("ApiKey", args, inputs, ("name", "scopes"))
        props.setdefault("allow_full_access", False)
        props.update(key=None, organization_id=None, timestamp_created=None)
        # The value is minted by the API, so mark it secret where it is born.
        secret = pulumi.ResourceOptions(additional_secret_outputs=["key"])
        super().__init__(ApiKeyProvider(), resource_name, props, pulumi.ResourceOptions.merge(opts, secret))
