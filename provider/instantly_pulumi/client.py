"""The one Instantly API v2 client of a provider process.

:class:`InstantlyClient` wraps one synchronous :class:`httpx.Client` and owns
the bearer key, ``x-as-workspace``, timeouts, the mapping of HTTP answers to
:mod:`instantly_pulumi.errors`, cursor pagination, the rate budget
(:class:`~instantly_pulumi.throttle.Throttle`), a small per-process list cache
and the retry policy:

* a read (GET) is retried after a 429, a 5xx or a lost connection — reading
  twice changes nothing;
* a write is retried here only when it provably did not take effect: after a
  429 (the API refused it) or a connection that never opened. Every other
  failure of a write is *ambiguous* and goes back to the resource, which reads
  the API to see what happened before it tries again
  (:mod:`instantly_pulumi.resources._converge`).

Retries use tenacity: exponential backoff with jitter, never shorter than the
server's ``Retry-After``. ``INSTANTLY_REQUEST_COUNT_FILE`` names a file to which
every request sent appends one byte, so its size is the number of requests made
by every process naming it (the fleet counts each stack's requests this way:
its provider processes are the engine's, not the fleet's). The client is never pickled: providers build it
lazily, inside the provider process, through :func:`client_for` (one client per
credentials, shared by the four provider threads).
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import tenacity

from instantly_pulumi.errors import (
    ApiError,
    ConfigurationError,
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedAnswerError,
    answer_error,
    error_for,
    summary,
)
from instantly_pulumi.throttle import Throttle

__all__ = [
    "DEFAULT_BASE_URL",
    "Credentials",
    "InstantlyClient",
    "check_base_url",
    "check_timeout",
    "client_for",
    "setting",
]

DEFAULT_BASE_URL = "https://api.instantly.ai"
DEFAULT_TIMEOUT = 30.0
PAGE_LIMIT = 100
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


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def check_base_url(url: Any) -> str:
    """The API's origin, normalised; raise :class:`ConfigurationError` saying what to do.

    https only, except plain http to a loopback host (the sandbox); no path
    (the client adds ``/api/v2`` itself).
    """
    where = "instantly:baseUrl (or INSTANTLY_BASE_URL)"
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(f"{where} is empty: leave it unset for {DEFAULT_BASE_URL}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{where} {url!r} is not a URL: give the API's origin, e.g. {DEFAULT_BASE_URL}"
        )
    path = parts.path.rstrip("/")
    if path:
        hint = " (the client adds /api/v2 itself)" if path.endswith("/api/v2") else ""
        raise ConfigurationError(
            f"{where} {url!r} must be the API's origin without a path{hint}: "
            f"use {parts.scheme}://{parts.netloc}"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{where} {url!r} uses plain http to a remote host, which would send the API key "
            f"unencrypted: use https://{parts.netloc} (plain http is allowed only for a loopback sandbox)"
        )
    return f"{parts.scheme}://{parts.netloc}"


def check_timeout(value: Any) -> float:
    """Seconds to wait for an answer (default 30); raise :class:`ConfigurationError` for a bad value."""
    if value in (None, ""):
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1
    if seconds <= 0:
        raise ConfigurationError(
            f"instantly:timeout (or INSTANTLY_TIMEOUT) {value!r} must be a positive number of seconds"
        )
    return seconds


@dataclass(frozen=True)
class Credentials:
    """The key, origin and timeout a client uses. Its repr never shows the key."""

    api_key: str = field(repr=False)
    """The Instantly API v2 key (secret)."""
    base_url: str = DEFAULT_BASE_URL
    """The API's origin, without ``/api/v2``."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds to wait for an answer before the request counts as lost."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", check_base_url(self.base_url))

    @property
    def fingerprint(self) -> str:
        """A short, non-reversible id of the key (for caches, budgets and logs)."""
        return hashlib.sha256(self.api_key.encode()).hexdigest()[:12]

    @classmethod
    def resolve(cls, config: Mapping[str, Any] | None = None) -> Credentials:
        """From stack config (``instantly:apiKey``, ``instantly:baseUrl``, ``instantly:timeout``),
        else the environment (``INSTANTLY_API_KEY``, ``INSTANTLY_BASE_URL``, ``INSTANTLY_TIMEOUT``)."""
        key = setting(config, "apiKey")
        if not key or not str(key).strip():
            raise ConfigurationError(NO_KEY)
        return cls(
            api_key=str(key).strip(),
            base_url=str(setting(config, "baseUrl") or DEFAULT_BASE_URL),
            timeout=check_timeout(setting(config, "timeout")),
        )


