"""Pulumi dynamic resources for Instantly API v2 workspaces.

``from instantly_pulumi import WorkspaceMember, ApiKey, SubWorkspace, CustomTag, TagAssignment``
"""

from instantly_pulumi.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InstantlyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)
from instantly_pulumi.resources.api_key import ApiKey, ApiKeyArgs
from instantly_pulumi.resources.custom_tag import CustomTag, CustomTagArgs
from instantly_pulumi.resources.sub_workspace import SubWorkspace, SubWorkspaceArgs
from instantly_pulumi.resources.tag_assignment import TagAssignment, TagAssignmentArgs
from instantly_pulumi.resources.workspace_member import WorkspaceMember, WorkspaceMemberArgs

__all__ = [
    "ApiError",
    "ApiKey",
    "ApiKeyArgs",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "CustomTag",
    "CustomTagArgs",
    "InstantlyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "SubWorkspace",
    "SubWorkspaceArgs",
    "TagAssignment",
    "TagAssignmentArgs",
    "TransportError",
    "WorkspaceMember",
    "WorkspaceMemberArgs",
]
