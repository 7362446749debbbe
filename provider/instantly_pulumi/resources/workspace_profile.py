"""WorkspaceProfile: a client workspace's own settings, the ones a white-label agency sets per client.

``name`` and ``org_logo_url`` change in place through ``PATCH /workspaces/current``, acting in the
client (``x-as-workspace``). The workspace always exists, so the profile is always adopted (one
PATCH for what differs, nothing when it matches) and ``destroy`` leaves the workspace as it is.
A stack file declares it under the client's ``profile:`` key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from instantly_pulumi import validation
from instantly_pulumi.errors import NotFoundError, PermissionDeniedError
from instantly_pulumi.reader import PROFILE
from instantly_pulumi.resources import _grpc
from instantly_pulumi.resources._base import has_unknown
from instantly_pulumi.resources._fields import ADOPTED, ALLOW_AGENCY, WORKSPACE_ID, Change, Field
from instantly_pulumi.resources._provider import InstantlyProvider
from instantly_pulumi.resources._resource import InstantlyResource, args_class


def workspace_name(value: Any) -> str:
    """A workspace's name: text that is not blank, one line of at most ``validation.NAME_MAX``."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a workspace name (expected text)")
    if not value.strip():
        raise ValueError("must not be blank: the workspace is shown by this name")
    return validation.display_text(value, validation.NAME_MAX)


def logo_url(value: Any) -> str:
    """An absolute http(s) URL of an image (leave the key out for no logo)."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"{value!r} is not an http(s) URL such as https://cdn.example.com/acme.png "
            "(leave org_logo_url out for no logo)"
        )
    return str(value)


class WorkspaceProfileProvider(InstantlyProvider):
    """The current workspace through ``/api/v2/workspaces/current`` (one object, no id in the path)."""

    kind = "workspace profile"
    path = PROFILE
    stack_key = "profile"
    always_adopts = True
    singleton = True
    fields = (
        Field(
            "name",
            "The workspace's name (one line of at most 255 characters), as its members and the agency's "
            "client list show it; changes in place.",
            Change.PATCH,
            required=True,
            api=True,
            check=workspace_name,
            examples=("Hooli", "Hooli XYZ"),
            notice="everyone in the workspace sees the new name; nothing else changes",
        ),
        Field(
            "org_logo_url",
            "The URL of the workspace's logo (white label); None for no logo. Changes in place.",
            Change.PATCH,
            api=True,
            check=logo_url,
            examples=("https://cdn.example.com/hooli.png", "https://cdn.example.com/hooli-2027.png"),
            notice="the workspace shows the new logo; a key left out removes it",
        ),
        WORKSPACE_ID,
        ALLOW_AGENCY,
        Field("owner", "The user id of the workspace's owner."),
        Field("plan_id", "The workspace's plan."),
        Field("timestamp_created", "When the workspace was created."),
        Field("timestamp_updated", "When the workspace last changed."),
        ADOPTED,
    )

    def label(self, props: Mapping[str, Any], id_: str = "") -> str:
        # No natural key: the declared name says which workspace a message is about.
        name = props.get("name")
        return repr(name) if isinstance(name, str) else (id_ or "?")

    def announce(self, news: Mapping[str, Any]) -> None:
        # Pulumi shows the first `up` as `+ create`; a person should know it creates nothing.
        if any(has_unknown(v) for v in news.values()):
            return
        try:
            current = self.find(news)
        except (PermissionDeniedError, NotFoundError):
            current = None  # not readable yet (a group invitation still pending): decided at `up`
        if current is None:
            return
        changes = self.patch_body(current, news)
        then = f"one update sets {', '.join(changes)}" if changes else "nothing is written"
        _grpc.note(f"the workspace's profile is taken over as it is ({current.get('id')}): {then}")


class WorkspaceProfile(
    InstantlyResource, provider=WorkspaceProfileProvider, module="instantly", name="WorkspaceProfile"
):
    """A client workspace's name and logo.

    ``WorkspaceProfile(resource_name, args=None, opts=None, **inputs)``; inputs as in
    :class:`WorkspaceProfileArgs`. Outputs: every input, plus ``owner``, ``plan_id``,
    ``timestamp_created``, ``timestamp_updated`` and ``adopted`` (always true). ``destroy`` leaves
    the workspace and its profile as they are.
    """


WorkspaceProfileArgs = args_class(
    "WorkspaceProfileArgs", WorkspaceProfileProvider, "Inputs of a WorkspaceProfile."
)
