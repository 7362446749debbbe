"""The one Instantly API v2 client of a provider process.

:class:`InstantlyClient` wraps one synchronous :class:`httpx.Client` and owns
the bearer key, ``x-as-workspace``, timeouts, the mapping of HTTP answers to
:mod:`instantly_pulumi.errors`, cursor pagination, retries (tenacity:
exponential backoff with jitter, honouring ``Retry-After``), a thread-safe
throttle under the per-workspace limits, and a small per-process list cache.

It is never pickled: providers build it lazily, inside the provider process,
through :func:`client_for` (one client per credentials, shared by the four
provider threads).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
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
    error_for,
)

__all__ = ["DEFAULT_BASE_URL", "Credentials", "InstantlyClient", "Throttle", "client_for"]

DEFAULT_BASE_URL = "https://api.instantly.ai"
PAGE_LIMIT = 100


def _check_base_url(url: str) -> str:
    """Refuse anything but https, except on a loopback host (the sandbox)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url.rstrip("/")
    if parts.scheme == "http" and host:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if loopback:
            return url.rstrip("/")
    raise ConfigurationError(
        f"instantly:baseUrl {url!r} must be an https URL (plain http only for a loopback host)"
    )


@dataclass(frozen=True)
class Credentials:
    """The key and base URL a client uses. Its repr never shows the key."""

    api_key: str = field(repr=False)
    """The Instantly API v2 key (secret)."""
    base_url: str = DEFAULT_BASE_URL
    """The API's origin, without ``/api/v2``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", _check_base_url(self.base_url))

    @property
    def fingerprint(self) -> str:
        """A short, non-reversible id of the key (for caches and logs)."""
        return hashlib.sha256(self.api_key.encode()).hexdigest()[:12]

    @classmethod
    def resolve(cls, config: Mapping[str, Any] | None = None) -> Credentials:
        """From stack config (``instantly:apiKey``, ``instantly:baseUrl``), else the environment
        (``INSTANTLY_API_KEY``, ``INSTANTLY_BASE_URL``)."""
        config = config or {}
        key = config.get("instantly:apiKey") or os.environ.get("INSTANTLY_API_KEY")
        base = config.get("instantly:baseUrl") or os.environ.get("INSTANTLY_BASE_URL") or DEFAULT_BASE_URL
        if not key:
            raise ConfigurationError(
                "no Instantly API key: run `pulumi config set --secret instantly:apiKey` "
                "or set INSTANTLY_API_KEY"
            )
        return cls(api_key=str(key), base_url=str(base))


class Throttle:
    """Keeps one process under ``per_second`` and ``per_minute`` requests per workspace.

    Thread-safe: the provider serves four threads. It waits rather than fails;
    the server's 429s remain the backstop (other processes share the limit).
    """

    def __init__(
        self,
        per_second: int = 90,
        per_minute: int = 5_400,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second = per_second
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: dict[str, deque[float]] = {}

    def acquire(self, workspace: str) -> None:
        """Block until one more request for ``workspace`` fits under both limits."""
        while True:
            with self._lock:
                now = self._clock()
                sent = self._sent.setdefault(workspace, deque())
                while sent and now - sent[0] >= 60:
                    sent.popleft()
                last_second = sum(1 for t in sent if now - t < 1)
                wait = 0.0
                if last_second >= self.per_second:
                    wait = max(wait, 1 - (now - sent[-self.per_second]))
                if len(sent) >= self.per_minute:
                    wait = max(wait, 60 - (now - sent[-self.per_minute]))
                if wait <= 0:
                    sent.append(now)
                    return
            self._sleep(wait)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class _WaitRetryAfter(tenacity.wait.wait_base):
    """Exponential backoff with jitter, but never shorter than the server's Retry-After."""

    def __init__(self, base: float, cap: float) -> None:
        self._backoff = tenacity.wait_random_exponential(multiplier=base, max=cap)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        delay: float = self._backoff(retry_state)
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        return delay


