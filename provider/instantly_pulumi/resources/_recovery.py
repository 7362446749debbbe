"""Runs that died: the write-ahead record of every create, and the window a lost create can land in.

Pulumi journals a pending CREATE into the stack's state *before* it calls a provider's ``create``:
the resource's URN and its inputs, on whatever backend the stack uses (a file, PostgreSQL, a
bucket, Pulumi Cloud), so any machine can read it. A run killed during the create (a closed laptop,
a cancelled CI job) leaves that record behind, and nothing else of its own.

``check`` stamps every new object's inputs with an *intent* (:data:`INTENT`: when it was checked, on
this machine's clock, and a nonce), so that record also says when the lost create can have started:
no earlier than the check. The next run's program finds the records of its stack
(:mod:`instantly_pulumi.recovery`) and hands each object's intent back, marked ``recovered``; the
create then looks, before it writes, for what the killed run made:

* an object with the same natural key, made by the API within the window a killed run's create can
  land in (``[check - SLACK, check + HORIZON + SLACK]``), is the killed run's: taken over as
  *created* (so ``destroy`` deletes it);
* one made before the check existed already: the killed create was refused as a duplicate, and
  ``adopt`` decides as always (one made after the window is someone else's, and is treated so too);
* an API key (names repeat) with the same name and scopes made within the window
  ``[check - slack, check + HORIZON]`` that this process did not mint is the killed run's orphan:
  revoked before the key is created again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["HORIZON", "INTENT", "SLACK", "Intent", "stamp"]

INTENT = "__intent"
"""The input that carries an object's intent (a dunder key, like Pulumi's own ``__provider``: not a
field of any resource, never compared by ``diff``)."""

SLACK = 120.0
"""Seconds between this machine's clock and the API's that the windows allow for."""

HORIZON = 900.0
"""Seconds after its check within which a killed run's create can have landed: the wait for a group
invitation's acceptance (by default 300 s) before the object, the create's own attempts and their
late-commit horizon. A key made with the same name and scopes later than this is someone else's."""


class Intent:
    """An object's create intent: when its inputs were checked, and whether a run that died left it."""

    def __init__(
        self,
        at: float,
        nonce: str,
        recovered: bool = False,
        deleting: bool = False,
        held: tuple[str, ...] = (),
    ) -> None:
        self.at = at
        """Seconds since the epoch, this machine's clock, when the create's inputs were checked."""
        self.nonce = nonce
        self.recovered = recovered
        """A killed run's create, handed back by the program: look for what it made before writing."""
        self.deleting = deleting
        """A killed run was deleting the object: whether it is still there must be read, not assumed."""
        self.held = held
        """Ids the stack's state holds under the object's URN (the object a killed replacement was
        replacing): never the killed run's."""

    @classmethod
    def of(cls, props: Mapping[str, Any]) -> Intent | None:
        """The intent in ``props`` (None for objects made before intents existed)."""
        raw = props.get(INTENT)
        if not isinstance(raw, Mapping) or not isinstance(raw.get("at"), str):
            return None
        try:
            at = datetime.fromisoformat(raw["at"]).timestamp()
        except ValueError:
            return None
        held = tuple(str(i) for i in raw.get("held") or ())
        return cls(at, str(raw.get("nonce", "")), bool(raw.get("recovered")), bool(raw.get("deleting")), held)

    def value(self) -> dict[str, Any]:
        """The input's value."""
        out: dict[str, Any] = {
            "at": datetime.fromtimestamp(self.at, UTC).isoformat(timespec="milliseconds"),
            "nonce": self.nonce,
        }
        if self.recovered:
            out["recovered"] = True
        if self.deleting:
            out["deleting"] = True
        if self.held:
            out["held"] = list(self.held)
        return out

    def settled(self) -> Intent:
        """The same intent without what only one recovering run needs (kept in the state after it)."""
        return Intent(self.at, self.nonce)

    def within(self, timestamp: Any) -> bool:
        """Whether an API timestamp falls in the window a killed run's create can have landed in."""
        at = _seconds(timestamp)
        return at is not None and self.at - SLACK <= at <= self.at + HORIZON + SLACK


def _seconds(timestamp: Any) -> float | None:
    if not isinstance(timestamp, str):
        return None
    try:
        return datetime.fromisoformat(timestamp).timestamp()
    except ValueError:
        return None


def stamp(news: MutableMapping[str, Any], olds: Mapping[str, Any]) -> None:
    """Give an object its intent: the program's, for what a killed run left; the state's, settled,
    for an object whose inputs are unchanged (no churn in the state); else a new one.

    Changed inputs get a new intent because they may replace the object, and the replacement's
    create is the one a kill can interrupt: its window must start now, not when the object it
    replaces was first made (weeks ago, perhaps).
    """
    if Intent.of(news) is None:
        old = Intent.of(olds)
        unchanged = old is not None and _without_intent(news) == _without_intent(olds)
        news[INTENT] = (
            old.settled() if old is not None and unchanged else Intent(time.time(), uuid.uuid4().hex)
        ).value()


def _without_intent(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != INTENT}
