"""``instantly-sandbox serve``: run the sandbox on a real socket.

Prints one JSON line with ``base_url`` once the server accepts connections,
and stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from pathlib import Path
from types import FrameType

import uvicorn

from instantly_sandbox.app import build_app
from instantly_sandbox.store import Store


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


def serve(host: str, port: int, db: Path, log_level: str = "warning") -> None:
    """Serve until SIGTERM/SIGINT."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio turns Nagle off (TCP_NODELAY) only on sockets that
    # say they are TCP; without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    store = Store(db)
    config = uvicorn.Config(build_app(store), log_level=log_level, access_log=False, lifespan="off")
    server = _Server(config, sock, db)
    try:
        server.run(sockets=[sock])
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``instantly-sandbox`` console script."""
    parser = argparse.ArgumentParser(prog="instantly-sandbox", description="A local Instantly API v2 server.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve the API and the /_sandbox/ control plane")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    run.add_argument("--db", type=Path, required=True, help="SQLite file (created if missing)")
    run.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.db, args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
