"""Instantly's vocabulary: roles, scopes, permissions, resource types, and their validators.

The values come from the official OpenAPI spec (``../shared/reference``); a
unit test checks them against it so they cannot drift.
"""

from __future__ import annotations

import re
import uuid
from typing import Final

__all__ = [
    "ACCESS_PRESETS",
    "ASSIGNABLE_ROLES",
    "AUDIT_ACTIVITIES",
    "EMAIL_MAX",
    "PERMISSIONS",
    "RESOURCE_TYPES",
    "SCOPES",
    "full_access_scopes",
    "is_email",
    "is_uuid",
]

ASSIGNABLE_ROLES: Final = ("admin", "editor", "view")
"""Roles the API can grant (``owner`` and ``client`` exist but cannot be assigned through it)."""

_SCOPE_RESOURCES: Final = (
    "all",
    "ai_agents",
    "api_keys",
    "audit_logs",
    "custom_prompt_templates",
    "account_campaign_mappings",
    "campaigns",
    "inbox_placement_tests",
    "inbox_placement_analytics",
    "inbox_placement_reports",
    "lead_lists",
    "leads",
    "background-jobs",
    "custom_tags",
    "custom_tag_mappings",
    "crm_actions",
    "accounts",
    "block_list_entries",
    "lead-labels",
    "email_verifications",
    "emails",
    "email_templates",
    "workspaces",
    "workspace_billing",
    "workspace_group_members",
    "workspace_members",
    "subsequences",
    "ai_sdr",
    "ai_sdr_replies",
    "ai_inbox_manager_analytics",
    "sales_flows",
    "webhooks",
    "webhook_events",
    "security_tokens",
    "dfy_email_account_orders",
    "auth",
)
# email_verifications is the one resource without update and delete.
SCOPES: Final = frozenset(
    f"{res}:{action}"
    for res in _SCOPE_RESOURCES
    for action in ("all", "create", "read", "update", "delete")
    if not (res == "email_verifications" and action in ("update", "delete"))
)
"""The 178 documented API key scope strings."""

PERMISSIONS: Final = frozenset(
    {
        "dashboard.view",
        "campaigns.view",
        "campaigns.create",
        "campaigns.edit",
        "campaigns.delete",
        "organization.manage",
        "organization.integrations",
        "organization.billing",
        "organization.users.manage",
        "leadFinder.view",
        "customLeadLabels.create",
        "customLeadLabels.edit",
        "customLeadLabels.delete",
        "unibox.all",
        "analytics.view",
        "websiteChat.view",
        "websiteChat.manage",
        "agency.manage",
        "accounts.view",
        "accounts.manage",
        "leadManagement.view",
        "leads.move",
        "crm.view",
        "websiteVisitors.view",
        "blocklist.manage",
        "preferences.manage",
        "inboxPlacement.view",
        "aiAgents.manage",
        "workspaceGroupMembers.invite",
        "workspaceGroupMembers.remove",
        "workspaceGroupMembers.leave",
    }
)
"""The 31 workspace member permissions."""

ACCESS_PRESETS: Final[dict[str, tuple[str, tuple[str, ...] | None]]] = {
    # Full access to everything; the role grants it, a permission list cannot add to it.
    "admin": ("admin", None),
    # Campaigns and leads: create and edit; accounts, API keys and members: view (where the API
    # can say so); webhooks: create (editors can; there is no webhook permission to narrow it).
    "manager": (
        "editor",
        (
            "dashboard.view",
            "campaigns.view",
            "campaigns.create",
            "campaigns.edit",
            "leadManagement.view",
            "leads.move",
            "customLeadLabels.create",
            "customLeadLabels.edit",
            "accounts.view",
            "analytics.view",
            "unibox.all",
        ),
    ),
    # Campaigns: launch and pause (campaigns.edit: the API has no launch-only permission);
    # leads: import and work them; accounts: view; nothing else.
    "sdr": (
        "editor",
        (
            "dashboard.view",
            "campaigns.view",
            "campaigns.edit",
            "leadManagement.view",
            "leads.move",
            "accounts.view",
            "unibox.all",
        ),
    ),
    # Read-only on campaigns, leads and accounts.
    "viewer": (
        "view",
        ("dashboard.view", "campaigns.view", "leadManagement.view", "accounts.view", "analytics.view"),
    ),
}
"""Access presets (shared/rbac-guide.md's matrix): persona → (role, permissions or None).

docs/reference/access-presets.md shows the mapping cell by cell and where the
API cannot express a cell exactly."""

AUDIT_ACTIVITIES: Final[dict[int, str]] = {
    1: "User login",
    2: "Lead deletion",
    3: "Campaign deletion",
    4: "Campaign launch",
    5: "Campaign pause",
    6: "Account addition",
    7: "Account deletion",
    8: "Lead moved",
    9: "Lead added",
    10: "Lead merged",
    11: "Campaign update",
    12: "Subsequence update",
    18: "Webhook created",
    19: "Webhook updated",
    20: "Webhook marked as error",
    21: "Webhook resumed",
    22: "TOTP enrollment started",
    23: "TOTP enabled",
    24: "TOTP replacement started",
    25: "TOTP replaced",
    26: "TOTP disabled",
    27: "MFA recovery codes generated",
    28: "MFA recovery code used",
    29: "MFA login challenge failed",
    30: "MFA login challenge failed too many times",
    31: "MFA login succeeded",
    32: "Subscriber import started",
    33: "Subscriber import cancelled",
    34: "Lead exported",
    35: "SuperSearch enrichment created",
    36: "Account update",
    37: "API key created",
    38: "API key deleted",
    40: "Domain forwarding updated",
}
"""Audit-log ``activity_type`` numbers and their names (13 to 17 and 39 do not exist)."""

RESOURCE_TYPES: Final = {"account": 1, "campaign": 2}
"""Readable tag resource types and the API's numbers for them (accounts are identified by email)."""

EMAIL_MAX: Final = 254
"""Characters of an email address at most: RFC 5321's path limit."""

# The spec's `format: email` as the API's validator checks it (AJV's ajv-formats, "full" mode),
# anchored as JavaScript's `^…$` is and ASCII-only as its /i is; the sandbox states the same
# (instantly_sandbox/limits.py; tests/unit/test_input_limits_agree.py keeps the two equal).
_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?",
    re.IGNORECASE | re.ASCII,
)


def is_email(value: str) -> bool:
    """Whether ``value`` is an email address the API accepts (its ``format: email``, at most 254)."""
    return isinstance(value, str) and len(value) <= EMAIL_MAX and _EMAIL.fullmatch(value) is not None


def is_uuid(value: str) -> bool:
    """Whether ``value`` is a UUID in its canonical hyphenated form."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False


def full_access_scopes(scopes: list[str]) -> list[str]:
    """The scopes among ``scopes`` that reach every resource (``all:*``)."""
    return [s for s in scopes if s.startswith("all:")]
