"""CustomTag: a label for campaigns and email accounts.

Label and description change in place (PATCH); the workspace replaces. Labels
are unique per workspace after trimming (a duplicate is a 409), so ``adopt``
takes over an existing tag with the same trimmed label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from instantly_pulumi.errors import ConflictError, NotFoundError, TransportError
from instantly_pulumi.resources._base import InstantlyProvider, failure, is_unknown, merge_inputs

PATH = "/custom-tags"


@dataclass
class CustomTagArgs:
    """Inputs of a :class:`CustomTag`."""

    label: pulumi.Input[str]
    """The tag's label, unique in the workspace after trimming; changes in place."""
    description: pulumi.Input[str] | None = None
    """Free text; changes in place."""
    workspace_id: pulumi.Input[str] | None = None
    """Act in this (client) workspace through ``x-as-workspace``; a change replaces."""
    adopt: pulumi.Input[bool] = False
    """Take over an existing tag with the same trimmed label instead of failing on the duplicate."""


def _norm(label: Any) -> Any:
    return label.strip() if isinstance(label, str) else label


class CustomTagProvider(InstantlyProvider):
    """CRUD of custom tags through ``/api/v2/custom-tags``."""

    kind = "custom tag"
    inputs = ("label", "description", "workspace_id", "adopt")
    replace_on = ("workspace_id",)

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        label = news.get("label")
        if is_unknown(label) or (isinstance(label, str) and label.strip()):
            return []
        return [failure("label", "must be a non-blank string")]

    def equivalent(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        if field == "label":
            return bool(_norm(olds.get("label")) == _norm(news.get("label")))
        return field == "adopt"

    def _outs(self, props: dict[str, Any], tag: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.pick_inputs(props),
            "label": tag.get("label", props.get("label")),
            "description": tag.get("description"),
            "organization_id": tag.get("organization_id"),
            "timestamp_created": tag.get("timestamp_created"),
            "timestamp_updated": tag.get("timestamp_updated"),
        }

    def _find(self, label: str, ws: str | None) -> dict[str, Any] | None:
        for tag in self.client.paginate(
            PATH,
            operation="find custom tag",
            target=self.target(repr(label), ws),
            workspace_id=ws,
            params={"search": label},
        ):
            if _norm(tag.get("label")) == label:
                return tag
        return None

    def _patch(self, id_: str, body: dict[str, Any], label: str, ws: str | None) -> dict[str, Any]:
        tag: dict[str, Any] = self.client.request(
            "PATCH",
            f"{PATH}/{id_}",
            operation="update custom tag",
            target=self.target(repr(label), ws),
            workspace_id=ws,
            json=body,
        )
        return tag

    def create(self, props: dict[str, Any]) -> CreateResult:
        """One POST, or with ``adopt`` take over by trimmed label (one list, at most one PATCH)."""
        ws, label = props.get("workspace_id"), _norm(props["label"])
        existing = self._find(label, ws) if props.get("adopt") else None
        if existing is None:
            body = {"label": label, "description": props.get("description")}
            try:
                tag = self.client.request(
                    "POST",
                    PATH,
                    operation="create custom tag",
                    target=self.target(repr(label), ws),
                    workspace_id=ws,
                    json={k: v for k, v in body.items() if v is not None},
                )
                return CreateResult(tag["id"], self._outs(props, tag))
            except ConflictError as exc:
                raise ConflictError(
                    exc.operation,
                    exc.target,
                    exc.status,
                    exc.server_message,
                    "set adopt: true to take the existing tag over",
                ) from None
            except TransportError:
                # It may have landed before the connection dropped: take it rather than fail on a duplicate.
                existing = self._find(label, ws)
                if existing is None:
                    raise
        if existing.get("description") != props.get("description") and props.get("description") is not None:
            existing = self._patch(existing["id"], {"description": props["description"]}, label, ws)
        return CreateResult(existing["id"], self._outs(props, existing))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET; a deleted tag reads as gone."""
        ws = props.get("workspace_id")
        try:
            tag = self.client.request(
                "GET",
                f"{PATH}/{id_}",
                operation="read custom tag",
                target=self.target(repr(props.get("label")), ws),
                workspace_id=ws,
            )
        except NotFoundError:
            return ReadResult("", {})
        outs = self._outs(props, tag)
        return ReadResult(id_, outs, self.pick_inputs(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """One PATCH with the label and/or description that changed."""
        ws = news.get("workspace_id")
        body: dict[str, Any] = {}
        if _norm(olds.get("label")) != _norm(news.get("label")):
            body["label"] = _norm(news["label"])
        if olds.get("description") != news.get("description"):
            body["description"] = news.get("description")
        tag = self._patch(id_, body, _norm(news["label"]), ws) if body else olds
        return UpdateResult({**self._outs(news, {**olds, **tag}), **self.pick_inputs(news)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One DELETE (the API drops the tag's assignments too); already gone is fine."""
        ws = props.get("workspace_id")
        self.ignore_missing(
            lambda: self.client.request(
                "DELETE",
                f"{PATH}/{id_}",
                operation="delete custom tag",
                target=self.target(repr(props.get("label")), ws),
                workspace_id=ws,
            )
        )


class CustomTag(Resource, module="instantly", name="CustomTag"):
    """A custom tag of a workspace.

    ``CustomTag(resource_name, args=None, opts=None, **inputs)``; inputs as in :class:`CustomTagArgs`.
    """

    label: pulumi.Output[str]
    """The tag's label."""
    description: pulumi.Output[str | None]
    """The tag's description."""
    workspace_id: pulumi.Output[str | None]
    """The workspace acted in (None: the key's own)."""
    adopt: pulumi.Output[bool]
    """Whether an existing tag could be taken over."""
    organization_id: pulumi.Output[str]
    """The workspace the tag belongs to."""
    timestamp_created: pulumi.Output[str]
    """When the tag was created."""
    timestamp_updated: pulumi.Output[str]
    """When the tag last changed."""

    def __init__(
        self,
        resource_name: str,
        args: CustomTagArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **inputs: Any,
    ) -> None:
        props = merge_inputs("CustomTag", args, inputs, ("label",))
        props.setdefault("adopt", False)
        props.update(organization_id=None, timestamp_created=None, timestamp_updated=None)
        super().__init__(CustomTagProvider(), resource_name, props, opts)
