"""One error tree for everything the Instantly API can answer.

::

    InstantlyError                      base; never carries an API key
    ├── ConfigurationError              no key, a bad base URL (not https and not loopback)
    ├── TransportError                  no answer: connection refused, timeout, dropped connection
    └── ApiError                        the API answered with an error status
        ├── BadRequestError             400 (validation, duplicates, self-revocation)
        ├── AuthenticationError         401 (missing, invalid or revoked key)
        ├── PaymentRequiredError        402 (no active paid plan)
        ├── PermissionDeniedError       403 (missing scope, x-as-workspace not allowed)
        ├── NotFoundError               404
        ├── ConflictError               409 (duplicate tag label, group hierarchy)
        ├── RateLimitError              429 (carries retry_after)
        └── ServerError                 5xx

Every message names the operation, the object, the status and the server's
message. :func:`error_for` is the single place where HTTP answers become
errors.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "InstantlyError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "error_for",
]


class InstantlyError(Exception):
    """Base of every error this package raises."""


class ConfigurationError(InstantlyError):
    """The provider is not configured well enough to call the API."""


class TransportError(InstantlyError):
    """The request got no HTTP answer (connect error, timeout, dropped connection)."""

    def __init__(self, operation: str, target: str, reason: str) -> None:
        self.operation = operation
        self.target = target
        super().__init__(f"{operation} {target}: no answer from the Instantly API ({reason})")


class ApiError(InstantlyError):
    """The API answered ``status`` with the error body ``{statusCode, error, message}``."""

    status: int = 0

    def __init__(self, operation: str, target: str, status: int, message: str, hint: str = "") -> None:
        self.operation = operation
        """What was being done, e.g. ``create API key``."""
        self.target = target
        """The object, e.g. ``"crm-sync" in workspace 019a…``."""
        self.status = status
        """The HTTP status."""
        self.server_message = message
        """The API's own ``message``."""
        text = f"{operation} {target}: HTTP {status}: {message}"
        if hint:
            text += f" — {hint}"
        super().__init__(text)


class BadRequestError(ApiError):
    """400: the request was refused as invalid."""


class AuthenticationError(ApiError):
    """401: the key is missing, invalid or revoked."""


class PaymentRequiredError(ApiError):
    """402: the workspace has no active paid plan."""


class PermissionDeniedError(ApiError):
    """403: the key lacks a scope, or may not act as that workspace."""


class NotFoundError(ApiError):
    """404: no such object (or not visible to this key)."""


class ConflictError(ApiError):
    """409: a duplicate or a workspace-group hierarchy conflict."""


class RateLimitError(ApiError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the API failed."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}

_HINTS: dict[int, str] = {
    401: "check instantly:apiKey (or INSTANTLY_API_KEY); the key may have been revoked",
    402: "the workspace needs an active paid plan",
    403: "give the agency key the missing scope, or make sure the client's group membership is accepted",
    429: "the workspace's rate limit (100/s, 6,000/min) was exceeded",
}


def error_for(
    operation: str,
    target: str,
    status: int,
    body: Any,
    retry_after: float | None = None,
    hint: str = "",
) -> ApiError:
    """The error for an HTTP error answer; ``body`` is the decoded JSON or the raw text."""
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("error") or "no message")
    else:
        message = str(body or "no message").strip()[:300]
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    hint = hint or _HINTS.get(status, "")
    if cls is RateLimitError:
        return RateLimitError(operation, target, status, message, hint, retry_after=retry_after)
    return cls(operation, target, status, message, hint)
