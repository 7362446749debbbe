"""TagAssignment: the set of campaigns or email accounts that carry one tag.

One resource per (tag, resource type, workspace); its id is that composite.
Create assigns all ids in one toggle call, a change assigns the added and
unassigns the removed (at most two calls), delete unassigns all (one call).
Reads share one listing of the workspace's mappings per process.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from instantly_pulumi import models
from instantly_pulumi.errors import NotFoundError
from instantly_pulumi.resources._base import (
    InstantlyProvider,
    check_list,
    check_uuid,
    failure,
    is_unknown,
    merge_inputs,
)

TOGGLE = "/custom-tags/toggle-resource"
MAPPINGS = "/custom-tag-mappings"


@dataclass
class TagAssignmentArgs:
    """Inputs of a :class:`TagAssignment`."""

    tag_id: pulumi.Input[str]
    """The tag (usually ``CustomTag.id``); a change replaces."""
    resource_type: pulumi.Input[str]
    """``campaign`` or ``account``; a change replaces."""
    resource_ids: pulumi.Input[list[str]]
    """Campaign ids, or account emails; changes in place (assign the added, unassign the removed)."""
    workspace_id: pulumi.Input[str] | None = None
    """Act in this (client) workspace through ``x-as-workspace``; a change replaces."""


def composite_id(tag_id: str, resource_type: str, workspace_id: str | None) -> str:
    """The resource id: workspace, tag and type (``-`` for the key's own workspace)."""
    return f"{workspace_id or '-'}/{tag_id}/{resource_type}"


class TagAssignmentProvider(InstantlyProvider):
    """Tag assignments through ``/api/v2/custom-tags/toggle-resource`` and ``/custom-tag-mappings``."""

    kind = "tag assignment"
    inputs = ("tag_id", "resource_type", "resource_ids", "workspace_id")
    replace_on = ("tag_id", "resource_type", "workspace_id")
    set_fields = ("resource_ids",)

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        out = check_uuid(news, "tag_id", "a tag id")
        kind = news.get("resource_type")
        if not is_unknown(kind) and kind not in models.RESOURCE_TYPES:
            out.append(failure("resource_type", f"{kind!r} must be 'campaign' or 'account'"))
            return out
        if kind == "account":
            out += check_list(
                news, "resource_ids", lambda v: isinstance(v, str) and models.is_email(v), "an account email"
            )
        else:
            out += check_list(
                news, "resource_ids", lambda v: isinstance(v, str) and models.is_uuid(v), "a campaign id"
            )
        ids = news.get("resource_ids")
        if isinstance(ids, list) and len({i for i in ids if isinstance(i, str)}) != len(ids):
            out.append(failure("resource_ids", "has duplicates"))
        return out

    def _toggle(self, props: dict[str, Any], ids: list[str], assign: bool) -> None:
        ws = props.get("workspace_id")
        self.client.request(
            "POST",
            TOGGLE,
            operation="assign tag" if assign else "unassign tag",
            target=self.target(f"tag {props['tag_id']} on {len(ids)} {props['resource_type']}(s)", ws),
            workspace_id=ws,
            idempotent=True,  # assigning or unassigning twice changes nothing
            json={
                "tag_ids": [props["tag_id"]],
                "resource_type": models.RESOURCE_TYPES[props["resource_type"]],
                "resource_ids": ids,
                "assign": assign,
            },
        )
        self.client.invalidate(MAPPINGS, ws)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """One toggle call assigning every id."""
        self._toggle(props, list(props["resource_ids"]), assign=True)
        return CreateResult(
            composite_id(props["tag_id"], props["resource_type"], props.get("workspace_id")),
            self.pick_inputs(props),
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The ids that carry the tag now, from the workspace's mappings (listed once per process)."""
        ws = props.get("workspace_id")
        mappings = self.client.list_cached(
            MAPPINGS,
            operation="list tag assignments",
            target=self.target("tag mappings", ws),
            workspace_id=ws,
        )
        number = models.RESOURCE_TYPES.get(props.get("resource_type", ""), 0)
        present = {
            m["resource_id"]
            for m in mappings
            if m.get("tag_id") == props.get("tag_id") and m.get("resource_type") == number
        }
        if not present:
            return ReadResult("", {})
        declared = [i for i in props.get("resource_ids") or [] if i in present]
        outs = {**self.pick_inputs(props), "resource_ids": declared + sorted(present - set(declared))}
        return ReadResult(id_, outs, outs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Assign the added ids, unassign the removed: at most two calls."""
        old, new = set(olds.get("resource_ids") or []), list(news["resource_ids"])
        added = [i for i in new if i not in old]
        removed = sorted(old - set(new))
        if added:
            self._toggle(news, added, assign=True)
        if removed:
            self._toggle(news, removed, assign=False)
        return UpdateResult(self.pick_inputs(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """One toggle call unassigning every id; a tag already gone is fine."""
        ids = list(props.get("resource_ids") or [])
        if ids:
            with contextlib.suppress(NotFoundError):
                self._toggle(props, ids, assign=False)


class TagAssignment(Resource, module="instantly", name="TagAssignment"):
    """Which campaigns or email accounts carry a tag.

    ``TagAssignment(resource_name, args=None, opts=None, **inputs)``; inputs as in :class:`TagAssignmentArgs`.
    """

    tag_id: pulumi.Output[str]
    """The tag."""
    resource_type: pulumi.Output[str]
    """``campaign`` or ``account``."""
    resource_ids: pulumi.Output[list[str]]
    """The tagged campaign ids or account emails."""
    workspace_id: pulumi.Output[str | None]
    """The workspace acted in (None: the key's own)."""

    def __init__(
        self,
        resource_name: str,
        args: TagAssignmentArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **inputs: Any,
    ) -> None:
        props = merge_inputs("TagAssignment", args, inputs, ("tag_id", "resource_type", "resource_ids"))
        super().__init__(TagAssignmentProvider(), resource_name, props, opts)
