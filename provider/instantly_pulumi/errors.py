"""One error tree for everything this package raises.

::

    InstantlyError                      base; never carries an API key
    ├── ConfigurationError              no key, a bad base URL, an invalid stack file
    │   └── StackFileError              the stack file's client value or config keys are invalid
    ├── TransportError                  no answer: connection refused, timeout, dropped connection
    ├── UnexpectedAnswerError           an answer, but not the API's: HTML, empty, truncated JSON
    ├── ApiError                        the API answered with an error status
    │   ├── BadRequestError             400 (validation, duplicates, self-revocation)
    │   ├── AuthenticationError         401 (missing, invalid or revoked key)
    │   ├── PaymentRequiredError        402 (no active paid plan, or a feature the plan lacks)
    │   ├── PermissionDeniedError       403 (missing scope, x-as-workspace not allowed)
    │   ├── NotFoundError               404
    │   ├── ConflictError               409 (duplicate tag label, group hierarchy)
    │   ├── RateLimitError              429 (carries retry_after)
    │   └── ServerError                 5xx
    ├── AdoptionError                   an object with the natural key exists and cannot be taken over
    ├── ConvergenceError                a write could not be confirmed within its retry budget
    ├── ReplacementError                an object was deleted to be replaced, and creating it again failed
    ├── SelfRevocationError             deleting the key the provider authenticates with
    └── AcceptanceError                 a group invitation was rejected, or not accepted in time

Every message names the operation, the object, the status and the server's
message, and where the user can act, what to do. :func:`error_for` (an error
answer of the API) and :func:`answer_error` (any answer that is not a JSON
object: a proxy's page, a captive portal, a body cut short) are the only places
where HTTP answers become errors.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = [
    "AcceptanceError",
    "AdoptionError",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ConvergenceError",
    "InstantlyError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReplacementError",
    "SelfRevocationError",
    "ServerError",
    "StackFileError",
    "TransportError",
    "UnexpectedAnswerError",
    "answer_error",
    "error_for",
    "summary",
]


class InstantlyError(Exception):
    """Base of every error this package raises."""


class ConfigurationError(InstantlyError):
    """The provider or the stack is not configured well enough to call the API."""


class StackFileError(ConfigurationError):
    """A stack file is invalid; the message names each bad path (``client.members[2].role``)."""


class TransportError(InstantlyError):
    """The request got no HTTP answer (connect error, timeout, dropped connection).

    ``sent`` tells whether the request may have reached the server: a connection
    that never opened cannot have delivered it, a timeout or a dropped
    connection may have.
    """

    def __init__(
        self,
        operation: str,
        target: str,
        reason: str,
        *,
        url: str = "",
        sent: bool = True,
        unreachable: bool = False,
        attempts: int = 1,
    ) -> None:
        self.operation = operation
        """What was being done, e.g. ``create API key``."""
        self.target = target
        """The object, e.g. ``"crm-sync" in workspace 019a…``."""
        self.sent = sent
        """Whether the request may have been delivered (False: the connection never opened)."""
        self.unreachable = unreachable
        """Whether the API could not be reached at all (refused, unknown host, TLS failed): a wrong
        base URL or an API that is down, not a blip — told at once, not retried for long."""
        self.attempts = attempts
        """How many times the request was tried."""
        where = f" at {url}" if url else ""
        text = f"{operation} {target}: no answer from the Instantly API{where} ({reason}"
        if unreachable:
            tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
            text += (
                f"; {tries}): check that instantly:baseUrl (or INSTANTLY_BASE_URL) is the API's origin "
                "and that the API — or the sandbox — is running and reachable from here"
            )
        else:
            text += ")"
        super().__init__(text)


CHECK_BASE_URL = "check instantly:baseUrl (or INSTANTLY_BASE_URL)"


class UnexpectedAnswerError(InstantlyError):
    """The server answered, but not as the Instantly API does: an HTML page (a proxy's error page, a
    captive portal, another web server), an empty body, or JSON cut short.

    The message names the URL and the status and shows at most the body's first line (an HTML page's
    title), shortened. A 2xx answer of this kind leaves a write ambiguous (it may have taken effect);
    any other status says the request was answered by something that is not the API.
    """

    def __init__(self, operation: str, target: str, status: int, url: str, body: str) -> None:
        self.operation = operation
        """What was being done, e.g. ``create API key``."""
        self.target = target
        """The object, e.g. ``"crm-sync" in workspace 019a…``."""
        self.status = status
        """The HTTP status of the answer."""
        self.url = url
        """The URL that answered (without its query)."""
        super().__init__(
            f"{operation} {target}: HTTP {status} from {url} is not an answer of the Instantly API "
            f"({body}): {CHECK_BASE_URL} — a proxy, a captive portal or another server answers there"
        )


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
        self.hint = hint
        """What the user can do about it (may be empty)."""
        text = f"{operation} {target}: HTTP {status}: {message}"
        if hint:
            text += f" — {hint}"
        super().__init__(text)


class BadRequestError(ApiError):
    """400: the request was refused as invalid."""


class AuthenticationError(ApiError):
    """401: the key is missing, invalid or revoked."""


class PaymentRequiredError(ApiError):
    """402: the workspace has no active paid plan (or its plan lacks the feature)."""


class PermissionDeniedError(ApiError):
    """403: the key lacks a scope, or may not act as that workspace."""


class NotFoundError(ApiError):
    """404: no such object (or not visible to this key)."""


class ConflictError(ApiError):
    """409: a duplicate or a workspace-group hierarchy conflict."""


class RateLimitError(ApiError):
    """429: too many requests."""

    def __init__(
        self,
        operation: str,
        target: str,
        status: int,
        message: str,
        hint: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(operation, target, status, message, hint)
        self.retry_after = retry_after
        """The server's ``Retry-After`` in seconds, if it sent one."""


