"""WorkspaceMember: a person invited into a workspace with a role.

Role and nickname change in place (PATCH); email, permissions and the
workspace replace the member (the API cannot change them). With ``adopt``,
an existing member with the same email is taken over instead of invited again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from instantly_pulumi import models
from instantly_pulumi.errors import BadRequestError, NotFoundError, TransportError
from instantly_pulumi.resources._base import InstantlyProvider, failure, is_unknown, merge_inputs

PATH = "/workspace-members"


@dataclass
class WorkspaceMemberArgs:
    """Inputs of a :class:`WorkspaceMember`."""

    email: pulumi.Input[str]
    """The member's email; changing it replaces the member (a new invitation)."""
    role: pulumi.Input[str]
    """``admin``, ``editor`` or ``view``; changes in place."""
    nickname: pulumi.Input[str] | None = None
    """A private nickname shown to the workspace owner (at most 80 characters); changes in place."""
    permissions: pulumi.Input[list[str]] | None = None
    """Fine-grained permissions (e.g. ``campaigns.view``); the API cannot change them: a change replaces."""
    workspace_id: pulumi.Input[str] | None = None
    """Act in this (client) workspace through ``x-as-workspace``; a change replaces."""
    adopt: pulumi.Input[bool] = False
    """Take over an existing member with this email instead of inviting again."""


