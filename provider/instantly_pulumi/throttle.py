"""The rate budget: stay under Instantly's limits before the server has to say 429.

Instantly allows 100 requests a second and 6,000 a minute per workspace, and
does not document whether a call made through ``x-as-workspace`` counts
against the client's workspace or the agency key's own. The throttle takes
the pessimistic reading: every request made with one key spends one budget.

It is a GCRA (generic cell rate algorithm, a leaky bucket that keeps one
timestamp per limit): a request may go when the bucket's "theoretical arrival
time" is not too far ahead of now. With rate ``r`` and a burst of ``b``, at
most ``b + r·w`` requests fall in any window of ``w`` seconds, so the rate and
burst are derived from the limit and a safety margin.

The budget lives in memory (one process: the four provider threads), or in a
file shared by every process that names it (``INSTANTLY_RATE_FILE``): the
fleet hands all its stack processes one file, so together they run near the
limit — never over it, and never far under it while some stacks are idle.
"""

from __future__ import annotations

import fcntl
import math
import os
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["Throttle"]

MARGIN = 0.9
"""The share of the server's limit the client plans to use (jitter and clock noise take the rest)."""

BURST = 4
"""Requests that may go back to back (the provider's four threads)."""

_EPSILON = 1e-6
_FORMAT = "dd"  # the two theoretical arrival times, per second and per minute


class Throttle:
    """Blocks until one more request fits under ``per_second`` and ``per_minute``.

    Thread-safe; with ``shared_file`` also safe across processes (``flock``).
    ``clock`` must be the same in every process sharing a file (the default,
    ``time.monotonic``, is system-wide on Linux).
    """

    def __init__(
        self,
        per_second: int = 100,
        per_minute: int = 6_000,
        *,
        shared_file: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second = per_second
        """The server's per-second limit this throttle respects."""
        self.per_minute = per_minute
        """The server's per-minute limit this throttle respects."""
        self.shared_file = shared_file
        """The file holding the budget when several processes share it."""
        if shared_file is not None:
            shared_file.parent.mkdir(parents=True, exist_ok=True)
        self._cells = (_cell(per_second, 1.0), _cell(per_minute, 60.0))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tat = [0.0, 0.0]
        self.waited = 0.0
        """Seconds this throttle has made callers wait (for reports)."""

    @classmethod
    def from_environment(cls, sleep: Callable[[float], None] = time.sleep) -> Throttle:
        """The throttle the environment asks for: ``INSTANTLY_RATE_PER_SECOND``,
        ``INSTANTLY_RATE_PER_MINUTE`` (the server's limits; default 100 and 6,000) and
        ``INSTANTLY_RATE_FILE`` (a budget shared with other processes)."""
        shared = os.environ.get("INSTANTLY_RATE_FILE")
        return cls(
            per_second=int(os.environ.get("INSTANTLY_RATE_PER_SECOND") or 100),
            per_minute=int(os.environ.get("INSTANTLY_RATE_PER_MINUTE") or 6_000),
            shared_file=Path(shared) if shared else None,
            sleep=sleep,
        )

    def acquire(self) -> None:
        """Block until one more request fits; then count it."""
        while True:
            wait = self._reserve()
            if wait <= 0:
                return
            self.waited += wait
            self._sleep(wait)

    def _reserve(self) -> float:
        with self._lock:
            if self.shared_file is None:
                return self._step(self._tat)
            with open(self.shared_file, "a+b") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    handle.seek(0)
                    raw = handle.read(struct.calcsize(_FORMAT))
                    tat = (
                        list(struct.unpack(_FORMAT, raw)) if len(raw) == struct.calcsize(_FORMAT) else [0, 0]
                    )
                    wait = self._step(tat)
                    if wait <= 0:
                        handle.seek(0)
                        handle.truncate()
                        handle.write(struct.pack(_FORMAT, *tat))
                        handle.flush()
                    return wait
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def _step(self, tat: list[float]) -> float:
        """GCRA over both limits: the wait needed, or 0 after counting the request in ``tat``."""
        now = self._clock()
        wait = 0.0
        for i, (_interval, tolerance) in enumerate(self._cells):
            start = max(tat[i], now)
            wait = max(wait, start - now - tolerance)
        if wait > _EPSILON:  # float noise must not turn into an endless series of tiny sleeps
            return wait
        for i, (interval, _tolerance) in enumerate(self._cells):
            tat[i] = max(tat[i], now) + interval
        return 0.0


def _cell(limit: int, window: float) -> tuple[float, float]:
    """(emission interval, burst tolerance) so that no ``window`` holds more than MARGIN·limit."""
    planned = max(1, math.floor(limit * MARGIN))
    burst = min(BURST, planned // 10)
    # At most burst + 1 + window/interval requests fall in any window.
    interval = window / max(1, planned - burst - 1)
    return interval, burst * interval
