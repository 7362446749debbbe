"""The route tables: every ``/api/v2`` operation and every ``/_sandbox`` route, with its handler.

Order matters: the literal paths (``/workspace-group-members/admin``,
``/custom-tags/toggle-resource``) come before the ``{id}`` paths they would
otherwise match. Each API route names its operationId in the official spec,
from which the gate takes its scopes, query parameters and body schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from instantly_sandbox import control as c
from instantly_sandbox import handlers as h
from instantly_sandbox.control import ControlCall
from instantly_sandbox.gate import Call
from instantly_sandbox.sandbox import Sandbox
from instantly_sandbox.store import Store

API = "/api/v2"
CONTROL = "/_sandbox"


@dataclass(frozen=True)
class Route:
    """An Instantly API operation: method, path, operationId and handler."""

    method: str
    path: str
    operation: str
    handler: Callable[[Store, Call], Any]


@dataclass(frozen=True)
class ControlRoute:
    """A control-plane route: method, path and handler."""

    method: str
    path: str
    handler: Callable[[Sandbox, ControlCall], Any]


API_ROUTES = (
    Route("POST", f"{API}/workspace-members", "createWorkspaceMember", h.create_member),
    Route("GET", f"{API}/workspace-members", "listWorkspaceMember", h.list_members),
    Route("GET", f"{API}/workspace-members/{{id}}", "getWorkspaceMember", h.get_member),
    Route("PATCH", f"{API}/workspace-members/{{id}}", "patchWorkspaceMember", h.patch_member),
    Route("DELETE", f"{API}/workspace-members/{{id}}", "deleteWorkspaceMember", h.delete_member),
    Route("POST", f"{API}/api-keys", "createAPIKey", h.create_key),
    Route("GET", f"{API}/api-keys", "listAPIKey", h.list_keys),
    Route("DELETE", f"{API}/api-keys/{{id}}", "deleteAPIKey", h.delete_key),
    Route("POST", f"{API}/workspace-group-members", "createWorkspaceGroupMember", h.invite),
    Route("GET", f"{API}/workspace-group-members", "listWorkspaceGroupMember", h.list_group),
    Route("GET", f"{API}/workspace-group-members/admin", "getAdminWorkspaceGroupMember", h.admin_of),
    Route("GET", f"{API}/workspace-group-members/{{id}}", "getWorkspaceGroupMember", h.get_group),
    Route("DELETE", f"{API}/workspace-group-members/{{id}}", "deleteWorkspaceGroupMember", h.delete_group),
    Route("POST", f"{API}/custom-tags/toggle-resource", "toggleTagResource", h.toggle),
    Route("POST", f"{API}/custom-tags", "createCustomTag", h.create_tag),
    Route("GET", f"{API}/custom-tags", "listCustomTag", h.list_tags),
    Route("GET", f"{API}/custom-tags/{{id}}", "getCustomTag", h.get_tag),
    Route("PATCH", f"{API}/custom-tags/{{id}}", "patchCustomTag", h.patch_tag),
    Route("DELETE", f"{API}/custom-tags/{{id}}", "deleteCustomTag", h.delete_tag),
    Route("GET", f"{API}/custom-tag-mappings", "listCustomTagMapping", h.list_mappings),
    Route("GET", f"{API}/audit-logs", "listAuditLog", h.list_audit_logs),
    Route("GET", f"{API}/workspaces/current", "getWorkspace", h.get_current),
    Route("PATCH", f"{API}/workspaces/current", "patchWorkspace", h.patch_current),
    Route("POST", f"{API}/workspaces/current/change-owner", "changeWorkspaceOwner", h.change_owner),
    Route("POST", f"{API}/campaigns", "createCampaign", h.create_campaign),
    Route("GET", f"{API}/campaigns", "listCampaign", h.list_campaigns),
    Route("GET", f"{API}/campaigns/{{id}}", "getCampaign", h.get_campaign),
    Route("POST", f"{API}/accounts", "createAccount", h.create_account),
    Route("GET", f"{API}/accounts", "listAccount", h.list_accounts),
    Route("GET", f"{API}/accounts/{{email}}", "getAccount", h.get_account),
)

CONTROL_ROUTES = (
    ControlRoute("GET", f"{CONTROL}/health", c.health),
    ControlRoute("POST", f"{CONTROL}/workspaces", c.create_workspace),
    ControlRoute("GET", f"{CONTROL}/workspaces/{{id}}", c.get_workspace),
    ControlRoute("PUT", f"{CONTROL}/workspaces/{{id}}/plan", c.set_plan),
    ControlRoute("POST", f"{CONTROL}/workspaces/{{id}}/audit-logs", c.record_audit_log),
    ControlRoute("POST", f"{CONTROL}/workspace-group-members/{{id}}/accept", c.accept_group_member),
    ControlRoute("POST", f"{CONTROL}/workspace-group-members/{{id}}/reject", c.reject_group_member),
    ControlRoute("POST", f"{CONTROL}/workspace-members/{{id}}/accept", c.accept_member),
    ControlRoute("GET", f"{CONTROL}/requests", c.requests),
    ControlRoute("DELETE", f"{CONTROL}/requests", c.clear_requests),
    ControlRoute("PUT", f"{CONTROL}/faults", c.set_faults),
    ControlRoute("DELETE", f"{CONTROL}/faults", c.clear_faults),
    ControlRoute("GET", f"{CONTROL}/limits", c.get_limits),
    ControlRoute("PUT", f"{CONTROL}/limits", c.set_limits),
    ControlRoute("GET", f"{CONTROL}/state", c.state),
    ControlRoute("POST", f"{CONTROL}/reset", c.reset),
)
