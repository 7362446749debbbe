"""The sandbox's API errors, each rendering the real API's body ``{statusCode, error, message}``.

Rules raise these from the store; the app turns them into responses in one place.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class ApiError(Exception):
    """An error answer of the Instantly API."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body the real API sends."""
        return {"statusCode": self.status, "error": HTTPStatus(self.status).phrase, "message": self.message}


def bad_request(message: str) -> ApiError:
    """400, e.g. ``body must have required property 'email'``."""
    return ApiError(400, message)


def unauthorized() -> ApiError:
    """401 for a missing, invalid or revoked key (the API says the same for all three)."""
    return ApiError(401, "Missing Authorization header")


def forbidden(message: str = "Forbidden") -> ApiError:
    """403: a missing scope, or an x-as-workspace the key may not use."""
    return ApiError(403, message)


def not_found(message: str = "Resource not found") -> ApiError:
    """404 for an unknown id."""
    return ApiError(404, message)


def conflict(message: str) -> ApiError:
    """409: duplicate tag label, workspace-group hierarchy."""
    return ApiError(409, message)


def too_many_requests(retry_after: int) -> ApiError:
    """429 with ``Retry-After`` in seconds."""
    return ApiError(429, "Rate limit exceeded", {"Retry-After": str(max(1, retry_after))})
