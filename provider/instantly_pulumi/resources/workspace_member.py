"""WorkspaceMember: a person invited into a workspace with a role.

Role and nickname change in place (PATCH); email, permissions and the
workspace replace the member (the API cannot change them). With ``adopt``, an
existing member with the same email is taken over instead of invited again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instantly_pulumi import validation
from instantly_pulumi.errors import ApiError, BadRequestError
from instantly_pulumi.reader import MEMBERS
from instantly_pulumi.resources._fields import (
    ADOPT,
    ADOPTED,
    ALLOW_AGENCY,
    ON_DESTROY,
    WORKSPACE_ID,
    Change,
    Field,
    casefold,
)
from instantly_pulumi.resources._provider import InstantlyProvider
from instantly_pulumi.resources._resource import InstantlyResource, args_class


class WorkspaceMemberProvider(InstantlyProvider):
    """Workspace members through ``/api/v2/workspace-members``."""

    kind = "workspace member"
    creates_verb = "invites"
    listing = MEMBERS
    fields = (
        Field(
            "email",
            "The member's email, their identity; a change replaces the member (a new invitation).",
            Change.REPLACE,
            required=True,
            natural_key=True,
            api=True,
            check=validation.email,
            norm=casefold,
            examples=("ana@client.example", "ana.new@client.example"),
            notice="a different person: the new email gets an invitation it must accept; the old one "
            "loses access (or, if it was adopted, stays as it is)",
        ),
        Field(
            "role",
            "``admin``, ``editor`` or ``view``; changes in place.",
            Change.PATCH,
            required=True,
            api=True,
            check=validation.role,
            examples=("editor", "view", "admin"),
            notice="the new role applies at once; no email, nothing to accept",
        ),
        Field(
            "nickname",
            "A private nickname shown to the workspace owner (at most 80 characters); changes in place.",
            Change.PATCH,
            api=True,
            check=validation.nickname,
            examples=("Ana", "Ana (SDR lead)"),
            notice="the workspace owner sees the new nickname; the member notices nothing",
        ),
        Field(
            "permissions",
            "Fine-grained permissions (e.g. ``campaigns.view``); the API cannot change them, so a change "
            "replaces the member: removed, then invited again.",
            Change.REPLACE,
            type_="list[str]",
            as_set=True,
            api=True,
            check=validation.permissions,
            examples=(["campaigns.view"], ["campaigns.view", "analytics.view"]),
            notice="the member is removed and invited again with the new permissions: they get a new "
            "invitation and must accept it; until they do, they have no access",
        ),
        WORKSPACE_ID,
        ALLOW_AGENCY,
        ADOPT,
        ON_DESTROY,
        Field("accepted", "Whether the invitation has been accepted.", type_="bool"),
        Field("user_id", "The Instantly user id."),
        Field("timestamp_created", "When the member was added."),
        ADOPTED,
    )

    def search_params(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {"search": props.get("email")}

    def matches(self, obj: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        # The API's search is a substring match over names and emails: compare exactly,
        # and only within the workspace acted in.
        ws = self.acting_workspace(props)
        return super().matches(obj, props) and (ws is None or obj.get("workspace_id") in (None, ws))

    def duplicate(self, exc: ApiError) -> bool:
        return isinstance(exc, BadRequestError) and "already exists" in exc.server_message


class WorkspaceMember(
    InstantlyResource, provider=WorkspaceMemberProvider, module="instantly", name="WorkspaceMember"
):
    """A member of an Instantly workspace.

    ``WorkspaceMember(resource_name, args=None, opts=None, **inputs)``; inputs as in
    :class:`WorkspaceMemberArgs`. Outputs: every input, plus ``accepted``,
    ``user_id``, ``timestamp_created`` and ``adopted``.
    """


WorkspaceMemberArgs = args_class(
    "WorkspaceMemberArgs", WorkspaceMemberProvider, "Inputs of a WorkspaceMember."
)
