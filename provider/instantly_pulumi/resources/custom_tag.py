"""CustomTag: a label for campaigns and email accounts.

Label and description change in place (PATCH); the workspace replaces. Labels
are unique per workspace after trimming (a duplicate is a 409), so ``adopt``
takes over an existing tag with the same trimmed label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instantly_pulumi import validation
from instantly_pulumi.errors import ApiError, ConflictError
from instantly_pulumi.reader import TAGS
from instantly_pulumi.resources._fields import (
    ADOPT,
    ADOPTED,
    ALLOW_AGENCY,
    ON_DESTROY,
    WORKSPACE_ID,
    Change,
    Field,
    trimmed,
)
from instantly_pulumi.resources._provider import InstantlyProvider
from instantly_pulumi.resources._resource import InstantlyResource, args_class


class CustomTagProvider(InstantlyProvider):
    """Custom tags through ``/api/v2/custom-tags``."""

    kind = "custom tag"
    listing = TAGS
    fields = (
        Field(
            "label",
            "The tag's label: one line of at most 255 characters, unique in the workspace after trimming; "
            "changes in place.",
            Change.PATCH,
            required=True,
            natural_key=True,
            api=True,
            check=validation.label,
            norm=trimmed,
            examples=("Outbound", "Outbound EMEA"),
            notice="the same tag shows its new label (with `renamed_from:` in the stack file); its "
            "campaigns and accounts keep it",
        ),
        Field(
            "description",
            "Free text shown with the tag; changes in place.",
            Change.PATCH,
            api=True,
            examples=("Q4 push", "Q1 push"),
            notice="the tag's description changes; nothing else",
        ),
        WORKSPACE_ID,
        ALLOW_AGENCY,
        ADOPT,
        ON_DESTROY,
        Field("organization_id", "The workspace the tag belongs to."),
        Field("timestamp_created", "When the tag was created."),
        Field("timestamp_updated", "When the tag last changed."),
        ADOPTED,
    )

    def body(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {**super().body(props), "label": trimmed(props.get("label"))}

    def search_params(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {"search": trimmed(props.get("label"))}

    def matches(self, obj: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        # The API's search is a substring match ("Outbound" finds "Outbound 2024"): compare exactly.
        ws = self.acting_workspace(props)
        return super().matches(obj, props) and (ws is None or obj.get("organization_id") in (None, ws))

    def duplicate(self, exc: ApiError) -> bool:
        return isinstance(exc, ConflictError)


class CustomTag(InstantlyResource, provider=CustomTagProvider, module="instantly", name="CustomTag"):
    """A custom tag of a workspace.

    ``CustomTag(resource_name, args=None, opts=None, **inputs)``; inputs as in :class:`CustomTagArgs`.
    Outputs: every input, plus ``organization_id``, ``timestamp_created``,
    ``timestamp_updated`` and ``adopted``.
    """


CustomTagArgs = args_class("CustomTagArgs", CustomTagProvider, "Inputs of a CustomTag.")
