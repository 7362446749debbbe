"""``instantly-pulumi fleet``: every client stack at once, through the Pulumi Automation API.

- :mod:`.stacks` — which stacks run: the project's stack files, names given, ``--shard K/N``;
- :mod:`.runner` — the runs, side by side in threads, each driving the real ``pulumi`` CLI
  on the project's own program, with one shared rate budget and per-stack request tallies;
- :mod:`.sessions` — the CLI runs in sessions of their own, and Ctrl-C as a clean cancel;
- :mod:`.progress` — one live line per running stack on stderr (plain lines in logs);
- :mod:`.fingerprints` — what ``up --changed`` compares, recorded on each stack as a tag;
- :mod:`.members` — who each client's ``up`` added and removed, for the summary;
- :mod:`.drift` — what ``refresh --detect-drift`` finds in the engine's events;
- :mod:`.report` — the summary table or one JSON document;
- :mod:`.command` — the typer commands (``preview``, ``up``, ``refresh``, ``destroy``, ``list``).

docs/cli/fleet.md describes the command for users.
"""

from instantly_cli.fleet.command import app

__all__ = ["app"]