class WorkspaceMemberProvider(InstantlyProvider):
    """CRUD of workspace members through ``/api/v2/workspace-members``."""

    kind = "workspace member"
    inputs = ("email", "role", "nickname", "permissions", "workspace_id", "adopt")
    replace_on = ("email", "permissions", "workspace_id")
    set_fields = ("permissions",)

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        out = []
        email, role, nickname = news.get("email"), news.get("role"), news.get("nickname")
        if not is_unknown(email) and not (isinstance(email, str) and models.is_email(email)):
            out.append(failure("email", f"{email!r} is not an email address"))
        if not is_unknown(role) and role not in models.ASSIGNABLE_ROLES:
            out.append(
                failure(
                    "role",
                    f"{role!r} must be one of admin, editor, view (owner and client cannot be granted)",
                )
            )
        if isinstance(nickname, str) and len(nickname) > 80:
            out.append(failure("nickname", "must be at most 80 characters"))
        perms = news.get("permissions")
        if perms is not None and not is_unknown(perms):
            bad = [p for p in perms if not is_unknown(p) and p not in models.PERMISSIONS]
            if bad:
                out.append(failure("permissions", f"{bad} are not Instantly permissions"))
        return out

    def equivalent(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        if field == "email" and isinstance(olds.get("email"), str) and isinstance(news.get("email"), str):
            return str(olds["email"]).lower() == str(news["email"]).lower()
        # Adoption is how an object came under management, not part of it.
        return field == "adopt"

    def _outs(self, props: dict[str, Any], member: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.pick_inputs(props),
            "email": member.get("email", props.get("email")),
            "role": member.get("role"),
            "nickname": member.get("nickname"),
            "permissions": member.get("permissions") or props.get("permissions"),
            "accepted": bool(member.get("accepted")),
            "user_id": member.get("user_id"),
            "timestamp_created": member.get("timestamp_created"),
        }

    def _find(self, email: str, ws: str | None) -> dict[str, Any] | None:
        """The member with this email, from one filtered list."""
        for member in self.client.paginate(
            PATH,
            operation="find workspace member",
            target=self.target(email, ws),
            workspace_id=ws,
            params={"search": email},
        ):
            if str(member.get("email", "")).lower() == email.lower():
                return member
        return None

    def _reconcile(self, member: dict[str, Any], props: dict[str, Any], ws: str | None) -> dict[str, Any]:
        """One PATCH to bring an adopted member to the declared role and nickname, if needed."""
        patch = {
            k: props.get(k)
            for k in ("role", "nickname")
            if props.get(k) is not None and member.get(k) != props.get(k)
        }
        return self._patch(member["id"], patch, props["email"], ws) if patch else member

    def _patch(self, id_: str, body: dict[str, Any], email: str, ws: str | None) -> dict[str, Any]:
        """One PATCH of the role and/or nickname."""
        updated: dict[str, Any] = self.client.request(
            "PATCH",
            f"{PATH}/{id_}",
            operation="update workspace member",
            target=self.target(email, ws),
            workspace_id=ws,
            json=body,
        )
        return updated

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Invite (one POST), or with ``adopt`` take over by email (one list, at most one PATCH)."""
        ws, email = props.get("workspace_id"), props["email"]
        if props.get("adopt"):
            existing = self._find(email, ws)
            if existing is not None:
                member = self._reconcile(existing, props, ws)
                return CreateResult(member["id"], self._outs(props, member))
        body = {k: props[k] for k in ("email", "role", "nickname", "permissions") if props.get(k) is not None}
        try:
            member = self.client.request(
                "POST",
                PATH,
                operation="invite workspace member",
                target=self.target(email, ws),
                workspace_id=ws,
                json=body,
            )
        except TransportError:
            # The invitation may have landed before the connection dropped: find it rather
            # than invite twice.
            found = self._find(email, ws)
            if found is None:
                raise
            member = self._reconcile(found, props, ws)
        except BadRequestError as exc:
            if "already exists" in exc.server_message:
                raise BadRequestError(
                    exc.operation,
                    exc.target,
                    exc.status,
                    exc.server_message,
                    "set adopt: true to take the existing member over",
                ) from None
            raise
        return CreateResult(member["id"], self._outs(props, member))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET; a member that is gone reads as deleted."""
        ws = props.get("workspace_id")
        try:
            member = self.client.request(
                "GET",
                f"{PATH}/{id_}",
                operation="read workspace member",
                target=self.target(props.get("email") or id_, ws),
                workspace_id=ws,
            )
        except NotFoundError:
            return ReadResult("", {})
        outs = self._outs(props, member)
        return ReadResult(id_, outs, self.pick_inputs(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """One PATCH of the role and/or nickname that changed."""
        ws = news.get("workspace_id")
        patch = {k: news.get(k) for k in ("role", "nickname") if olds.get(k) != news.get(k)}
        member = self._patch(id_, patch, news["email"], ws) if patch else dict(olds)
        return UpdateResult({**self._outs(news, {**olds, **member}), **self.pick_inputs(news)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """One DELETE; already gone is fine."""
        ws = props.get("workspace_id")
        self.ignore_missing(
            lambda: self.client.request(
                "DELETE",
                f"{PATH}/{id_}",
                operation="remove workspace member",
                target=self.target(props.get("email") or id_, ws),
                workspace_id=ws,
            )
        )


class WorkspaceMember(Resource, module="instantly", name="WorkspaceMember"):
    """A member of an Instantly workspace.

    ``WorkspaceMember(resource_name, args=None, opts=None, **inputs)``; inputs as in
    :class:`WorkspaceMemberArgs`.
    """

    email: pulumi.Output[str]
    """The member's email."""
    role: pulumi.Output[str]
    """The member's role."""
    nickname: pulumi.Output[str | None]
    """The member's nickname."""
    permissions: pulumi.Output[list[str] | None]
    """The member's permissions."""
    workspace_id: pulumi.Output[str | None]
    """The workspace acted in (None: the key's own)."""
    adopt: pulumi.Output[bool]
    """Whether an existing member was allowed to be taken over."""
    accepted: pulumi.Output[bool]
    """Whether the invitation has been accepted."""
    user_id: pulumi.Output[str]
    """The Instantly user id."""
    timestamp_created: pulumi.Output[str]
    """When the member was added."""

    def __init__(
        self,
        resource_name: str,
        args: WorkspaceMemberArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **inputs: Any,
    ) -> None:
        props = merge_inputs("WorkspaceMember", args, inputs, ("email", "role"))
        props.setdefault("adopt", False)
        props.update(accepted=None, user_id=None, timestamp_created=None)
        super().__init__(WorkspaceMemberProvider(), resource_name, props, opts)
