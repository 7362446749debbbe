"""What one sandbox server holds: the store and the traffic controls.

Its own module so that the app, the middleware and the control plane can all
import it without importing each other.
"""

from __future__ import annotations

from instantly_sandbox.store import Store
from instantly_sandbox.traffic import Faults, RateLimiter, RequestLog


class Sandbox:
    """The store (the data) and the request log, rate limiter and faults (the run)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.log = RequestLog()
        self.limiter = RateLimiter()
        self.faults = Faults()

    def reset(self) -> None:
        """Delete every object; clear the log and the faults; default limits."""
        self.store.reset()
        self.log.clear()
        self.faults.clear()
        self.limiter.reset()
