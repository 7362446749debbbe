"""The sandbox's traffic controls: the request log, rate limits and fault injection.

All in memory (they describe a run, not the data), all thread-safe.
"""

from __future__ import annotations

import fnmatch
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from instantly_sandbox.errors import ApiError, BadRequestError, TooManyRequestsError


class RequestLog:
    """Every /api/v2 request: ``{seq, method, path, status, workspace_id, ...}``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._seq = 0

    def add(self, **entry: Any) -> None:
        with self._lock:
            self._seq += 1
            self._entries.append({"seq": self._seq, **entry})

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


DEFAULT_PER_SECOND, DEFAULT_PER_MINUTE = 100, 6_000
# Whose budget a request spends: the workspace it acts in (x-as-workspace, or the
# key's own), or always the calling key's own workspace (the agency).
PER_MODES = ("acted_workspace", "key_workspace")


def _limit(body: dict[str, Any], name: str) -> int:
    if name not in body:
        raise BadRequestError(f"body must have required property '{name}'")
    value = body[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequestError(f"body/{name} must be integer")
    if value < 1:
        raise BadRequestError(f"body/{name} must be >= 1")
    return value


class RateLimiter:
    """Sliding windows of ``per_second`` and ``per_minute`` requests (100 and 6,000 by
    default) for each budget; ``per`` says whose budget a request spends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}
        self.set(DEFAULT_PER_SECOND, DEFAULT_PER_MINUTE)

    def configure(self, body: Any) -> dict[str, Any]:
        """``PUT /_sandbox/limits``: validate (400 naming the field), apply, echo the settings."""
        if not isinstance(body, dict):
            raise BadRequestError("body must be object")
        per = body.get("per", "acted_workspace")
        if per not in PER_MODES:
            raise BadRequestError("body/per must be equal to one of the allowed values")
        self.set(_limit(body, "per_second"), _limit(body, "per_minute"), per)
        return self.settings()

    def set(self, per_second: int, per_minute: int, per: str = "acted_workspace") -> None:
        """New limits; every budget starts empty."""
        with self._lock:
            self.per_second, self.per_minute, self.per = per_second, per_minute, per
            self._hits.clear()

    def reset(self) -> None:
        """The defaults: 100 a second, 6,000 a minute, per acted workspace."""
        self.set(DEFAULT_PER_SECOND, DEFAULT_PER_MINUTE)

    def settings(self) -> dict[str, Any]:
        """``{"per_second", "per_minute", "per"}``."""
        with self._lock:
            return {"per_second": self.per_second, "per_minute": self.per_minute, "per": self.per}

    def hit(self, acted_workspace: str, key_workspace: str) -> None:
        """Count one request against its budget; raise 429 with Retry-After when over either limit."""
        budget = key_workspace if self.per == "key_workspace" else acted_workspace
        with self._lock:
            now = time.monotonic()
            hits = self._hits.setdefault(budget, deque())
            while hits and now - hits[0] >= 60:
                hits.popleft()
            in_second = [t for t in hits if now - t < 1]
            if len(in_second) >= self.per_second:
                raise TooManyRequestsError(math.ceil(1 - (now - in_second[-self.per_second])))
            if len(hits) >= self.per_minute:
                raise TooManyRequestsError(math.ceil(60 - (now - hits[-self.per_minute])))
            hits.append(now)


@dataclass
class FaultRule:
    """One rule: where it applies (``method``, ``path`` glob), how often, and its effect.

    Exactly one effect: ``status`` (an error answer, with ``retry_after`` for 429),
    ``action="drop_after_commit"`` (handle and commit, then close the connection
    without an answer) or ``delay_ms`` (wait before handling; with
    ``after_commit``, handle and commit first and hold the answer back).
    """

    probability: float
    method: str | None = None
    path: str | None = None
    status: int | None = None
    retry_after: int | None = None
    action: str | None = None
    delay_ms: int | float | None = None
    after_commit: bool = False

    def matches(self, method: str, path: str) -> bool:
        """Whether the rule applies to this request (before the dice)."""
        return (self.method is None or self.method.upper() == method) and (
            self.path is None or fnmatch.fnmatchcase(path, self.path)
        )

    @property
    def effect(self) -> str:
        """What the rule does, as the request log names it: ``status``, ``drop_after_commit``,
        ``delay`` or ``delay_after_commit``."""
        if self.status:
            return "status"
        if self.action:
            return self.action
        return "delay_after_commit" if self.after_commit else "delay"

    @property
    def delays_before(self) -> bool:
        """A plain delay: the request waits before it is handled."""
        return bool(self.delay_ms) and not self.after_commit

    @property
    def delays_after(self) -> bool:
        """An after-commit delay: the answer waits after the write has landed."""
        return bool(self.delay_ms) and self.after_commit


def _rule(i: int, raw: Any) -> FaultRule:
    """One rule from the body, or 400 naming the field."""
    where = f"body/rules/{i}"
    if not isinstance(raw, dict):
        raise BadRequestError(f"{where} must be object")
    effects = [k for k in ("status", "action", "delay_ms") if raw.get(k) is not None]
    if len(effects) != 1:
        raise BadRequestError(f"{where} must have exactly one of status, action, delay_ms")
    if raw.get("action") not in (None, "drop_after_commit"):
        raise BadRequestError(f"{where}/action must be equal to one of the allowed values")
    status = raw.get("status")
    if status is not None and (type(status) is not int or not 400 <= status < 600):
        raise BadRequestError(f"{where}/status must be an integer from 400 to 599")
    delay = raw.get("delay_ms")
    if delay is not None and (not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0):
        raise BadRequestError(f"{where}/delay_ms must be >= 0")
    after_commit = raw.get("after_commit", False)
    if not isinstance(after_commit, bool):
        raise BadRequestError(f"{where}/after_commit must be boolean")
    if after_commit and delay is None:
        raise BadRequestError(f"{where}/after_commit applies to delay_ms rules only")
    prob = raw.get("probability", 1.0)
    if not isinstance(prob, int | float) or isinstance(prob, bool) or not 0 <= prob <= 1:
        raise BadRequestError(f"{where}/probability must be a number from 0 to 1")
    try:
        return FaultRule(**{k: raw[k] for k in raw if k in FaultRule.__dataclass_fields__})
    except TypeError as exc:
        raise BadRequestError(f"{where}: {exc}") from None


@dataclass
class Faults:
    """The configured rules and their seeded random source (same seed, same faults)."""

    rules: list[FaultRule] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, body: Any) -> None:
        """``PUT /_sandbox/faults``: replace every rule and reseed (400 naming the field)."""
        if not isinstance(body, dict) or not isinstance(body.get("rules"), list):
            raise BadRequestError("body must have required property 'rules'")
        rules = [_rule(i, raw) for i, raw in enumerate(body["rules"])]
        with self.lock:
            self.rules = rules
            self.rng = random.Random(body.get("seed", 0))

    def clear(self) -> None:
        """No rules."""
        with self.lock:
            self.rules = []

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The first matching rule that fires for this request, if any."""
        with self.lock:
            for rule in self.rules:
                if rule.matches(method, path) and self.rng.random() < rule.probability:
                    return rule
        return None

    def error_for(self, rule: FaultRule) -> ApiError:
        """The answer of a ``status`` rule."""
        assert rule.status is not None
        headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}
        message = "Rate limit exceeded" if rule.status == 429 else "Injected fault"
        return ApiError(rule.status, message, headers)
