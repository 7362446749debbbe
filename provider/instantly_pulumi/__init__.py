"""Pulumi dynamic resources for Instantly API v2 workspaces.

``from instantly_pulumi import WorkspaceMember, ApiKey, SubWorkspace, CustomTag, TagAssignment,
WorkspaceProfile``

Every error this package raises belongs to one tree rooted at
:class:`InstantlyError` (see :mod:`instantly_pulumi.errors`).
"""

from instantly_pulumi.errors import (
    AcceptanceError,
    AdoptionError,
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ConvergenceError,
    InstantlyError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ReplacementError,
    SelfRevocationError,
    ServerError,
    StackFileError,
    TransportError,
    UnexpectedAnswerError,
)
from instantly_pulumi.resources.api_key import ApiKey, ApiKeyArgs
from instantly_pulumi.resources.custom_tag import CustomTag, CustomTagArgs
from instantly_pulumi.resources.sub_workspace import SubWorkspace, SubWorkspaceArgs
from instantly_pulumi.resources.tag_assignment import TagAssignment, TagAssignmentArgs
from instantly_pulumi.resources.workspace_member import WorkspaceMember, WorkspaceMemberArgs
from instantly_pulumi.resources.workspace_profile import WorkspaceProfile, WorkspaceProfileArgs

__all__ = [
    "AcceptanceError",
    "AdoptionError",
    "ApiError",
    "ApiKey",
    "ApiKeyArgs",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ConvergenceError",
    "CustomTag",
    "CustomTagArgs",
    "InstantlyError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReplacementError",
    "SelfRevocationError",
    "ServerError",
    "StackFileError",
    "SubWorkspace",
    "SubWorkspaceArgs",
    "TagAssignment",
    "TagAssignmentArgs",
    "TransportError",
    "UnexpectedAnswerError",
    "WorkspaceMember",
    "WorkspaceMemberArgs",
    "WorkspaceProfile",
    "WorkspaceProfileArgs",
]
