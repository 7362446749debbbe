"""What the sandbox refuses beyond the official spec's own schemas, each limit stated once here.

A request body is read no further than :data:`BODY_LIMIT` (413, as Fastify's default
``bodyLimit`` answers), must be UTF-8 JSON without ``NaN``/``Infinity``, no deeper than
:data:`MAX_DEPTH`, with no lone surrogate in any string and no number JSON cannot carry back
(400). Then the spec's schema is checked, tightened by :data:`TEXT_FIELDS` (labels, key names and
workspace names: one line, at most 255 characters; nicknames: no NUL), by a bound on lists of an
enumeration, and by the ``email`` format written as the API's validator (AJV's ``ajv-formats``)
writes it (:func:`is_email`). The
failures are worded as Fastify/AJV words its own (``body/label must NOT have more than 255
characters``). docs/sandbox.md ("Input limits") gives each limit's source.

The provider states the same limits on its side (``instantly_pulumi.validation``; the sandbox
may not import it), and ``tests/unit/test_input_limits_agree.py`` checks that the two agree.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from instantly_sandbox.errors import BadRequestError, PayloadTooLargeError

__all__ = [
    "BODY_LIMIT",
    "EMAIL_MAX",
    "MAX_DEPTH",
    "NAME_MAX",
    "NO_NUL",
    "ONE_LINE",
    "TEXT_FIELDS",
    "Text",
    "check_body_size",
    "decode",
    "has_no_nul",
    "is_email",
    "is_one_line",
    "tightened",
]

BODY_LIMIT = 1_048_576
"""Bytes of a request body at most: Fastify's default ``bodyLimit`` (1 MiB); more is a 413."""

MAX_DEPTH = 32
"""Nesting of a JSON body at most (our choice: the spec's deepest body, a campaign's schedule
timing, is 5 levels; a deeper body is a client bug or an attack on the parser's stack)."""

EMAIL_MAX = 254
"""Characters of an email address at most: RFC 5321's path limit (256 with the angle brackets)."""

NAME_MAX = 255
"""Characters of a tag label, an API key's name and a workspace's name at most (our choice: the
spec sets none)."""

ONE_LINE = "one-line"
"""The format of one-line display text: no C0 control character (NUL, tab, newline …), no DEL."""

NO_NUL = "no-nul"
"""The format of text that may span lines (a nickname): no NUL."""

# ajv-formats' "full" email (the format Fastify's AJV checks `format: email` with), anchored
# as JavaScript's `^…$` is (no newline before the end) and ASCII-only as its /i is.
_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?",
    re.IGNORECASE | re.ASCII,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NUL = re.compile(r"\x00")
_SAFE_INTEGER = 2**53 - 1  # beyond it a JavaScript number (the API's) cannot hold an integer exactly


@dataclass(frozen=True)
class Text:
    """A text field's limits: its maximum length (None: the spec's own) and its characters
    (:data:`ONE_LINE` or :data:`NO_NUL`)."""

    max_length: int | None
    chars: str = ONE_LINE


TEXT_FIELDS: dict[str, dict[str, Text]] = {
    "createCustomTag": {"label": Text(NAME_MAX)},
    "patchCustomTag": {"label": Text(NAME_MAX)},
    "createAPIKey": {"name": Text(NAME_MAX)},
    "patchWorkspace": {"name": Text(NAME_MAX)},
    "createWorkspaceMember": {"nickname": Text(None, NO_NUL)},  # maxLength 80 is the spec's
    "patchWorkspaceMember": {"nickname": Text(None, NO_NUL)},
}
"""operationId → body field → its limits beyond the spec's schema."""


def is_email(value: object) -> bool:
    """Whether ``value`` is an email address as the API's ``format: email`` accepts it."""
    return isinstance(value, str) and len(value) <= EMAIL_MAX and _EMAIL.fullmatch(value) is not None


def is_one_line(value: object) -> bool:
    """Whether ``value`` holds no control character (text shown on one line)."""
    return not isinstance(value, str) or _CONTROL.search(value) is None


def has_no_nul(value: object) -> bool:
    """Whether ``value`` holds no NUL character."""
    return not isinstance(value, str) or _NUL.search(value) is None


def tightened(operation_id: str, schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (a body schema of the spec, not changed) with :data:`TEXT_FIELDS`' limits added,
    and each list of an enumeration (scopes, permissions) bounded by the enumeration's size: more
    items than there are values must repeat one (our choice: the spec sets no ``maxItems``)."""
    props = dict(schema.get("properties", {}))
    for name, prop in props.items():
        items = prop.get("items") if isinstance(prop, dict) else None
        kinds = prop.get("type") if isinstance(prop, dict) else None
        is_list = kinds == "array" or (isinstance(kinds, list) and "array" in kinds)
        if is_list and isinstance(items, dict) and "enum" in items:
            props[name] = {**prop, "maxItems": prop.get("maxItems", len(items["enum"]))}
    for name, text in TEXT_FIELDS.get(operation_id, {}).items():
        prop = dict(props[name])  # a KeyError here is a TEXT_FIELDS entry the spec lacks
        if text.max_length is not None:
            prop["maxLength"] = text.max_length
        prop["format"] = text.chars
        props[name] = prop
    return {**schema, "properties": props}


def check_body_size(declared: str | None, received: int = 0) -> None:
    """413 when the ``Content-Length`` ``declared`` or the bytes ``received`` pass the limit."""
    try:
        size = max(int(declared or 0), received)
    except ValueError:
        size = received
    if size > BODY_LIMIT:
        raise PayloadTooLargeError()


def decode(raw: bytes, *, empty: Any = None) -> Any:
    """The JSON value of a request body (``empty`` when blank), or a 400 saying what is wrong."""
    check_body_size(None, len(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequestError("body must be valid UTF-8") from None
    if not text.strip():
        return empty
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BadRequestError(f"body must NOT be nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise BadRequestError("body must be valid JSON") from None
    _check_values(value)
    return value


def _no_constant(name: str) -> Any:
    # NaN, Infinity and -Infinity are Python's extensions; JSON (and JSON.parse) has none.
    raise ValueError(f"{name} is not JSON")


def _where(path: tuple[str | int, ...]) -> str:
    return "/".join(["body", *(str(p) for p in path)])


def _check_values(value: Any) -> None:
    """Depth, lone surrogates and numbers, in one walk without recursion (the body can be deep)."""
    todo: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while todo:
        item, path = todo.pop()
        if len(path) > MAX_DEPTH:
            raise BadRequestError(f"body must NOT be nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int) and abs(item) > _SAFE_INTEGER:
            raise BadRequestError(f"{_where(path)} must be a safe integer (at most {_SAFE_INTEGER} in size)")
        elif isinstance(item, float) and not math.isfinite(item):
            raise BadRequestError(f"{_where(path)} must be a finite number")
        elif isinstance(item, dict):
            for key, sub in item.items():
                _check_text(key, path)
                todo.append((sub, (*path, key)))
        elif isinstance(item, list):
            todo.extend((sub, (*path, i)) for i, sub in enumerate(item))


def _check_text(text: str, path: tuple[str | int, ...]) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start]
        raise BadRequestError(
            f"{_where(path)} must NOT contain a lone surrogate (\\u{ord(bad):04x}): send valid Unicode"
        ) from None