class ServerError(ApiError):
    """5xx: the API failed (the request may or may not have taken effect)."""


class AdoptionError(InstantlyError):
    """An object with the same natural key exists, and the stack may not (or cannot) take it over
    as declared: adoption is not allowed, or it differs where the API cannot change it."""


class ConvergenceError(InstantlyError):
    """A write failed ambiguously (5xx, timeout, dropped connection) more often than its
    retry budget allows; every attempt was reconciled, so nothing is half-done."""

    def __init__(self, operation: str, target: str, attempts: int, last: BaseException) -> None:
        self.operation = operation
        """The write that could not be confirmed, e.g. ``create API key``."""
        self.target = target
        """The object."""
        self.attempts = attempts
        """How many attempts were made (each followed by a reconciling read)."""
        self.last = last
        """The last failure."""
        super().__init__(
            f"{operation} {target}: gave up after {attempts} attempts, each checked against the API "
            f"before the next (last: {summary(last)}). Nothing was left half-done: "
            "running `pulumi up` again is safe."
        )


class ReplacementError(InstantlyError):
    """The old object of a delete-first replacement (a member whose permissions change) was deleted,
    and creating the new one failed; the message says what is gone and that ``pulumi up`` retries."""


class SelfRevocationError(InstantlyError):
    """Deleting the API key the provider itself authenticates with."""


class AcceptanceError(InstantlyError):
    """A group invitation was rejected, or not accepted in time."""


def summary(exc: BaseException) -> str:
    """An error's message without its operation and target (for a message that already names them)."""
    text = str(exc)
    if isinstance(exc, ApiError):
        return f"HTTP {exc.status}: {exc.server_message}"
    if isinstance(exc, TransportError | UnexpectedAnswerError):
        return text.split(": ", 1)[-1]
    return text


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
    401: "check instantly:apiKey (or INSTANTLY_API_KEY): the key is wrong or was revoked",
    402: "the workspace needs an active paid plan for this",
    403: "give the agency key the missing scope (a key's scopes cannot change: create a key with them "
    "and point instantly:apiKey at it)",
    429: "the workspace's rate limit (100/s, 6,000/min) was exceeded",
}

NOT_ACCEPTED = "not an accepted sub-workspace"
"""How the API says that ``x-as-workspace`` names a workspace outside the key's group."""


def _hint(status: int, message: str) -> str:
    if status == 403 and NOT_ACCEPTED in message:
        return (
            "the client workspace is not (yet) an accepted member of the agency's workspace group: its "
            "owner must accept the group invitation (declare group_membership in the stack file and "
            "`pulumi up` waits for it), then run `pulumi up` again"
        )
    return _HINTS.get(status, "")


BODY_SHOWN = 80
"""Characters of a body that is not the API's shown in a message (its first line, at most)."""


def describe_body(body: str, content_type: str = "") -> str:
    """What a body that is not a JSON object is, with its first line (an HTML page's title) at most."""
    text = body.strip()
    if not text:
        return "an empty body"
    if "html" in content_type or text.startswith("<"):
        title = re.search(r"<title[^>]*>([^<]*)</title>", text[:4096], re.IGNORECASE)
        if title and title.group(1).strip():
            return f"an HTML page titled {_quoted(title.group(1))}"
        kind = "an HTML page"
    else:
        kind = _json_kind(text) or ("JSON cut short or invalid" if "json" in content_type else "text")
    return f"{kind} starting {_quoted(text.splitlines()[0])}"


def _json_kind(text: str) -> str | None:
    """How a body that is not a JSON object fails to be one, if it is JSON at all."""
    try:
        json.loads(text)
    except RecursionError:
        return "JSON nested too deeply"
    except ValueError:
        return "JSON cut short or invalid" if text[0] in "{[" else None
    return "JSON that is not an object"


def _quoted(line: str) -> str:
    """One line in quotes: printable characters only, at most :data:`BODY_SHOWN` of them."""
    shown = "".join(c if c.isprintable() else "?" for c in " ".join(line.split()))
    return '"' + (shown[:BODY_SHOWN] + "…" if len(shown) > BODY_SHOWN else shown) + '"'


def answer_error(
    operation: str,
    target: str,
    status: int,
    url: str,
    body: str,
    content_type: str = "",
    retry_after: float | None = None,
) -> InstantlyError:
    """The error for an answer whose body is not a JSON object (``body``: its text, key redacted).

    A 429 stays a :class:`RateLimitError` and a 5xx a :class:`ServerError` (their backoff and the
    ambiguity of a write do not depend on the body); anything else is an :class:`UnexpectedAnswerError`
    — never a :class:`NotFoundError`: a 404 page of another server says nothing about our object.
    """
    what = describe_body(body, content_type)
    if status == 429 or status >= 500:
        return error_for(
            operation,
            target,
            status,
            {"message": f"not an answer of the Instantly API from {url} ({what})"},
            retry_after=retry_after,
            hint=CHECK_BASE_URL + " if this lasts" if status >= 500 else "",
        )
    return UnexpectedAnswerError(operation, target, status, url, what)


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
    hint = hint or _hint(status, message)
    if cls is RateLimitError:
        return RateLimitError(operation, target, status, message, hint, retry_after=retry_after)
    return cls(operation, target, status, message, hint)
