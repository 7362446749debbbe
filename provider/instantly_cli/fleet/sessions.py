"""The Pulumi CLI runs of a fleet, and how Ctrl-C stops them cleanly.

A terminal's Ctrl-C sends SIGINT to every process of the foreground group.
Pulumi reads the first SIGINT as "cancel" (finish the resource operations in
flight, save the state, release the lock) and a second one as "terminate now"
(which can leave pending operations and a lock behind). If the fleet's CLI runs
shared its process group, one Ctrl-C would reach each of them directly *and*
through the fleet. So :class:`SessionCommand` starts every ``pulumi`` in its own
session: only the fleet hears the terminal, and it interrupts each run exactly
once (:meth:`SessionCommand.interrupt`). A second Ctrl-C is forwarded as a
second SIGINT, which is Pulumi's own "terminate immediately".

:class:`Interrupts` counts SIGINT and SIGTERM (CI cancels with SIGTERM) and does
nothing else in the handler; the fleet's main loop acts on the count.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping
from types import FrameType, TracebackType
from typing import Any

from pulumi.automation import CommandResult, PulumiCommand
from pulumi.automation.errors import create_command_error

__all__ = ["Interrupts", "SessionCommand", "StoppedError"]

OPERATIONS = frozenset({"preview", "up", "refresh", "destroy"})
"""The commands that change a stack (or read it under its lock): not started once the fleet stops."""


class StoppedError(Exception):
    """An operation the fleet did not start because it is stopping."""


class SessionCommand(PulumiCommand):
    """The Automation API's runner of the ``pulumi`` CLI, each run in a session of its own.

    Same contract as :class:`pulumi.automation.PulumiCommand` (``--non-interactive``,
    the Automation API's environment, streaming ``on_output``/``on_error``, a
    ``CommandError`` on failure); in addition it knows its running processes, so
    :meth:`interrupt` can send each one SIGINT, and it starts no new operation
    (:data:`OPERATIONS`) after :meth:`stop`.
    """

    def __init__(self) -> None:
        # The version check is the SDK's own: our CLI is built at the SDK's version.
        super().__init__()
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self.stopping = False
        """Set by :meth:`stop`: operations not yet started are refused (:class:`StoppedError`)."""

    def stop(self) -> None:
        """Start no new operation from now on."""
        with self._lock:
            self.stopping = True

    def interrupt(self) -> int:
        """Send SIGINT to every running ``pulumi``; return how many were signalled."""
        with self._lock:
            running = list(self._running)
        for process in running:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGINT)
        return len(running)

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Callable[[str], Any] | None = None,
        on_error: Callable[[str], Any] | None = None,
    ) -> CommandResult:
        """Run ``pulumi <args>`` in ``cwd`` in a new session; raise ``CommandError`` on failure."""
        if "--non-interactive" not in args:
            args.insert(0, "--non-interactive")
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        chunks: dict[str, list[str]] = {"out": [], "err": []}

        def consume(stream: Any, callback: Callable[[str], Any] | None, into: list[str]) -> None:
            for line in iter(stream.readline, ""):
                stripped = line.rstrip()
                if callback:
                    callback(stripped)
                into.append(stripped)
            stream.close()

        with self._lock:
            if self.stopping and OPERATIONS.intersection(args):
                raise StoppedError(" ".join(args))
            process = subprocess.Popen(
                [self.command, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=env,
                encoding="utf-8",
                start_new_session=True,
            )
            self._running.add(process)
        try:
            readers = [
                threading.Thread(target=consume, args=(process.stdout, on_output, chunks["out"])),
                threading.Thread(target=consume, args=(process.stderr, on_error, chunks["err"])),
            ]
            for reader in readers:
                reader.start()
            for reader in readers:
                reader.join()
            code = process.wait()
        finally:
            with self._lock:
                self._running.discard(process)
        result = CommandResult(stdout="\n".join(chunks["out"]), stderr="\n".join(chunks["err"]), code=code)
        if code != 0:
            raise create_command_error(result)
        return result


class Interrupts:
    """Counts SIGINT/SIGTERM while in use (``with Interrupts() as seen: ... seen.count``)."""

    def __init__(self) -> None:
        self.count = 0
        """Signals received so far."""
        self._previous: dict[int, Any] = {}

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        # Only count: the handler runs in the main thread between bytecodes, possibly while it
        # holds a lock the real work needs.
        self.count += 1

    def __enter__(self) -> Interrupts:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
