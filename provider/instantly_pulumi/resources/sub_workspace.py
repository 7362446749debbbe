"""SubWorkspace: a client workspace's membership in the agency's workspace group.

Created from the admin (the key's own) workspace as an invitation that stays
``pending`` until the sub-workspace's owner accepts. A rejected invitation
reads as gone, so the next ``pulumi up`` invites again. Only
``sub_workspace_id`` replaces; the other inputs steer the provider.

What is this resource's own is the waiting. With ``wait_for_acceptance``,
create (or a later update) polls the invitation and writes a line every few
seconds saying what it waits for and how to accept. If the owner has not
accepted in time, the invitation stays in Pulumi's state, marked as not
initialised: nothing that acts in the client workspace runs (it would only be
refused), the next ``pulumi up`` waits again for the same invitation, and
``destroy`` revokes it. An invitation of this agency that is still pending is
taken as the stack's own (no 409 after an interrupted run).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult, UpdateResult

from instantly_pulumi import validation
from instantly_pulumi.errors import AcceptanceError, ApiError, ConflictError
from instantly_pulumi.reader import GROUP_MEMBERS
from instantly_pulumi.resources import _grpc
from instantly_pulumi.resources._converge import Attempts
from instantly_pulumi.resources._fields import ADOPT, ADOPTED, ON_DESTROY, Change, Field, Place
from instantly_pulumi.resources._provider import InstantlyProvider, failure
from instantly_pulumi.resources._resource import InstantlyResource, args_class

POLL_SECONDS = 1.0
"""How often a waiting create reads the invitation."""
REPORT_SECONDS = 5.0
"""How often it says that it is still waiting."""
DEFAULT_TIMEOUT = 300.0
"""Seconds to wait for acceptance when ``acceptance_timeout`` is not set."""


class SubWorkspaceProvider(InstantlyProvider):
    """Workspace group memberships through ``/api/v2/workspace-group-members``."""

    kind = "group membership"
    creates_verb = "invites"
    listing = GROUP_MEMBERS
    fields = (
        Field(
            "sub_workspace_id",
            "The workspace to bring into the agency's group; a change replaces.",
            Change.REPLACE,
            required=True,
            natural_key=True,
            api=True,
            check=validation.workspace_id,
            place=Place.PROGRAM,
            notice="the other workspace is invited into the agency's group (its owner must accept); the old "
            "membership ends if the stack created it",
        ),
        Field(
            "wait_for_acceptance",
            "Wait during ``pulumi up`` until the sub-workspace's owner accepts (saying so every 5 s).",
            Change.RECORD,
            type_="bool",
            default=False,
            examples=(True, False),
            notice="nothing now: it only decides whether a `pulumi up` waits for a pending invitation",
        ),
        Field(
            "acceptance_timeout",
            "Seconds to wait (default 300). When they run out the invitation stays in the state and the next "
            "``pulumi up`` waits again.",
            Change.RECORD,
            type_="float",
            check=validation.positive_seconds,
            examples=(300.0, 600.0),
            notice="nothing now: it only bounds how long a `pulumi up` waits for acceptance",
        ),
        ADOPT,
        ON_DESTROY,
        Field("status", "``pending``, ``accepted`` or ``rejected``."),
        Field("admin_workspace_id", "The group's admin workspace (the API key's own)."),
        Field("sub_workspace_name", "The member workspace's name."),
        Field("timestamp_created", "When the invitation was sent."),
        ADOPTED,
    )

    def acting_workspace(self, props: Mapping[str, Any]) -> str | None:
        return None  # memberships are managed from the admin (the key's own) workspace

    def target(self, props: Mapping[str, Any], id_: str = "") -> str:
        return f"of workspace {props.get('sub_workspace_id')}"

    def check_live(self, olds: dict[str, Any], news: dict[str, Any]) -> list[CheckFailure]:
        sub = news.get("sub_workspace_id")
        if sub != olds.get("sub_workspace_id") and sub == self.own_workspace():
            return [
                failure(
                    "sub_workspace_id",
                    f"{sub} is the API key's own workspace (the agency's): it is the group's admin and "
                    "cannot be its own sub-workspace; give the client's workspace id",
                )
            ]
        return []

    def matches(self, obj: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        return super().matches(obj, props) and self.alive(obj)

    def alive(self, obj: Mapping[str, Any]) -> bool:
        return obj.get("status") in ("pending", "accepted")

    def duplicate(self, exc: ApiError) -> bool:
        return isinstance(exc, ConflictError)

    def duplicate_hint(self) -> str:
        return (
            "the workspace already has a parent or an invitation, or one of the two workspaces is itself a "
            "sub-workspace (a workspace cannot be an admin and a sub at once); if the membership is this "
            "agency's, set adopt: true"
        )

    def claim(self, props: Mapping[str, Any]) -> tuple[dict[str, Any], bool] | None:
        # This agency's own invitation that is still pending (say, an earlier `pulumi up` was
        # interrupted while it waited): it is what the stack declares, so take it as created.
        found = self.find(props)
        return (found, False) if found is not None and found.get("status") == "pending" else None

    def recover(self, props: Mapping[str, Any], attempts: Attempts) -> tuple[dict[str, Any], bool] | None:
        return self.claim(props) or super().recover(props, attempts)

    # -- waiting ----------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Invite (or adopt), then wait for acceptance when asked to."""
        created = InstantlyProvider.create(self, props)
        outs: dict[str, Any] = created.outs or {}
        if props.get("wait_for_acceptance") and outs.get("status") != "accepted":
            adopted = bool(outs.get(ADOPTED.name))
            member = self.wait(str(created.id), props, adopted=adopted)
            return CreateResult(created.id, self.outs(props, member, adopted=adopted))
        return created

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Nothing to call for the options; wait again if the invitation is still pending."""
        result = InstantlyProvider.update(self, id_, olds, news)
        if news.get("wait_for_acceptance") and (result.outs or {}).get("status") != "accepted":
            adopted = bool(olds.get(ADOPTED.name))
            member = self.wait(id_, {**olds, **news}, adopted=adopted)
            return UpdateResult(self.outs({**olds, **news}, member, adopted=adopted))
        return result

    def wait(self, id_: str, props: dict[str, Any], *, adopted: bool) -> dict[str, Any]:
        """Poll the invitation until it is accepted; keep it in the state if time runs out."""
        timeout = float(props.get("acceptance_timeout") or DEFAULT_TIMEOUT)
        sub = props.get("sub_workspace_id")
        started = time.monotonic()
        reported = -REPORT_SECONDS
        while True:
            member = self.fetch_fresh(id_, props)
            status = member.get("status") if member is not None else "withdrawn"
            if member is None or status == "rejected":
                raise AcceptanceError(
                    f"the invitation of workspace {sub} into the agency's group was {status}: ask its owner "
                    "to accept a new one and run `pulumi up` again (it invites again), or remove "
                    "group_membership"
                )
            if member.get("status") == "accepted":
                return member
            waited = time.monotonic() - started
            if waited >= timeout:
                _grpc.fail_partially(
                    AcceptanceError(
                        f"the invitation of workspace {sub} into the agency's group was not accepted within "
                        f"{timeout:.0f}s. It stays pending and stays in this stack: once its owner accepts, "
                        "run `pulumi up` again (it waits again, for the same invitation); `pulumi destroy` "
                        "withdraws it"
                    ),
                    id_,
                    self.outs(props, member, adopted=adopted),
                    props,
                )
            if waited - reported >= REPORT_SECONDS:
                reported = waited
                print(self.waiting_message(member, waited, timeout), file=sys.stderr, flush=True)
            self.client.sleep(POLL_SECONDS)

    def waiting_message(self, member: Mapping[str, Any], waited: float, timeout: float) -> str:
        """One line: what is awaited, for how long, and how to accept."""
        name = member.get("sub_workspace_name") or "the client"
        how = "its owner accepts it in Instantly (workspace group invitations)"
        base = self.credentials.base_url
        if base.startswith("http://"):  # plain http is only ever allowed for a loopback sandbox
            accept = f"{base}/_sandbox/workspace-group-members/{member['id']}/accept"
            how += f"; on the sandbox: curl -X POST {accept}"
        return (
            f"group-membership: waiting for {name!s} ({member.get('sub_workspace_id')}) to accept the "
            f"agency's invitation, {waited:.0f}s of {timeout:.0f}s — {how}"
        )


class SubWorkspace(InstantlyResource, provider=SubWorkspaceProvider, module="instantly", name="SubWorkspace"):
    """A workspace's membership in the key's workspace group (the key's workspace is the admin).

    ``SubWorkspace(resource_name, args=None, opts=None, **inputs)``; inputs as in :class:`SubWorkspaceArgs`.
    Outputs: every input, plus ``status``, ``admin_workspace_id``, ``sub_workspace_name``,
    ``timestamp_created`` and ``adopted``.
    """


SubWorkspaceArgs = args_class("SubWorkspaceArgs", SubWorkspaceProvider, "Inputs of a SubWorkspace.")