NO_KEY = (
    "no Instantly API key: run `pulumi config set --secret instantly:apiKey` (it reads the key from the "
    "prompt or stdin), or export INSTANTLY_API_KEY"
)


def setting(config: Mapping[str, Any] | None, name: str) -> Any:
    """``instantly:<name>`` from stack config, else ``INSTANTLY_<NAME>`` from the environment."""
    env = "INSTANTLY_" + "".join(f"_{c}" if c.isupper() else c for c in name).upper()
    return (config or {}).get(f"instantly:{name}") or os.environ.get(env)


def _json_object(content: bytes) -> dict[str, Any] | None:
    """The body as the API sends every answer (a JSON object), or None when it is anything else."""
    try:
        payload = json.loads(content)
    except (ValueError, RecursionError):  # not JSON (UnicodeDecodeError is a ValueError), or absurdly deep
        return None
    return payload if isinstance(payload, dict) else None


def _retry_after(response: httpx.Response) -> float | None:
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


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


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


class InstantlyClient:
    """A synchronous Instantly API v2 client.

    ``transport`` is injectable (``httpx.MockTransport`` in unit tests);
    ``sleep`` too, so retries can be tested without waiting. ``progress`` receives
    one line for every wait longer than :data:`ANNOUNCED_WAIT` (default: stderr);
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
        when they provably did not take effect (see the module docstring).
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
        """429s are waited out for up to :data:`RATE_LIMIT_PATIENCE` (in planned waits, so a
        test's fake sleep ends it too); an API that cannot be reached is tried
        :data:`UNREACHABLE_ATTEMPTS` times; anything else stops after ``max_attempts``."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitError):
            return (state.idle_for or 0.0) >= self.rate_limit_patience
        if isinstance(exc, TransportError) and exc.unreachable:
            return state.attempt_number >= min(self.max_attempts, UNREACHABLE_ATTEMPTS)
        return state.attempt_number >= self.max_attempts

    def announce(self, operation: str, target: str) -> Callable[[tenacity.RetryCallState], None]:
        """A tenacity ``before_sleep`` that tells :attr:`progress` of any wait longer than
        :data:`ANNOUNCED_WAIT`: what is being done, which attempt failed and why, how long the wait."""

        def before_sleep(state: tenacity.RetryCallState) -> None:
            delay = state.next_action.sleep if state.next_action else 0.0
            if delay <= ANNOUNCED_WAIT:
                return
            exc = state.outcome.exception() if state.outcome else None
            n = state.attempt_number
            if isinstance(exc, RateLimitError):
                waited = state.idle_for or 0.0  # tenacity counts the coming wait in already
                self.progress(
                    f"{operation} {target}: the API asks to slow down (HTTP 429, attempt {n}); waiting "
                    f"{delay:.1f} s ({waited:.0f} s of at most {self.rate_limit_patience:.0f} s)"
                )
                return
            why = summary(exc) if exc is not None else "no result"
            self.progress(
                f"{operation} {target}: attempt {n} of {self.max_attempts} failed ({why}); waiting "
                f"{delay:.1f} s before the next"
            )

        return before_sleep

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
                retry_after=_retry_after(response),
            )
        if response.is_success:
            return payload
        raise self._redact(
            error_for(operation, target, response.status_code, payload, retry_after=_retry_after(response))
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
