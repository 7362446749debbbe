"""Writes that converge: reconcile with the API before every retry.

A write that fails *ambiguously* — a 5xx, a timeout, a connection lost after
the request was sent — may or may not have taken effect. Sending it again
blindly could invite a member twice or leave an API key nobody holds. So
:func:`converge` reads the API first (by the object's natural key, or by id)
and lets the resource decide: the write took effect (use what was found), it
did not (send it again), or the situation needs the user (raise).

Attempts are bounded (the client's budget), back off with jitter and honour
``Retry-After``. When the budget is spent, :class:`ConvergenceError` names
the write and says that running ``pulumi up`` again is safe — true because
every attempt was reconciled before the next one was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import tenacity

from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.errors import ConvergenceError
from instantly_pulumi.retry_policy import ambiguous

T = TypeVar("T")

CLOCK_SKEW = 2.0
"""Seconds of slack around an attempt once the server's clock is known (Date headers: 1 s)."""
UNKNOWN_CLOCK_SKEW = 120.0
"""Slack while the server's clock is unknown (no answer with a Date header yet)."""


class Attempts:
    """The time span of a write's attempts so far, on the server's clock."""

    def __init__(self, client: InstantlyClient) -> None:
        self._client = client
        self.started = client.server_time()
        """When the first attempt was sent."""
        self.count = 0
        """Attempts made."""
        self.last = self.started
        """When the latest attempt was sent (server's clock)."""

    def covers(self, timestamp: Any) -> bool:
        """Whether an API timestamp (``2026-03-05T23:09:47.274Z``) falls within the attempts."""
        if not isinstance(timestamp, str):
            return False
        try:
            at = datetime.fromisoformat(timestamp).timestamp()
        except ValueError:
            return False
        skew = CLOCK_SKEW if self._client.clock_known else UNKNOWN_CLOCK_SKEW
        return self.started - skew <= at <= self._client.server_time() + skew


def converge(
    client: InstantlyClient,
    operation: str,
    target: str,
    write: Callable[[], T],
    reconcile: Callable[[Attempts], T | None],
) -> T:
    """Send ``write`` until it is confirmed.

    After an ambiguous failure, ``reconcile(attempts)`` reads the API and
    returns the result if the write took effect (nothing more is sent), or
    None to send it again. Anything else a write raises (a 4xx, say) is final.
    """
    attempts = Attempts(client)
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(client.max_attempts),
        wait=client.wait,
        retry=tenacity.retry_if_exception(ambiguous),
        sleep=client.sleep,
        before_sleep=client.announce(operation, target),
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                if attempts.count:
                    found = reconcile(attempts)
                    if found is not None:
                        return found
                attempts.count += 1
                attempts.last = client.server_time()
                return write()
    except Exception as exc:
        if ambiguous(exc):
            # One last look: the final attempt may have landed.
            found = reconcile(attempts)
            if found is not None:
                return found
            raise ConvergenceError(operation, target, attempts.count, exc) from None
        raise
    raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover
