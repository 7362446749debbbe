"""The provider's settings — the key, the API's origin, the timeout — where they come from, and their checks.

Each setting is ``instantly:<name>`` in the stack's config, else ``INSTANTLY_<NAME>`` in the
environment (:func:`setting`): ``apiKey`` (a Pulumi secret; :data:`NO_KEY` says how to set it),
``baseUrl`` (:func:`check_base_url`: https, or plain http to a loopback sandbox; no path) and
``timeout`` (:func:`check_timeout`). :class:`Credentials` holds the three a client is built from;
its repr never shows the key. Nothing here sends a request.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from instantly_pulumi.errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "NO_KEY",
    "Credentials",
    "check_base_url",
    "check_timeout",
    "setting",
]

DEFAULT_BASE_URL = "https://api.instantly.ai"
"""The API's origin when ``instantly:baseUrl`` is unset."""
DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for an answer when ``instantly:timeout`` is unset."""


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
