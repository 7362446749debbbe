"""TagAssignment: the set of campaigns or email accounts that carry one tag.

One resource per (tag, resource type, workspace); its id is that composite.
What is this resource's own is the toggle: create assigns every id in one
call, a change assigns the added and unassigns the removed (at most two
calls), delete unassigns (one call). After an ambiguous toggle the mappings
are read again and only what is still missing is sent. With ``adopt``, ids
that already carry the tag are left alone (and kept by ``destroy``). Reads
share one listing of the workspace's mappings per process. At preview, ids
added to an assignment are checked against the workspace's campaigns or
accounts, so a typo fails before any write.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from instantly_pulumi import models, validation
from instantly_pulumi.errors import NotFoundError, PermissionDeniedError
from instantly_pulumi.reader import ACCOUNTS, CAMPAIGNS, TAG_MAPPINGS
from instantly_pulumi.resources._converge import Attempts, converge
from instantly_pulumi.resources._fields import (
    ADOPT,
    ALLOW_AGENCY,
    ON_DESTROY,
    WORKSPACE_ID,
    Change,
    Field,
    Place,
)
from instantly_pulumi.resources._provider import InstantlyProvider, failure, has_unknown, is_unknown
from instantly_pulumi.resources._resource import InstantlyResource, args_class

TOGGLE = "/custom-tags/toggle-resource"
_CATALOG = {"campaign": (CAMPAIGNS, "id"), "account": (ACCOUNTS, "email")}


def composite_id(tag_id: str, resource_type: str, workspace_id: str | None) -> str:
    """The resource id: workspace, tag and type (``-`` for the key's own workspace)."""
    return f"{workspace_id or '-'}/{tag_id}/{resource_type}"


class TagAssignmentProvider(InstantlyProvider):
    """Tag assignments through ``/api/v2/custom-tags/toggle-resource`` and ``/custom-tag-mappings``."""

    kind = "tag assignment"
    listing = TAG_MAPPINGS
    fields = (
        Field(
            "tag_id",
            "The tag (usually ``CustomTag.id``); a change replaces.",
            Change.REPLACE,
            required=True,
            check=validation.tag_id,
            place=Place.PROGRAM,
            notice="the campaigns or accounts move to the other tag (a tag renamed without `renamed_from:` "
            "is a new tag): they lose the old tag and get the new one",
        ),
        Field(
            "resource_type",
            "``campaign`` or ``account``; a change replaces.",
            Change.REPLACE,
            required=True,
            check=validation.resource_type,
            place=Place.PROGRAM,
            notice="set by the stack file's key (`campaigns:` or `accounts:`): moving ids from one key to "
            "the other untags the one kind and tags the other",
        ),
        Field(
            "resource_ids",
            "Campaign ids, or account emails; changes in place (assign the added, unassign the removed).",
            Change.CUSTOM,
            type_="list[str]",
            required=True,
            as_set=True,
            place=Place.PROGRAM,
            notice="the added campaigns or accounts get the tag and the removed ones lose it (one call "
            "each); the others are untouched",
        ),
        WORKSPACE_ID,
        ALLOW_AGENCY,
        ADOPT,
        ON_DESTROY,
        Field(
            "adopted_ids",
            "Ids that carried the tag before the stack assigned it (kept by destroy).",
            type_="list[str]",
            carried=True,
        ),
    )

    def label(self, props: Mapping[str, Any], id_: str = "") -> str:
        ids = props.get("resource_ids") or []
        # In a preview of the tag's creation its id is not known yet: never show the SDK's repr of it.
        tag = "(created by this run)" if is_unknown(props.get("tag_id")) else props.get("tag_id")
        return f"tag {tag} on {len(ids)} {props.get('resource_type')}(s)"

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        if is_unknown(news.get("resource_type")) or has_unknown(news.get("resource_ids")):
            return []  # known at `up`, checked then
        try:
            validation.resource_ids(news.get("resource_type"), news.get("resource_ids"))
        except ValueError as exc:
            return [failure("resource_ids", str(exc))]
        return []

    def check_live(self, olds: dict[str, Any], news: dict[str, Any]) -> list[CheckFailure]:
        """Ids newly assigned must exist in the workspace (read only when the set changed)."""
        out = self.check_agency_workspace(olds, news)
        if has_unknown(news.get("resource_ids")):
            return out
        added = set(news.get("resource_ids") or []) - set(olds.get("resource_ids") or [])
        if news.get("resource_type") != olds.get("resource_type") or news.get("workspace_id") != olds.get(
            "workspace_id"
        ):
            added = set(news.get("resource_ids") or [])
        if not added or is_unknown(news.get("workspace_id")):
            return out
        kind = news["resource_type"]
        listing, key = _CATALOG[kind]
        ws = self.acting_workspace(news)
        try:
            present = {
                str(item.get(key)).lower()
                for item in self.reader.items(
                    listing, ws, target=self.target(news), operation=f"list {kind}s"
                )
            }
        except PermissionDeniedError:
            return out  # not readable yet (e.g. the group membership is still pending): checked on create
        missing = sorted(i for i in added if str(i).lower() not in present)
        if missing:
            where = f"workspace {ws}" if ws else "the key's workspace"
            out.append(
                failure(
                    "resource_ids",
                    f"{', '.join(missing)}: no such {kind} in {where}; check the "
                    f"{'campaign ids' if kind == 'campaign' else 'account emails'} (nothing was changed)",
                )
            )
        return out

    # -- the mappings -----------------------------------------------------------------------------

    def assigned(self, props: Mapping[str, Any], *, fresh: bool = False) -> set[str]:
        """The ids of ``props``'s type that carry its tag now."""
        ws = self.acting_workspace(props)
        number = models.RESOURCE_TYPES.get(props.get("resource_type") or "", 0)
        if fresh:
            mappings = list(
                self.reader.scan(
                    TAG_MAPPINGS,
                    ws,
                    operation="list tag assignments",
                    target=self.target(props),
                    params={"resource_ids": ",".join(props.get("resource_ids") or [])},
                )
            )
        else:
            mappings = self.listed(props)
        return {
            m["resource_id"]
            for m in mappings
            if m.get("tag_id") == props.get("tag_id") and m.get("resource_type") == number
        }

    def toggle(self, props: Mapping[str, Any], ids: list[str], *, assign: bool) -> None:
        """Assign (or unassign) ``ids``, re-reading after an ambiguous failure and sending only the rest."""
        if not ids:
            return
        ws = self.acting_workspace(props)
        operation = "assign tag" if assign else "unassign tag"
        pending = list(ids)

        def write() -> bool:
            self.client.request(
                "POST",
                TOGGLE,
                operation=operation,
                target=self.target({**props, "resource_ids": pending}),
                workspace_id=ws,
                json={
                    "tag_ids": [props["tag_id"]],
                    "resource_type": models.RESOURCE_TYPES[props["resource_type"]],
                    "resource_ids": pending,
                    "assign": assign,
                },
            )
            return True

        def reconcile(_attempts: Attempts) -> bool | None:
            now = self.assigned({**props, "resource_ids": pending}, fresh=True)
            pending[:] = [i for i in pending if (i in now) != assign]
            return True if not pending else None

        converge(self.client, operation, self.target(props), write, reconcile)
        self.client.invalidate(self.path, ws)

    # -- lifecycle ----------------------------------------------------------------------------------

    def outs_for(self, props: Mapping[str, Any], ids: list[str], adopted: list[str]) -> dict[str, Any]:
        return {**self.input_values(props), "resource_ids": ids, "adopted_ids": adopted}

    def create(self, props: dict[str, Any]) -> CreateResult:
        """One toggle call assigning every id (with ``adopt``, only those not yet assigned)."""
        ids = list(props["resource_ids"])
        adopted: list[str] = []
        if props.get("adopt"):
            present = self.assigned(props, fresh=True)
            adopted = [i for i in ids if i in present]
        self.toggle(props, [i for i in ids if i not in adopted], assign=True)
        id_ = composite_id(props["tag_id"], props["resource_type"], props.get("workspace_id"))
        return CreateResult(id_, self.outs_for(props, ids, adopted))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The ids that carry the tag now, from the workspace's mappings (listed once per process)."""
        present = self.assigned(props)
        if not present:
            return ReadResult("", {})
        declared = [i for i in props.get("resource_ids") or [] if i in present]
        ids = declared + sorted(present - set(declared))
        outs = self.outs_for(props, ids, [i for i in props.get("adopted_ids") or [] if i in present])
        return ReadResult(id_, outs, self.input_values(outs))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Assign the added ids, unassign the removed: at most two calls."""
        old, new = set(olds.get("resource_ids") or []), list(news["resource_ids"])
        self.toggle(news, [i for i in new if i not in old], assign=True)
        self.toggle(news, sorted(old - set(new)), assign=False)
        adopted = [i for i in olds.get("adopted_ids") or [] if i in new]
        return UpdateResult(self.outs_for(news, new, adopted))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Unassign what the stack assigned (all with on_destroy: delete, none with keep); one call."""
        choice = props.get("on_destroy")
        if choice == "keep":
            return
        ids = list(props.get("resource_ids") or [])
        if choice != "delete":
            kept = set(props.get("adopted_ids") or [])
            ids = [i for i in ids if i not in kept]
        with contextlib.suppress(NotFoundError):  # the tag is gone, and its assignments with it
            self.toggle(props, ids, assign=False)


class TagAssignment(
    InstantlyResource, provider=TagAssignmentProvider, module="instantly", name="TagAssignment"
):
    """Which campaigns or email accounts carry a tag.

    ``TagAssignment(resource_name, args=None, opts=None, **inputs)``; inputs as in
    :class:`TagAssignmentArgs`. Outputs: every input, plus ``adopted_ids``.
    """


TagAssignmentArgs = args_class("TagAssignmentArgs", TagAssignmentProvider, "Inputs of a TagAssignment.")
