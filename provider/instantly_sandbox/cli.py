"""The ``instantly-sandbox`` command: ``serve`` the sandbox, ``seed`` it with a demo agency.

``serve`` prints one JSON line with ``base_url`` (and ``db``) once the server
accepts connections, and stops cleanly on SIGTERM or SIGINT. ``seed`` waits
for a server to answer, creates an agency and two clients (``seed.py``) and
prints them as ``text``, ``env`` or ``json``; so one script can say::

    instantly-sandbox serve &
    eval "$(instantly-sandbox seed --format env)"
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
from pathlib import Path
from types import FrameType

import httpx
import uvicorn

from instantly_sandbox.app import build_app
from instantly_sandbox.seed import DEFAULT_BASE_URL, FORMATS, seed
from instantly_sandbox.store import Store
from instantly_sandbox.testing import SandboxControl

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
DEFAULT_DB = Path(".state") / "sandbox" / "sandbox.db"
SEED_WAIT_SECONDS = 15.0


class _Server(uvicorn.Server):
    """Announces the bound address once started (port 0 picks a free port)."""

    def __init__(self, config: uvicorn.Config, sock: socket.socket, db: Path) -> None:
        super().__init__(config)
        self._sock = sock
        self._db = db

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Shut down gracefully and exit 0: SIGTERM is how the sandbox is meant to stop,
        # so it is not re-raised after shutdown (uvicorn's default would exit -15).
        self.should_exit = True

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        host, port = self._sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(json.dumps({"base_url": f"http://{shown}:{port}", "db": str(self._db)}), flush=True)


def _accept_invitations(store: Store, after: float, stop: threading.Event) -> None:
    """Stand in for the clients' owners: accept each group invitation ``after`` seconds old."""
    while not stop.wait(min(0.5, after / 2 or 0.5)):
        store.groups.accept_overdue(after)


def serve(
    host: str, port: int, db: Path, log_level: str = "warning", accept_after: float | None = None
) -> None:
    """Serve until SIGTERM/SIGINT; ``db``'s parent directory is created if missing.

    With ``accept_after``, group invitations are accepted once they are that many
    seconds old (nobody else is there to accept them on a sandbox tried by hand)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio turns Nagle off (TCP_NODELAY) only on sockets that
    # say they are TCP; without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(
            f"instantly-sandbox serve: cannot listen on {host}:{port}: {exc.strerror} "
            "(--port 0 picks a free port)"
        ) from None
    store = Store(db)
    config = uvicorn.Config(build_app(store), log_level=log_level, access_log=False, lifespan="off")
    server = _Server(config, sock, db)
    stop = threading.Event()
    if accept_after is not None:
        threading.Thread(target=_accept_invitations, args=(store, accept_after, stop), daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        stop.set()
        store.close()


def run_seed(base_url: str, fmt: str, wait: float = SEED_WAIT_SECONDS) -> int:
    """Seed the sandbox at ``base_url`` and print the result; 1 with a message on failure."""
    base_url = base_url.rstrip("/")
    control = SandboxControl(base_url)
    try:
        control.wait_ready(wait)
        seeded = seed(base_url, control)
    except TimeoutError as exc:
        print(f"instantly-sandbox seed: {exc}; start one with `instantly-sandbox serve`", file=sys.stderr)
        return 1
    except httpx.HTTPStatusError as exc:
        print(
            f"instantly-sandbox seed: {exc.request.method} {exc.request.url.path} answered "
            f"{exc.response.status_code}: {exc.response.text[:300]}",
            file=sys.stderr,
        )
        return 1
    except httpx.HTTPError as exc:
        print(f"instantly-sandbox seed: {exc!r}", file=sys.stderr)
        return 1
    finally:
        control.close()
    sys.stdout.write(FORMATS[fmt](seeded))
    sys.stdout.flush()
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line: ``serve`` and ``seed``."""
    top = argparse.ArgumentParser(prog="instantly-sandbox", description="A local Instantly API v2 server.")
    sub = top.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve the API and the /_sandbox/ control plane")
    run.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    run.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    run.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        help=f"SQLite file, created with its directory if missing (default {DEFAULT_DB}, "
        "relative to the current directory)",
    )
    run.add_argument(
        "--accept-invitations-after",
        type=float,
        metavar="SECONDS",
        help="accept every workspace-group invitation once it is SECONDS old, as its owner would "
        "(default: never; invitations wait for POST /_sandbox/workspace-group-members/{id}/accept)",
    )
    run.add_argument("--log-level", default="warning")
    fill = sub.add_parser("seed", help="create a demo agency and two client workspaces on a running sandbox")
    fill.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, help=f"the sandbox to seed (default {DEFAULT_BASE_URL})"
    )
    fill.add_argument(
        "--format",
        choices=sorted(FORMATS),
        default="text",
        help="text: a summary (default); env: export lines for eval; json: everything, with owner keys",
    )
    fill.add_argument(
        "--wait",
        type=float,
        default=SEED_WAIT_SECONDS,
        help=f"seconds to wait for the sandbox to answer (default {SEED_WAIT_SECONDS:g})",
    )
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``instantly-sandbox`` console script."""
    args = parser().parse_args(argv)
    if args.command == "seed":
        return run_seed(args.base_url, args.format, args.wait)
    serve(args.host, args.port, args.db, args.log_level, args.accept_invitations_after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
