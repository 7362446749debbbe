"""What the commands share: the API client from the environment, output, exit codes, errors.

Every command reads the key from ``INSTANTLY_API_KEY`` and the origin from
``INSTANTLY_BASE_URL`` (default the real API; plain http only for loopback),
prints tables for people or one JSON document with ``--json``, and exits
:data:`OK` (0), :data:`PROBLEMS` (1, something was flagged), :data:`ERROR` (2)
or, for ``fleet refresh --detect-drift``, :data:`DRIFTED` (3). A key value is
never printed: errors come from the library's error tree, which redacts it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from instantly_cli.workspace_reader import WorkspaceReader
from instantly_pulumi import validation
from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.errors import InstantlyError
from instantly_pulumi.settings import NO_KEY, Credentials

T = TypeVar("T")

OK, PROBLEMS, ERROR, DRIFTED = 0, 1, 2, 3
"""Exit codes: success, problems found (audit), error, drift found (``fleet refresh --detect-drift``)."""

NO_KEY_IN_ENV = "no Instantly API key: export INSTANTLY_API_KEY"
"""The library's :data:`~instantly_pulumi.settings.NO_KEY`, for a command (it reads only the environment)."""

console = Console()
"""Where people read (stdout)."""
errors = Console(stderr=True)
"""Where errors and progress go (stderr), so ``--json`` stdout stays one document."""


def api_client() -> InstantlyClient:
    """The client for ``INSTANTLY_API_KEY`` / ``INSTANTLY_BASE_URL`` (exits 2 with what to do)."""
    try:
        credentials = Credentials.resolve({})
    except InstantlyError as exc:
        # The library's message also offers stack config, which a command does not read.
        fail(NO_KEY_IN_ENV if str(exc) == NO_KEY else str(exc))
    return InstantlyClient(credentials, progress=waiting)


def waiting(line: str) -> None:
    """A long wait of the client (a retry's backoff, a 429), told on stderr so no run looks hung."""
    errors.print(f"waiting: {line}", markup=False, highlight=False, soft_wrap=True)


def fail(message: str, *, secrets: tuple[str, ...] = ()) -> NoReturn:
    """Print ``message`` as an error (``secrets`` blanked out) and exit 2."""
    errors.print("[bold red]error:[/] ", end="")
    errors.print(redact(message, *secrets), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(ERROR)


def redact(text: str, *secrets: str) -> str:
    """``text`` with every non-empty secret in ``secrets`` replaced by ``<redacted>``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s\"']+@", re.IGNORECASE)


def mask_credentials(text: str) -> str:
    """``text`` with the user and password of every URL in it replaced by ``****``
    (a PostgreSQL backend URL may carry a password, and Pulumi's errors quote the URL)."""
    return _URL_CREDENTIALS.sub(lambda m: m["scheme"] + "****@", text)


@contextmanager
def reported(*, secrets: tuple[str, ...] = ()) -> Iterator[None]:
    """Turn the library's errors into a clear message and exit code 2 (never a traceback)."""
    try:
        yield
    except InstantlyError as exc:
        fail(str(exc), secrets=secrets)


@contextmanager
def api_reader(*, secrets: tuple[str, ...] = ()) -> Iterator[WorkspaceReader]:
    """A :class:`WorkspaceReader` over the environment's client; library errors exit 2."""
    client = api_client()
    try:
        with reported(secrets=secrets):
            yield WorkspaceReader(client)
    finally:
        client.close()


def workspace_id(value: str) -> str:
    """``--workspace-id``, checked before any API call (exit 2 naming the flag)."""
    try:
        return validation.workspace_id(value.strip())
    except ValueError as exc:
        fail(f"--workspace-id: {exc}")


def confirm(question: str, *, yes: bool) -> None:
    """Go on only with ``--yes`` or a "y" typed at a terminal; otherwise exit 2, having changed nothing."""
    if yes:
        return
    if not sys.stdin.isatty():
        fail(
            "this command changes the workspace and asks for confirmation first: no terminal to ask at, "
            "so pass --yes to go ahead"
        )
    if not typer.confirm(question, default=False, err=True):
        fail("cancelled: nothing was changed")


def walk(description: str, items: Sequence[T], label: Callable[[T], str]) -> Iterator[T]:
    """Yield ``items`` with progress on stderr: a bar at a terminal, one line per item otherwise
    (so a CI log shows where it was). Nothing is shown for fewer than two items."""
    if len(items) < 2:
        yield from items
        return
    if not errors.is_terminal:
        for i, item in enumerate(items, 1):
            errors.print(f"{description} {i}/{len(items)}: {label(item)}", markup=False, highlight=False)
            yield item
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=errors, transient=True
    ) as bar:
        task = bar.add_task(description, total=len(items))
        for item in items:
            bar.update(task, description=f"{description}: {label(item)}")
            yield item
            bar.advance(task)


def print_json(document: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()
