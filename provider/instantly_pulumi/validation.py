"""Every rule an input must follow, written once.

Each validator takes a value and returns it (possibly normalised) or raises
:class:`ValueError` with a message that says what is wrong and what to do. The
resources' field tables call them at ``pulumi preview`` (``check``), and the
stack schema wraps the same functions with pydantic's ``AfterValidator``, so a
rule cannot drift between the two.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from instantly_pulumi import models

__all__ = [
    "COLLECTIONS",
    "NAME_MAX",
    "NICKNAME_MAX",
    "ON_DESTROY",
    "access",
    "account_emails",
    "api_key_name",
    "campaign_ids",
    "closest",
    "collections",
    "did_you_mean",
    "display_text",
    "email",
    "full_access",
    "label",
    "nickname",
    "on_destroy",
    "permissions",
    "positive_seconds",
    "resource_ids",
    "resource_type",
    "role",
    "scopes",
    "tag_id",
    "workspace_id",
]

NICKNAME_MAX = 80
"""The API's limit on a member's nickname (the spec's ``maxLength``)."""

NAME_MAX = 255
"""Characters of a tag label, an API key's name and a workspace's name at most. The spec sets
none; the sandbox refuses more (docs/sandbox.md, "Input limits"), so preview says it first."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
"""What one-line display text may not hold: C0 control characters (NUL, tab, newline …) and DEL."""
_NUL = re.compile(r"\x00")
"""What no text may hold (nicknames may span lines, as the API lets them)."""

ON_DESTROY = ("keep", "delete")
"""What ``destroy`` (or removing the object from the stack) does with it."""


def closest(word: Any, vocabulary: Iterable[str]) -> str | None:
    """The word of a closed ``vocabulary`` that ``word`` most likely misspells, or None.

    The one matcher behind every "did you mean" (presets, roles, scopes, permissions, resource
    types, ``on_destroy``, collections, stack-file and config keys, the CLI's stack names): a
    word equal but for case wins, else the closest by :func:`difflib.get_close_matches` (ratio
    at least 0.6), compared case-insensitively so ``Campaign:Read`` finds ``campaigns:read``.
    """
    if not isinstance(word, str) or not word.strip():
        return None
    words = sorted(set(vocabulary))
    folded: dict[str, str] = {}
    for w in words:
        folded.setdefault(w.casefold(), w)
    key = word.strip().casefold()
    if key in folded:
        return folded[key]
    found = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[found[0]] if found else None


def did_you_mean(words: Any, vocabulary: Iterable[str]) -> str:
    """``did you mean 'x'?`` for a mistyped word (or the mistyped items of a list), or ``""``.

    With several mistyped items each suggestion names the item it is for:
    ``did you mean 'campaigns:read' (for 'campaign:read') and 'leads:read' (for 'lead:read')?``.
    """
    vocabulary = list(vocabulary)
    several = isinstance(words, list | tuple)
    items = list(words) if several else [words]
    found = [(w, closest(w, vocabulary)) for w in items]
    found = [(w, c) for w, c in found if c is not None and c != w]
    if not found:
        return ""
    if not several or len(items) == 1:
        return f"did you mean {found[0][1]!r}?"
    return "did you mean " + " and ".join(f"{c!r} (for {w!r})" for w, c in found) + "?"


def _hint(words: Any, vocabulary: Iterable[str]) -> str:
    """The suggestion to end a message with (``; did you mean 'x'?``), or ``""`` when there is none."""
    text = did_you_mean(words, vocabulary)
    return f"; {text}" if text else ""


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not {what} (expected text)")
    return value


def email(value: Any) -> str:
    """An email address (a member's identity, or an email account's id)."""
    text = _text(value, "an email address")
    if not models.is_email(text):
        raise ValueError(f"{text!r} is not an email address")
    return text


def role(value: Any) -> str:
    """A role the API can grant."""
    if value not in models.ASSIGNABLE_ROLES:
        raise ValueError(
            f"{value!r} is not a role the API can grant: use admin, editor or view "
            "(owner and client exist but cannot be assigned through the API)"
            + _hint(value, models.ASSIGNABLE_ROLES)
        )
    return str(value)


def access(value: Any) -> str | None:
    """An access preset (docs/reference/access-presets.md), or None."""
    if value is not None and value not in models.ACCESS_PRESETS:
        raise ValueError(
            f"{value!r} is not an access preset: use {', '.join(models.ACCESS_PRESETS)}"
            + _hint(value, models.ACCESS_PRESETS)
        )
    return value  # type: ignore[no-any-return]


def nickname(value: Any) -> str | None:
    """A member's private nickname, at most 80 characters."""
    if value is None:
        return None
    return display_text(_text(value, "a nickname"), NICKNAME_MAX, multiline=True)


def display_text(text: str, limit: int, *, multiline: bool = False) -> str:
    """Display text: at most ``limit`` characters and one line, with no control character
    (``multiline``: only NUL is refused, for text that may span lines, such as a nickname)."""
    if len(text) > limit:
        raise ValueError(f"is {len(text)} characters long: at most {limit} are allowed")
    bad = (_NUL if multiline else _CONTROL).search(text)
    if bad:
        where = f"U+{ord(bad.group()):04X} at position {bad.start()}"
        raise ValueError(
            f"holds a NUL character ({where}): remove it"
            if multiline
            else f"holds a control character ({where}): it must be one line of visible text"
        )
    return text


def _list(value: Any, what: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"{value!r} is not a list of {what}")
    return list(value)


def _no_repeats(items: list[Any], what: str) -> None:
    seen: set[Any] = set()
    for i, item in enumerate(items):
        if item in seen:
            raise ValueError(f"item {i} {item!r} repeats an earlier {what}")
        seen.add(item)


def permissions(value: Any) -> list[str] | None:
    """Member permissions (the 31 documented strings), or None."""
    if value is None:
        return None
    items = _list(value, "permissions")
    bad = [p for p in items if p not in models.PERMISSIONS]
    if bad:
        raise ValueError(
            f"{bad} {'is not an Instantly permission' if len(bad) == 1 else 'are not Instantly permissions'} "
            "(see docs/reference/permissions.md)" + _hint(bad, models.PERMISSIONS)
        )
    _no_repeats(items, "permission")
    return items


def scopes(value: Any) -> list[str]:
    """API key scopes: a non-empty list of the 178 documented strings."""
    items = _list(value, "scopes")
    if not items:
        raise ValueError("must list at least one scope (least privilege: only what the key needs)")
    bad = [s for s in items if s not in models.SCOPES]
    if bad:
        raise ValueError(
            f"{bad} {'is not a documented scope' if len(bad) == 1 else 'are not documented scopes'} "
            "(see docs/reference/scopes.md)" + _hint(bad, models.SCOPES)
        )
    _no_repeats(items, "scope")
    return items


def full_access(scope_list: Sequence[Any], allowed: bool) -> None:
    """Least privilege: any ``all:*`` scope needs an explicit allow."""
    wide = models.full_access_scopes([s for s in scope_list if isinstance(s, str)])
    if wide and not allowed:
        raise ValueError(
            f"{wide} grant access to every resource of the workspace: "
            "list narrower scopes, or set allow_full_access: true to allow it"
        )


def api_key_name(value: Any) -> str:
    """An API key's name: any non-blank text (names may repeat in Instantly)."""
    text = _text(value, "a key name")
    if not text.strip():
        raise ValueError("must not be blank")
    return display_text(text, NAME_MAX)


def label(value: Any) -> str:
    """A tag label: non-blank; unique per workspace after trimming."""
    text = _text(value, "a label")
    if not text.strip():
        raise ValueError("must not be blank")
    return display_text(text, NAME_MAX)


def workspace_id(value: Any) -> str:
    """A workspace id (a UUID)."""
    return _uuid(value, "a workspace id")


def _uuid(value: Any, what: str) -> str:
    if not (isinstance(value, str) and models.is_uuid(value)):
        raise ValueError(f"{value!r} is not {what} (a UUID such as 019a8c3e-0000-7000-8000-00000000ac3e)")
    return value


def tag_id(value: Any) -> str:
    """A tag id (a UUID)."""
    return _uuid(value, "a tag id")


def resource_type(value: Any) -> str:
    """``campaign`` or ``account``."""
    if value not in models.RESOURCE_TYPES:
        raise ValueError(f"{value!r} must be 'campaign' or 'account'" + _hint(value, models.RESOURCE_TYPES))
    return str(value)


def campaign_ids(value: Any) -> list[str]:
    """Campaign ids (UUIDs), no repeats."""
    items = _list(value, "campaign ids")
    for i, item in enumerate(items):
        if not (isinstance(item, str) and models.is_uuid(item)):
            raise ValueError(f"item {i} {item!r} is not a campaign id (a UUID)")
    _no_repeats(items, "campaign id")
    return items


def account_emails(value: Any) -> list[str]:
    """Email accounts (accounts are identified by their email), no repeats."""
    items = _list(value, "account emails")
    for i, item in enumerate(items):
        if not (isinstance(item, str) and models.is_email(item)):
            raise ValueError(f"item {i} {item!r} is not an email account")
    _no_repeats([str(i).lower() for i in items], "account")
    return items


def resource_ids(kind: Any, value: Any) -> list[str]:
    """The ids a tag assignment covers: campaign ids or account emails, at least one."""
    items = campaign_ids(value) if kind == "campaign" else account_emails(value)
    if not items:
        raise ValueError("must list at least one id")
    return items


def positive_seconds(value: Any) -> float | None:
    """A positive number of seconds, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{value!r} must be a positive number of seconds")
    return value


COLLECTIONS = ("members", "api_keys", "tags")
"""The collections of a client workspace a stack can keep exclusive."""


def collections(value: Any) -> list[str]:
    """Exclusive collections: any of ``members``, ``api_keys``, ``tags``, no repeats."""
    items = _list(value, "collections")
    for i, item in enumerate(items):
        if item not in COLLECTIONS:
            raise ValueError(
                f"item {i} {item!r} is not a collection: use members, api_keys or tags"
                + _hint(item, COLLECTIONS)
            )
    _no_repeats(items, "collection")
    return items


def on_destroy(value: Any) -> str | None:
    """``keep``, ``delete`` or None (keep what was adopted, delete what was created)."""
    if value is not None and value not in ON_DESTROY:
        raise ValueError(f"{value!r} must be 'keep' or 'delete'" + _hint(value, ON_DESTROY))
    return value  # type: ignore[no-any-return]
