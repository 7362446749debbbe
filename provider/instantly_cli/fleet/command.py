"""``instantly-pulumi fleet preview|up|refresh|destroy|list``: the command line of the fleet."""

from __future__ import annotations

import inspect
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from pulumi.automation import CommandError
from pulumi.automation.errors import InvalidVersionError

from instantly_cli.common import (
    DRIFTED,
    ERROR,
    OK,
    PROBLEMS,
    console,
    errors,
    fail,
    mask_credentials,
    print_json,
    reported,
)
from instantly_cli.fleet.progress import Progress
from instantly_cli.fleet.report import document, print_report
from instantly_cli.fleet.runner import FINE, Fleet
from instantly_cli.fleet.sessions import Interrupts
from instantly_cli.fleet.stacks import Project, Shard, choose
from instantly_cli.pulumi_runner import find_pulumi_bin

__all__ = ["INTERRUPTED", "app"]

INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT, as shells report it)."""

DEFAULT_PARALLEL = 4

app = typer.Typer(
    help="Run preview, up, refresh or destroy over every client stack at once (stacks/Pulumi.*.yaml), "
    "in the project directory, through the Pulumi Automation API. docs/cli/fleet.md has the details.",
    no_args_is_help=True,
)

Stacks = Annotated[
    list[str] | None,
    typer.Argument(help="Stacks to run (default: every stacks/Pulumi.<stack>.yaml).", show_default=False),
]
Parallel = Annotated[
    int, typer.Option("--parallel", "-p", min=1, help="How many stacks run at the same time.")
]
ShardOption = Annotated[
    str | None,
    typer.Option("--shard", metavar="K/N", help="Only the K-th of N stable, disjoint shards (for CI)."),
]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of the table.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before destroy.")]
PolicyPacks = Annotated[
    list[str] | None,
    typer.Option(
        "--policy-pack",
        metavar="DIR",
        help="Run this policy pack on every stack (repeatable), as `pulumi preview --policy-pack DIR`.",
        show_default=False,
    ),
]
PolicyPackConfigs = Annotated[
    list[str] | None,
    typer.Option(
        "--policy-pack-config",
        metavar="FILE",
        help="JSON config of the policy pack given at the same position (repeatable).",
        show_default=False,
    ),
]
DetectDrift = Annotated[
    bool,
    typer.Option(
        "--detect-drift",
        help="Write nothing: read every stack's objects, compare them with its state and its file, "
        "and exit 3 when something drifted (0 when nothing did).",
    ),
]
Changed = Annotated[
    bool,
    typer.Option(
        "--changed",
        help="Run only the stacks whose stack file, agency config (Pulumi.yaml), program or secrets "
        "changed since their last successful fleet up; report the others as unchanged.",
    ),
]
SecretsProvider = Annotated[
    str | None,
    typer.Option(
        "--secrets-provider",
        help="Secrets provider for stacks this run creates (default: Pulumi's; passphrase on a DIY backend).",
    ),
]


def _stacks(names: list[str] | None, shard: str | None) -> tuple[Project, list[str], Shard | None]:
    with reported():
        project = Project.find(Path.cwd())
        chosen_shard = Shard.parse(shard) if shard else None
        return project, choose(project, names or [], chosen_shard), chosen_shard


def _pulumi_on_path(project: Project) -> None:
    """Make sure the CLI the Automation API runs is on PATH (the one `make cli` built, else PATH's)."""
    if shutil.which("pulumi"):
        return
    found = find_pulumi_bin(project.root)
    if found is None:
        fail("no Pulumi CLI: put `pulumi` on PATH (in this project: `make cli`, then .tools/bin)")
    os.environ["PATH"] = f"{found}{os.pathsep}{os.environ.get('PATH', '')}"


def _confirm_destroy(names: list[str], yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        fail("fleet destroy deletes what the stacks manage: confirm with --yes when not at a terminal")
    listed = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    if not typer.confirm(f"Destroy every resource of {len(names)} stacks ({listed})?", err=True):
        raise typer.Exit(ERROR)


def _policy_packs(packs: list[str], configs: list[str]) -> tuple[list[str], list[str]]:
    """The packs and their configs as absolute paths (Pulumi runs in the project root, not here),
    checked before any stack runs."""
    if len(configs) > len(packs):
        fail("more --policy-pack-config than --policy-pack: a config goes with the pack at its position")
    for pack in packs:
        if not (Path(pack) / "PulumiPolicy.yaml").is_file():
            fail(f"--policy-pack {pack}: not a policy pack (no PulumiPolicy.yaml there)")
    for config in configs:
        if not Path(config).is_file():
            fail(f"--policy-pack-config {config}: no such file")
    return [str(Path(p).resolve()) for p in packs], [str(Path(c).resolve()) for c in configs]


def run_fleet(
    operation: str,
    names: list[str] | None,
    parallel: int,
    shard: str | None,
    as_json: bool,
    yes: bool,
    secrets_provider: str | None,
    policy_packs: list[str] | None = None,
    policy_pack_configs: list[str] | None = None,
    detect_drift: bool = False,
    changed: bool = False,
) -> int:
    """Run ``operation`` over the chosen stacks; return the exit code (0, 1, 2, 3 or 130)."""
    packs, pack_configs = _policy_packs(policy_packs or [], policy_pack_configs or [])
    project, chosen, chosen_shard = _stacks(names, shard)
    if operation == "destroy":
        _confirm_destroy(chosen, yes)
    _pulumi_on_path(project)
    run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{operation}-{os.getpid()}"
    run_dir = project.root / ".state" / "fleet" / run_id
    budget = Path(os.environ.get("INSTANTLY_RATE_FILE") or run_dir / "rate-budget")
    fleet = Fleet(
        project,
        operation,
        chosen,
        parallel=parallel,
        run_dir=run_dir,
        budget_file=budget,
        secrets_provider=secrets_provider,
        policy_packs=packs,
        policy_pack_configs=pack_configs,
        detect_drift=detect_drift,
        changed_only=changed,
    )
    try:
        with Interrupts() as interrupts, Progress(errors, operation, fleet.runs) as progress:
            fleet.run(interrupts, progress.tick)
    except (CommandError, InvalidVersionError) as exc:
        # Before any stack ran: the CLI itself, the login or the backend.
        fail(mask_credentials(f"the Pulumi CLI could not list the stacks of {project.root}:\n{exc}"))
    if as_json:
        print_json(document(fleet, str(chosen_shard) if chosen_shard else None))
    else:
        print_report(console, fleet)
    if fleet.interrupted:
        return INTERRUPTED
    if not all(r.state in FINE for r in fleet.runs):
        return PROBLEMS  # a stack that could not be read cannot be said to be free of drift
    return DRIFTED if any(r.drift and r.drift.drifts for r in fleet.runs) else OK


_POLICIES = ("policy_pack", "policy_pack_config")
_OWN_OPTIONS = ("policy_pack", "policy_pack_config", "detect_drift", "changed")
"""The options only some operations take (the others' signatures leave them out)."""


def _operation(operation: str, summary: str, *, options: tuple[str, ...] = ()) -> None:
    """Register ``fleet <operation>`` with the common options and, of :data:`_OWN_OPTIONS`, those
    named in ``options`` (Pulumi's preview and up run policy packs; only refresh detects drift)."""

    def command(
        stacks: Stacks = None,
        parallel: Parallel = DEFAULT_PARALLEL,
        shard: ShardOption = None,
        as_json: Json = False,
        yes: Yes = False,
        secrets_provider: SecretsProvider = None,
        policy_pack: PolicyPacks = None,
        policy_pack_config: PolicyPackConfigs = None,
        detect_drift: DetectDrift = False,
        changed: Changed = False,
    ) -> None:
        common = (as_json, yes, secrets_provider)
        raise typer.Exit(
            run_fleet(
                operation,
                stacks,
                parallel,
                shard,
                *common,
                policy_packs=policy_pack,
                policy_pack_configs=policy_pack_config,
                detect_drift=detect_drift,
                changed=changed,
            )
        )

    # typer builds the options from the signature: leave out those this operation does not take.
    signature = inspect.signature(command, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name not in _OWN_OPTIONS or p.name in options]
    command.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    command.__doc__ = summary
    app.command(operation)(command)


_operation(
    "preview",
    "Preview every stack: what `up` would change (makes no change and no API write).",
    options=_POLICIES,
)
_operation(
    "up",
    "Create or update every stack's resources (stacks missing on the backend are created); with "
    "--changed, only the stacks whose inputs changed since their last successful fleet up.",
    options=(*_POLICIES, "changed"),
)
_operation(
    "refresh",
    "Read every stack's resources back from the API, once each (no preview pass); with --detect-drift, "
    "write nothing and report what differs from the state and the file.",
    options=("detect_drift",),
)
_operation("destroy", "Destroy every stack's resources (asks first unless --yes).")


@app.command("list")
def list_stacks(stacks: Stacks = None, shard: ShardOption = None, as_json: Json = False) -> None:
    """List the stacks a fleet command would run (with --shard: this shard's), without running Pulumi."""
    project, chosen, chosen_shard = _stacks(stacks, shard)
    if as_json:
        print_json(
            {"project": project.name, "shard": str(chosen_shard) if chosen_shard else None, "stacks": chosen}
        )
    else:
        for name in chosen:
            console.print(name, highlight=False, markup=False)
