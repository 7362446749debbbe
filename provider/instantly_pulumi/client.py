"""The one Instantly API v2 client of a provider process.

:class:`InstantlyClient` wraps one synchronous :class:`httpx.Client` and owns the bearer key,
``x-as-workspace``, timeouts, the mapping of HTTP answers to :mod:`instantly_pulumi.errors`
(every answer must be a JSON object), cursor pagination, the rate budget
(:class:`~instantly_pulumi.throttle.Throttle`) and a small per-process list cache. It sends under the
retry policy of :mod:`instantly_pulumi.retry_policy` and is built from the
:class:`~instantly_pulumi.settings.Credentials` of :mod:`instantly_pulumi.settings`.

``INSTANTLY_REQUEST_COUNT_FILE`` names a file to which every request sent appends one byte, so its
size is the number of requests made by every process naming it (the fleet counts each stack's
requests this way: its provider processes are the engine's, not the fleet's). The client is never
pickled: providers build it lazily, inside the provider process, through :func:`client_for` (one
client per credentials, shared by the four provider threads).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import tenacity

from instantly_pulumi.errors import ApiError, TransportError, answer_error, error_for
from instantly_pulumi.retry_policy import (
    MAX_ATTEMPTS,
    RATE_LIMIT_PATIENCE,
    WaitRetryAfter,
    ambiguous,
    announcer,
    provably_not_applied,
    retry_after,
    should_stop,
)
from instantly_pulumi.settings import Credentials
from instantly_pulumi.throttle import Throttle

__all__ = [
    "Credentials",
    "InstantlyClient",
    "client_for",
]
# Credentials is re-exported: a client is built from it (it lives in instantly_pulumi.settings).

PAGE_LIMIT = 100
"""Items per page of a list endpoint (the API's maximum)."""


def _json_object(content: bytes) -> dict[str, Any] | None:
    """The body as the API sends every answer (a JSON object), or None when it is anything else."""
    try:
        payload = json.loads(content)
    except (ValueError, RecursionError):  # not JSON (UnicodeDecodeError is a ValueError), or absurdly deep
        return None
    return payload if isinstance(payload, dict) else None


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class InstantlyClient:
    """A synchronous Instantly API v2 client.

    ``transport`` is injectable (``httpx.MockTransport`` in unit tests);
    ``sleep`` too, so retries can be tested without waiting. ``progress`` receives
    one line for every wait longer than :data:`~instantly_pulumi.retry_policy.ANNOUNCED_WAIT`
    (default: stderr);
    the provider sends it to Pulumi's diagnostics, the command line to its console.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        rate_limit_patience: float = RATE_LIMIT_PATIENCE,
        backoff: float = 0.25,
        backoff_cap: float = 8.0,
        throttle: Throttle | None = None,
        sleep: Callable[[float], None] = time.sleep,
        cache_ttl: float = 60.0,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.credentials = credentials
        timeout = credentials.timeout
        self._http = httpx.Client(
            base_url=f"{credentials.base_url}/api/v2",
            headers={
                "Authorization": f"Bearer {credentials.api_key}",
                "User-Agent": "instantly-pulumi/0.1 (+httpx)",
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
        )
        self.max_attempts = max_attempts
        """Attempts per request; the resources use the same budget for their writes."""
        self.rate_limit_patience = rate_limit_patience
        """Seconds of waiting a request accepts while the API answers 429."""
        self.wait = WaitRetryAfter(backoff, backoff_cap)
        """The backoff between attempts (also used by the resources' write loops)."""
        self.sleep = sleep
        self.progress = progress or _to_stderr
        """Where a line announcing a long wait goes."""
        self.throttle = throttle or Throttle.from_environment(sleep=sleep)
        self._cache_ttl = cache_ttl
        self._cache: dict[tuple[str, str], tuple[float, list[dict[str, Any]]]] = {}
        self._generations: dict[tuple[str, str], int] = {}
        self._cache_locks: dict[tuple[str, str], threading.Lock] = {}
        self._cache_guard = threading.Lock()
        self._clock_offset: float | None = None
        self._memo: dict[str, Any] = {}
        self._memo_lock = threading.Lock()
        self.requests_sent = 0
        """How many HTTP requests this client sent (for reports)."""
        self._count_fd = _open_count_file()

    def __repr__(self) -> str:
        return (
            f"InstantlyClient(base_url={self.credentials.base_url!r}, key=<{self.credentials.fingerprint}>)"
        )

    def close(self) -> None:
        """Close the underlying connection pool (and the request-count file)."""
        self._http.close()
        if self._count_fd is not None:
            os.close(self._count_fd)
            self._count_fd = None

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per client (thread-safe): facts that do not change during a run."""
        with self._memo_lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]

    # -- the server's clock ---------------------------------------------------------------------------

    def server_time(self) -> float:
        """Now, on the API's clock as far as its ``Date`` headers tell (else the local clock)."""
        return time.time() + (self._clock_offset or 0.0)

    @property
    def clock_known(self) -> bool:
        """Whether a ``Date`` header has been seen (so :meth:`server_time` is within ~1 s)."""
        return self._clock_offset is not None

    def _learn_clock(self, response: httpx.Response) -> None:
        date = response.headers.get("date")
        if not date:
            return
        with contextlib.suppress(TypeError, ValueError):
            self._clock_offset = parsedate_to_datetime(date).timestamp() - time.time()

    # -- requests -------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        target: str,
        workspace_id: str | None = None,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one API call and return the decoded JSON body.

        ``operation`` and ``target`` name what is being done for error
        messages. Reads are retried after any transient failure; writes only
        when they provably did not take effect (:mod:`instantly_pulumi.retry_policy`).
        """
        retry_if = (
            (lambda exc: provably_not_applied(exc) or ambiguous(exc))
            if method == "GET"
            else provably_not_applied
        )
        retrying = tenacity.Retrying(
            stop=self._stop,
            wait=self.wait,
            retry=tenacity.retry_if_exception(retry_if),
            sleep=self.sleep,
            before_sleep=self.announce(operation, target),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                return self._send(method, path, operation, target, workspace_id, json, params, number)
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        return should_stop(state, self.max_attempts, self.rate_limit_patience)

    def announce(self, operation: str, target: str) -> Callable[[tenacity.RetryCallState], None]:
        """A tenacity ``before_sleep`` telling :attr:`progress` of every wait longer than
        :data:`~instantly_pulumi.retry_policy.ANNOUNCED_WAIT` (the resources' write loops use it too)."""
        return announcer(self.progress, operation, target, self.max_attempts, self.rate_limit_patience)

    def _send(
        self,
        method: str,
        path: str,
        operation: str,
        target: str,
        workspace_id: str | None,
        body: Any,
        params: Mapping[str, Any] | None,
        attempt: int = 1,
    ) -> Any:
        headers = {"x-as-workspace": workspace_id} if workspace_id else {}
        self.throttle.acquire()
        self.requests_sent += 1
        if self._count_fd is not None:
            # One byte per request, appended: atomic across threads and processes, no lock needed.
            os.write(self._count_fd, b".")
        try:
            # json=None sends no body and no Content-Type (the API refuses them on DELETE and GET).
            response = self._http.request(method, path, params=params, headers=headers, json=body)
        except httpx.TransportError as exc:
            # A connection that never opened cannot have delivered the request. A ConnectError (refused,
            # unknown host, TLS failed) says the API cannot be reached at all; a ConnectTimeout may be
            # a busy server, and keeps the ordinary backoff.
            sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            reason = type(exc).__name__ + (f": {exc}" if str(exc) else "")
            raise TransportError(
                operation,
                target,
                self._redacted(reason),
                url=self.credentials.base_url,
                sent=sent,
                unreachable=isinstance(exc, httpx.ConnectError),
                attempts=attempt,
            ) from None
        self._learn_clock(response)
        payload = _json_object(response.content)
        if payload is None:
            # A proxy's page, a captive portal, an empty or truncated body: say so, never decode it.
            raise answer_error(
                operation,
                target,
                response.status_code,
                str(response.request.url.copy_with(query=None)),
                self._redacted(response.content.decode("utf-8", "replace")),
                response.headers.get("content-type", ""),
                retry_after=retry_after(response),
            )
        if response.is_success:
            return payload
        raise self._redact(
            error_for(operation, target, response.status_code, payload, retry_after=retry_after(response))
        )

    def _redacted(self, text: str) -> str:
        key = self.credentials.api_key
        return text.replace(key, "<redacted>") if key else text

    def _redact(self, err: ApiError) -> ApiError:
        key = self.credentials.api_key
        if key and key in str(err):
            err.args = tuple(self._redacted(str(a)) for a in err.args)
            err.server_message = self._redacted(err.server_message)
        return err

    # -- pagination and the list cache -------------------------------------------------------------

    def paginate(
        self,
        path: str,
        *,
        operation: str,
        target: str,
        workspace_id: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, 100 a page, following ``next_starting_after``."""
        query: dict[str, Any] = {**(params or {}), "limit": PAGE_LIMIT}
        while True:
            page = self.request(
                "GET", path, operation=operation, target=target, workspace_id=workspace_id, params=query
            )
            yield from page.get("items", [])
            cursor = page.get("next_starting_after")
            if not cursor:
                return
            query["starting_after"] = cursor

    def list_cached(
        self, path: str, *, operation: str, target: str, workspace_id: str | None
    ) -> list[dict[str, Any]]:
        """The whole list at ``path``, fetched once per process and workspace and shared
        by all threads (reading N objects costs ceil(N/100) calls, not N)."""
        key = (path, workspace_id or "")
        with self._cache_guard:
            lock = self._cache_locks.setdefault(key, threading.Lock())
        with lock:
            with self._cache_guard:
                generation = self._generations.get(key, 0)
                hit = self._cache.get(key)
            if hit and time.monotonic() - hit[0] < self._cache_ttl:
                return hit[1]
            items = list(self.paginate(path, operation=operation, target=target, workspace_id=workspace_id))
            with self._cache_guard:
                # A write invalidated the list while it was being read: the pages may predate
                # the write. Return them to this caller (it asked before the write was known),
                # but never keep them for the next one.
                if self._generations.get(key, 0) == generation:
                    self._cache[key] = (time.monotonic(), items)
            return items

    def invalidate(self, path: str, workspace_id: str | None) -> None:
        """Forget the cached list at ``path`` (after this process wrote to it), including a fill
        in flight: what it read may predate the write."""
        key = (path, workspace_id or "")
        with self._cache_guard:
            self._cache.pop(key, None)
            self._generations[key] = self._generations.get(key, 0) + 1


def _open_count_file() -> int | None:
    """The ``INSTANTLY_REQUEST_COUNT_FILE`` to append one byte per request to, if named."""
    path = os.environ.get("INSTANTLY_REQUEST_COUNT_FILE")
    if not path:
        return None
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


_CLIENTS: dict[Credentials, InstantlyClient] = {}
_CLIENTS_LOCK = threading.Lock()


def client_for(credentials: Credentials, progress: Callable[[str], None] | None = None) -> InstantlyClient:
    """The process-wide client for ``credentials`` (created on first use, announcing long waits
    to ``progress``)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(credentials)
        if client is None:
            client = _CLIENTS[credentials] = InstantlyClient(credentials, progress=progress)
        return client
