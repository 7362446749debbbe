"""What the commands share: the API client from the environment, output, exit codes, errors.

Every command reads the key from ``INSTANTLY_API_KEY`` and the origin from
``INSTANTLY_BASE_URL`` (default the real API; plain http only for loopback),
prints tables for people or one JSON document with ``--json``, and exits
:data:`OK` (0), :data:`PROBLEMS` (1, something was flagged) or :data:`ERROR`
(2). A key value is never printed: errors come from the library's error tree,
which redacts it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console

from instantly_pulumi.client import Credentials, InstantlyClient
from instantly_pulumi.errors import InstantlyError

OK, PROBLEMS, ERROR = 0, 1, 2
"""Exit codes: success, problems found (audit), error."""

console = Console()
"""Where people read (stdout)."""
errors = Console(stderr=True)
"""Where errors and progress go (stderr), so ``--json`` stdout stays one document."""


def api_client() -> InstantlyClient:
    """The client for ``INSTANTLY_API_KEY`` / ``INSTANTLY_BASE_URL`` (exits 2 with what to do)."""
    try:
        credentials = Credentials.resolve({})
    except InstantlyError as exc:
        fail(
            str(exc).replace(
                "run `pulumi config set --secret instantly:apiKey` (it reads the key from the "
                "prompt or stdin), or ",
                "",
            )
        )
    return InstantlyClient(credentials)


def fail(message: str) -> NoReturn:
    """Print ``message`` as an error and exit 2."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(ERROR)


@contextmanager
def reported() -> Iterator[None]:
    """Turn the library's errors into a clear message and exit code 2 (never a traceback)."""
    try:
        yield
    except InstantlyError as exc:
        fail(str(exc))


def print_json(document: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()
