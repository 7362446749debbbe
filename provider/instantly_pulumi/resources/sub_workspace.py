"""SubWorkspace: a client workspace's membership in the agency's workspace group.

Created from the admin (the key's own) workspace as an invitation that stays
``pending`` until the sub-workspace's owner accepts. Optionally waits for the
acceptance. A rejected invitation reads as gone, so the next ``pulumi up``
invites again. Only ``sub_workspace_id`` replaces; there is nothing to update.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from instantly_pulumi.errors import ConflictError, InstantlyError, NotFoundError
from instantly_pulumi.resources._base import InstantlyProvider, check_uuid, failure, is_unknown, merge_inputs

PATH = "/workspace-group-members"
POLL_SECONDS = 1.0
DEFAULT_TIMEOUT = 300


class AcceptanceError(InstantlyError):
    """The invitation was rejected, or not accepted in time."""


@dataclass
class SubWorkspaceArgs:
    """Inputs of a :class:`SubWorkspace`."""

    sub_workspace_id: pulumi.Input[str]
    """The workspace to bring into the group; a change replaces."""
    wait_for_acceptance: pulumi.Input[bool] = False
    """Wait during create until the sub-workspace's owner accepts."""
    acceptance_timeout: pulumi.Input[int] | None = None
    """Seconds to wait (default 300)."""
    adopt: pulumi.Input[bool] = False
    """Take over a pending or accepted membership of this workspace instead of inviting again."""


class SubWorkspaceProvider(InstantlyProvider):
    """Workspace group memberships through ``/api/v2/workspace-group-members``."""

    kind = "group membership"
    inputs = ("sub_workspace_id", "wait_for_acceptance", "acceptance_timeout", "adopt")
    replace_on = ("sub_workspace_id",)

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        out = check_uuid(news, "sub_workspace_id", "a workspace id")
        timeout = news.get("acceptance_timeout")
        if (
            timeout is not None
            and not is_unknown(timeout)
            and not (isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0)
        ):
            out.append(failure("acceptance_timeout", "must be a positive number of seconds"))
        return out

    def equivalent(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        # How to create (wait, adopt) is not part of the membership itself.
        return field != "sub_workspace_id"

    def _outs(self, props: dict[str, Any], member: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.pick_inputs(props),
            "status": member.get("status"),
            "admin_workspace_id": member.get("admin_workspace_id"),
            "sub_workspace_name": member.get("sub_workspace_name"),
            "timestamp_created": member.get("timestamp_created"),
        }

    def _find(self, sub: str) -> dict[str, Any] | None:
        for member in self.client.paginate(
            PATH, operation="find group membership", target=f"of workspace {sub}"
        ):
            if member.get("sub_workspace_id") == sub and member.get("status") in ("pending", "accepted"):
                return member
        return None

    def create(self, props: dict[str, Any]) -> CreateResult:
        """One POST (an invitation), or with ``adopt`` take over the existing one (one list)."""
        sub = props["sub_workspace_id"]
        member = self._find(sub) if props.get("adopt") else None
        if member is None:
            try:
                member = self.client.request(
                    "POST",
                    PATH,
                    operation="invite into the workspace group",
                    target=f"workspace {sub}",
                    json={"sub_workspace_id": sub},
                )
            except ConflictError as exc:
                raise ConflictError(
                    exc.operation,
                    exc.target,
                    exc.status,
                    exc.server_message,
                    f"workspace {sub} already has a parent or a pending invitation, or one of the "
                    "two workspaces is itself a sub-workspace (a workspace cannot be an admin and a "
                    "sub at once); if the membership is this agency's, set adopt: true",
                ) from None
        if props.get("wait_for_acceptance") and member.get("status") != "accepted":
            member = self._wait(member, float(props.get("acceptance_timeout") or DEFAULT_TIMEOUT))
        return CreateResult(member["id"], self._outs(props, member))

    def _wait(self, member: dict[str, Any], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        sub = member.get("sub_workspace_id")
        while True:
            member = self.client.request(
                "GET", f"{PATH}/{member['id']}", operation="wait for acceptance", target=f"of workspace {sub}"
            )
            if member.get("status") == "accepted":
                return member
            if member.get("status") == "rejected":
                raise AcceptanceError(f"the invitation of workspace {sub} into the group was rejected")
            if time.monotonic() >= deadline:
                raise AcceptanceError(
                    f"the invitation {member['id']} of workspace {sub} was not accepted within "
                    f"{timeout:.0f}s; it stays pending: once its owner accepts, "
                    "run `pulumi up` again with adopt: true"
                )
            time.sleep(POLL_SECONDS)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET; a rejected or removed membership reads as gone (the next up invites again)."""
        try:
            member = self.client.request(
                "GET",
                f"{PATH}/{id_}",
                operation="read group membership",
                target=f"of workspace {props.get('sub_workspace_id')}",
            )
        except NotFoundError:
            return ReadResult("", {})
        if member.get("status") == "rejected":
            return ReadResult("", {})
        outs = self._outs(props, member)
        return ReadResult(id_, outs, self.pick_inputs(outs))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Nothing to call: only creation options changed."""
        return UpdateResult({**olds, **self.pick_inputs(news)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One DELETE (removes the sub-workspace from the group); already gone is fine."""
        self.ignore_missing(
            lambda: self.client.request(
                "DELETE",
                f"{PATH}/{id_}",
                operation="remove from the workspace group",
                target=f"workspace {props.get('sub_workspace_id')}",
            )
        )


class SubWorkspace(Resource, module="instantly", name="SubWorkspace"):
    """A workspace's membership in the key's workspace group (the key's workspace is the admin).

    ``SubWorkspace(resource_name, args=None, opts=None, **inputs)``; inputs as in :class:`SubWorkspaceArgs`.
    """

    sub_workspace_id: pulumi.Output[str]
    """The member workspace."""
    wait_for_acceptance: pulumi.Output[bool]
    """Whether create waited for acceptance."""
    acceptance_timeout: pulumi.Output[int | None]
    """The wait's limit in seconds."""
    adopt: pulumi.Output[bool]
    """Whether an existing membership could be taken over."""
    status: pulumi.Output[str]
    """``pending``, ``accepted`` or ``rejected``."""
    admin_workspace_id: pulumi.Output[str]
    """The group's admin workspace."""
    sub_workspace_name: pulumi.Output[str | None]
    """The member workspace's name."""
    timestamp_created: pulumi.Output[str]
    """When the invitation was sent."""

    def __init__(
        self,
        resource_name: str,
        args: SubWorkspaceArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **inputs: Any,
    ) -> None:
        props = merge_inputs("SubWorkspace", args, inputs, ("sub_workspace_id",))
        props.setdefault("wait_for_acceptance", False)
        props.setdefault("adopt", False)
        props.update(status=None, admin_workspace_id=None, sub_workspace_name=None, timestamp_created=None)
        super().__init__(SubWorkspaceProvider(), resource_name, props, opts)