class InstantlyClient:
    """A synchronous Instantly API v2 client.

    ``transport`` is injectable (``httpx.MockTransport`` in unit tests);
    ``sleep`` too, so retries can be tested without waiting.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_attempts: int = 5,
        backoff: float = 0.5,
        backoff_cap: float = 30.0,
        throttle: Throttle | None = None,
        sleep: Callable[[float], None] = time.sleep,
        cache_ttl: float = 60.0,
    ) -> None:
        self.credentials = credentials
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
        self._max_attempts = max_attempts
        self._wait = _WaitRetryAfter(backoff, backoff_cap)
        self._sleep = sleep
        self.throttle = throttle or Throttle(sleep=sleep)
        self._cache_ttl = cache_ttl
        self._cache: dict[tuple[str, str], tuple[float, list[dict[str, Any]]]] = {}
        self._cache_locks: dict[tuple[str, str], threading.Lock] = {}
        self._cache_guard = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"InstantlyClient(base_url={self.credentials.base_url!r}, key=<{self.credentials.fingerprint}>)"
        )

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._http.close()

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
        idempotent: bool | None = None,
    ) -> Any:
        """Send one API call (with retries) and return the decoded JSON body.

        ``operation`` and ``target`` name what is being done for error messages.
        ``idempotent`` defaults to true for GET, PATCH and DELETE: those are
        retried after 5xx and dropped connections; a POST is retried only when
        it provably did not land (a 429, or a connection that never opened).
        """
        if idempotent is None:
            idempotent = method in ("GET", "PATCH", "DELETE", "PUT")

        def retryable(exc: BaseException) -> bool:
            if isinstance(exc, RateLimitError):
                return True
            if isinstance(exc, ServerError | TransportError):
                return idempotent or getattr(exc, "not_sent", False)
            return False

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception(retryable),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(self._send, method, path, operation, target, workspace_id, json, params)

    def _send(
        self,
        method: str,
        path: str,
        operation: str,
        target: str,
        workspace_id: str | None,
        body: Any,
        params: Mapping[str, Any] | None,
    ) -> Any:
        headers = {"x-as-workspace": workspace_id} if workspace_id else {}
        self.throttle.acquire(workspace_id or "")
        try:
            if body is None:
                # DELETE (and GET) carry no body and no Content-Type: the API refuses them.
                response = self._http.request(method, path, params=params, headers=headers)
            else:
                response = self._http.request(method, path, params=params, headers=headers, json=body)
        except httpx.TransportError as exc:
            err = TransportError(operation, target, type(exc).__name__)
            # A connection that never opened cannot have delivered the request.
            err.not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)  # type: ignore[attr-defined]
            raise err from None
        if response.is_success:
            return response.json() if response.content else None
        try:
            payload: Any = response.json()
        except ValueError:
            payload = response.text
        raise self._redact(
            error_for(operation, target, response.status_code, payload, retry_after=_retry_after(response))
        )

    def _redact(self, err: ApiError) -> ApiError:
        key = self.credentials.api_key
        if key and key in str(err):
            err.args = tuple(str(a).replace(key, "<redacted>") for a in err.args)
            err.server_message = err.server_message.replace(key, "<redacted>")
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
        by all threads (reading N keys costs ceil(N/100) calls, not N)."""
        key = (path, workspace_id or "")
        with self._cache_guard:
            lock = self._cache_locks.setdefault(key, threading.Lock())
        with lock:
            hit = self._cache.get(key)
            if hit and time.monotonic() - hit[0] < self._cache_ttl:
                return hit[1]
            items = list(self.paginate(path, operation=operation, target=target, workspace_id=workspace_id))
            self._cache[key] = (time.monotonic(), items)
            return items

    def invalidate(self, path: str, workspace_id: str | None) -> None:
        """Forget the cached list at ``path`` (after this process wrote to it)."""
        with self._cache_guard:
            self._cache.pop((path, workspace_id or ""), None)


_CLIENTS: dict[Credentials, InstantlyClient] = {}
_CLIENTS_LOCK = threading.Lock()


def client_for(credentials: Credentials) -> InstantlyClient:
    """The process-wide client for ``credentials`` (created on first use)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(credentials)
        if client is None:
            client = _CLIENTS[credentials] = InstantlyClient(credentials)
        return client
