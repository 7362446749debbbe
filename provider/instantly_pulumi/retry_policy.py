"""The retry policy: which failures are sent again, how long to wait between attempts, when to stop,
and telling every long wait.

* a read (GET) is retried after a 429, a 5xx, a lost connection or a 2xx answer that is not the API's
  JSON — reading twice changes nothing;
* a write is retried by the client only when it provably did not take effect
  (:func:`provably_not_applied`: a 429, or a connection that never opened). Every other failure of a
  write is *ambiguous* (:func:`ambiguous`) and goes back to the resource, which reads the API to see
  what happened before it tries again (:mod:`instantly_pulumi.resources._converge`, which uses this
  same policy);
* an API that cannot be reached at all (refused, unknown host, TLS failed) is tried
  :data:`UNREACHABLE_ATTEMPTS` times, :data:`UNREACHABLE_PAUSE` apart, and then told: a wrong base URL
  or an API that is down is not a blip;
* a run of 429s is waited out for :data:`RATE_LIMIT_PATIENCE` seconds, anything else stops after
  :data:`MAX_ATTEMPTS`.

Waits are exponential backoff with jitter (tenacity), never shorter than the server's
``Retry-After``; every wait longer than :data:`ANNOUNCED_WAIT` is told (:func:`announcer`).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import tenacity

from instantly_pulumi.errors import (
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedAnswerError,
    summary,
)

__all__ = [
    "ANNOUNCED_WAIT",
    "MAX_ATTEMPTS",
    "RATE_LIMIT_PATIENCE",
    "UNREACHABLE_ATTEMPTS",
    "UNREACHABLE_PAUSE",
    "WaitRetryAfter",
    "ambiguous",
    "announcer",
    "provably_not_applied",
    "retry_after",
    "should_stop",
]

MAX_ATTEMPTS = 8
"""Attempts per request (reads) and per write (each ambiguous failure reconciled first)."""
RATE_LIMIT_PATIENCE = 120.0
"""Seconds of waiting a request accepts while the API answers 429 (a 429 is not a failure, only
"not now": several processes sharing one limit may meet many in a row)."""
UNREACHABLE_ATTEMPTS = 2
"""Attempts when the API cannot be reached at all (connection refused, unknown host, TLS failed):
one more, after :data:`UNREACHABLE_PAUSE`, rides out a blip; more would only delay the news that
the base URL is wrong or the API is down."""
UNREACHABLE_PAUSE = 0.5
"""Seconds between the attempts to reach an API that could not be reached."""
ANNOUNCED_WAIT = 2.0
"""A wait before the next attempt longer than this many seconds is announced (what, which attempt,
how long), so a slow run never looks like a hung one."""


def retry_after(response: httpx.Response) -> float | None:
    """The server's ``Retry-After`` in seconds (None: absent or not a number of seconds)."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class WaitRetryAfter(tenacity.wait.wait_base):
    """Exponential backoff with jitter, but never shorter than the server's Retry-After; a short
    fixed pause after an API that could not be reached."""

    def __init__(self, base: float, cap: float) -> None:
        self._backoff = tenacity.wait_random_exponential(multiplier=base, max=cap)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, TransportError) and exc.unreachable:
            return UNREACHABLE_PAUSE
        delay: float = self._backoff(retry_state)
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        return delay


def provably_not_applied(exc: BaseException) -> bool:
    """Whether a failed write certainly changed nothing (so it may simply be sent again)."""
    if isinstance(exc, RateLimitError):
        return True
    return isinstance(exc, TransportError) and not exc.sent


def ambiguous(exc: BaseException) -> bool:
    """Whether a failed write may or may not have taken effect (5xx, timeout, dropped connection, a
    2xx answer that is not the API's JSON)."""
    if isinstance(exc, ServerError):
        return True
    if isinstance(exc, UnexpectedAnswerError):
        return 200 <= exc.status < 300
    return isinstance(exc, TransportError) and exc.sent


def should_stop(state: tenacity.RetryCallState, max_attempts: int, patience: float) -> bool:
    """429s are waited out for up to ``patience`` seconds (in planned waits, so a test's fake sleep
    ends it too); an API that cannot be reached is tried :data:`UNREACHABLE_ATTEMPTS` times; anything
    else stops after ``max_attempts``."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, RateLimitError):
        return (state.idle_for or 0.0) >= patience
    if isinstance(exc, TransportError) and exc.unreachable:
        return state.attempt_number >= min(max_attempts, UNREACHABLE_ATTEMPTS)
    return state.attempt_number >= max_attempts


def announcer(
    progress: Callable[[str], None], operation: str, target: str, max_attempts: int, patience: float
) -> Callable[[tenacity.RetryCallState], None]:
    """A tenacity ``before_sleep`` that tells ``progress`` of any wait longer than
    :data:`ANNOUNCED_WAIT`: what is being done, which attempt failed and why, how long the wait."""

    def before_sleep(state: tenacity.RetryCallState) -> None:
        delay = state.next_action.sleep if state.next_action else 0.0
        if delay <= ANNOUNCED_WAIT:
            return
        exc = state.outcome.exception() if state.outcome else None
        n = state.attempt_number
        if isinstance(exc, RateLimitError):
            waited = state.idle_for or 0.0  # tenacity counts the coming wait in already
            progress(
                f"{operation} {target}: the API asks to slow down (HTTP 429, attempt {n}); waiting "
                f"{delay:.1f} s ({waited:.0f} s of at most {patience:.0f} s)"
            )
            return
        why = summary(exc) if exc is not None else "no result"
        progress(
            f"{operation} {target}: attempt {n} of {max_attempts} failed ({why}); waiting "
            f"{delay:.1f} s before the next"
        )

    return before_sleep
