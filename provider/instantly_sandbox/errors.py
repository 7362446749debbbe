"""The sandbox's API errors, one class per error the Instantly API answers.

Each renders the real API's body ``{"statusCode", "error", "message"}``; the
store and the control plane raise them, and the app turns them into responses
in one place (``app.py``)::

    ApiError(status, message, headers)
    ├── BadRequestError          400  validation, and the rules the API answers with 400
    ├── UnauthorizedError        401  missing, invalid or revoked key (one message for all)
    ├── PaymentRequiredError     402  the workspace's plan lacks the feature
    ├── ForbiddenError           403  a missing scope, an x-as-workspace the key may not use,
    │                            a wrong security token, a non-loopback control-plane client
    ├── NotFoundError            404  an unknown id, or an unknown route
    ├── ConflictError            409  duplicate tag label, workspace-group hierarchy
    ├── PayloadTooLargeError     413  a body over the limit (Fastify's default bodyLimit, 1 MiB)
    └── TooManyRequestsError     429  with ``Retry-After`` in seconds
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

__all__ = [
    "ApiError",
    "BadRequestError",
    "ConflictError",
    "ForbiddenError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "TooManyRequestsError",
    "UnauthorizedError",
]


class ApiError(Exception):
    """An error answer of the Instantly API: a status, a message and extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    phrase: str | None = None
    """The ``error`` text where Node's reason phrase differs from Python's (else Python's)."""

    def body(self) -> dict[str, Any]:
        """The JSON body the real API sends."""
        error = self.phrase or HTTPStatus(self.status).phrase
        return {"statusCode": self.status, "error": error, "message": self.message}


class BadRequestError(ApiError):
    """400, e.g. ``body must have required property 'email'``."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class UnauthorizedError(ApiError):
    """401 for a missing, invalid or revoked key (the API says the same for all three)."""

    def __init__(self) -> None:
        super().__init__(401, "Missing Authorization header")


class PaymentRequiredError(ApiError):
    """402: the workspace's plan does not include what was asked for."""

    def __init__(self, message: str = "Workspace does not have an active paid plan") -> None:
        super().__init__(402, message)


class ForbiddenError(ApiError):
    """403: a missing scope, an x-as-workspace the key may not use, a wrong security token."""

    def __init__(self, message: str = "ForbiddenError") -> None:
        super().__init__(403, message)


class NotFoundError(ApiError):
    """404 for an unknown id (or route)."""

    def __init__(self, message: str = "Resource not found") -> None:
        super().__init__(404, message)


class ConflictError(ApiError):
    """409: duplicate tag label, workspace-group hierarchy."""

    def __init__(self, message: str) -> None:
        super().__init__(409, message)


class PayloadTooLargeError(ApiError):
    """413 for a request body over the limit, as Fastify words it (the body is not read further)."""

    phrase = "Payload Too Large"  # Node's name for 413 (Python still says "Request Entity Too Large")

    def __init__(self) -> None:
        super().__init__(413, "Request body is too large")


class TooManyRequestsError(ApiError):
    """429 with ``Retry-After`` in seconds (at least 1)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "Rate limit exceeded", {"Retry-After": str(max(1, retry_after))})
