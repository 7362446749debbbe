"""Reference pages generated from the code, so the docs cannot drift from it.

* each resource page's field table (``docs/resources/<module>.md``, between
  the ``fields`` markers) from the resource's field table;
* ``docs/reference/scopes.md``, ``permissions.md`` and ``access-presets.md``
  from :mod:`instantly_pulumi.models`;
* ``docs/reference/stack-file.md`` from the stack schema (:mod:`instantly_pulumi.stack`);
* ``docs/reference/changes.md`` from :mod:`instantly_pulumi.changes` (what an edit of each input does);
* the picture of who imports whom in ``docs/architecture.md`` from the code's imports.

``python -m instantly_pulumi.reference`` rewrites them; ``--check`` only says
which are stale (a unit test runs the check).

Over 400 lines on purpose: one generator function per page, each short and independent;
splitting them would only scatter the list in :func:`pages`.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from instantly_pulumi import models
from instantly_pulumi.resources import resource_modules, stack_entries
from instantly_pulumi.resources._fields import Change, Field, Place
from instantly_pulumi.resources._provider import InstantlyProvider

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- fields:begin (generated: python -m instantly_pulumi.reference) -->", "<!-- fields:end -->"

_CHANGE = {
    Change.PATCH: "updates in place (one PATCH)",
    Change.REPLACE: "**replaces** (new before old)",
    Change.RECORD: "recorded only (no API call)",
    Change.IGNORE: "nothing (not compared)",
    Change.CUSTOM: "updates in place (see below)",
}


def provider_of(module: str) -> type[InstantlyProvider]:
    """The provider class of ``instantly_pulumi.resources.<module>``."""
    mod = importlib.import_module(f"instantly_pulumi.resources.{module}")
    found = [
        v
        for v in vars(mod).values()
        if isinstance(v, type) and issubclass(v, InstantlyProvider) and v is not InstantlyProvider
    ]
    return found[0]


def _notes(f: Field) -> str:
    notes = []
    if f.required:
        notes.append("required")
    if f.default not in (None, False) or (f.type_ == "bool" and not f.output):
        notes.append(
            f"default `{f.default!r}`".replace("'", '"').replace("False", "false").replace("True", "true")
        )
    if f.natural_key:
        notes.append("natural key")
    if f.as_set:
        notes.append("compared as a set")
    if f.secret:
        notes.append("**secret**")
    if f.api and not f.output:
        notes.append("read back from the API (drift)")
    return ", ".join(notes)


def fields_table(provider: type[InstantlyProvider]) -> str:
    """The Markdown table of a resource's fields."""
    rows = ["| field | type | kind | a change | notes | meaning |", "|---|---|---|---|---|---|"]
    for f in provider.fields:
        kind = "output" if f.output else "input"
        change = "—" if f.change is None else _CHANGE[f.change]
        if f.change is Change.REPLACE and provider().deletes_first([f.name]):
            change = "**replaces** (old deleted first: the API refuses a duplicate)"
        rows.append(
            f"| `{f.name}` | {f.type_} | {kind} | {change} | {_notes(f)} | {f.doc.replace('|', '/')} |"
        )
    return "\n".join(rows)


def resource_page(module: str, current: str) -> str:
    """``current`` with its generated block replaced (appended if the markers are missing)."""
    block = f"{BEGIN}\n{fields_table(provider_of(module))}\n{END}"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1]
    return current.rstrip() + "\n\n## Fields\n\n" + block + "\n"


def scopes_page() -> str:
    """docs/reference/scopes.md."""
    by_resource: dict[str, list[str]] = {}
    for scope in sorted(models.SCOPES):
        resource, action = scope.split(":")
        by_resource.setdefault(resource, []).append(action)
    lines = [
        "# API key scopes",
        "",
        f"The {len(models.SCOPES)} scope strings an Instantly API v2 key can hold (the official spec's "
        "enum), as `resource:action`. `ApiKey.scopes` and a stack's `api_keys[].scopes` accept exactly "
        "these. Any `all:*` scope reaches every resource of the workspace: least privilege refuses it "
        "unless `allow_full_access` is set.",
        "",
        "Generated from `instantly_pulumi.models.SCOPES` (`python -m instantly_pulumi.reference`).",
        "",
        "| resource | actions | scopes |",
        "|---|---|---|",
    ]
    for resource in sorted(by_resource):
        actions = sorted(by_resource[resource])
        lines.append(
            f"| `{resource}` | {', '.join(actions)} | {', '.join(f'`{resource}:{a}`' for a in actions)} |"
        )
    return "\n".join(lines) + "\n"


def permissions_page() -> str:
    """docs/reference/permissions.md."""
    lines = [
        "# Member permissions",
        "",
        f"The {len(models.PERMISSIONS)} permission strings a workspace member can hold (the official "
        "spec's enum). `WorkspaceMember.permissions` and a stack's `members[].permissions` accept exactly "
        "these. The API cannot change a member's permissions: a change replaces the member (a new "
        "invitation). `members[].access` presets expand to a role plus a set of these "
        "(see [access presets](access-presets.md)).",
        "",
        "Generated from `instantly_pulumi.models.PERMISSIONS` (`python -m instantly_pulumi.reference`).",
        "",
        "| area | permission |",
        "|---|---|",
    ]
    for perm in sorted(models.PERMISSIONS, key=lambda p: (p.split(".")[0].lower(), p)):
        lines.append(f"| {perm.split('.')[0]} | `{perm}` |")
    return "\n".join(lines) + "\n"


PRESET_CELLS = {
    # persona: (campaigns, leads, accounts, webhooks, API keys, members) as the matrix says,
    # and where the API cannot say it exactly.
    "admin": ("full", "full", "full", "full", "full", "full", "the `admin` role grants all of it"),
    "manager": (
        "create and edit",
        "create and edit",
        "view",
        "create",
        "view",
        "view",
        "webhooks, API keys and members have no permission of their own: the `editor` role decides them "
        "(editors can create webhooks; viewing keys and members cannot be granted apart)",
    ),
    "sdr": (
        "launch and pause",
        "import",
        "view",
        "none",
        "none",
        "none",
        "there is no launch-only permission: `campaigns.edit` also allows editing; leads import is "
        "`leadManagement.view` + `leads.move`; the `editor` role may reach webhooks the matrix denies",
    ),
    "viewer": ("view only", "view only", "view only", "none", "none", "none", "the `view` role is read-only"),
}


def presets_page() -> str:
    """docs/reference/access-presets.md."""
    lines = [
        "# Access presets",
        "",
        "A member in a stack file may say `access: admin | manager | sdr | viewer` instead of a role and "
        "permissions. Each preset follows the access matrix of the agency's access-control routine and "
        "maps to one of the three roles the API can grant plus a permission set, as close to the matrix "
        "row as the API allows. An explicit `role` (and `permissions`) still works; give one or the other.",
        "",
        "Generated from `instantly_pulumi.models.ACCESS_PRESETS` (`python -m instantly_pulumi.reference`).",
        "",
        "## The matrix",
        "",
        "| preset | campaigns | leads | accounts | webhooks | API keys | members |",
        "|---|---|---|---|---|---|---|",
    ]
    for preset, cells in PRESET_CELLS.items():
        lines.append(f"| `{preset}` | " + " | ".join(cells[:6]) + " |")
    lines += [
        "",
        "## What each preset grants",
        "",
        "| preset | role | permissions | where the API differs |",
        "|---|---|---|---|",
    ]
    for preset, (role, perms) in models.ACCESS_PRESETS.items():
        shown = ", ".join(f"`{p}`" for p in perms) if perms else "none (the role grants everything)"
        lines.append(f"| `{preset}` | `{role}` | {shown} | {PRESET_CELLS[preset][6]} |")
    return "\n".join(lines) + "\n"


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(annotation) if a is not type(None))
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(annotation))
    if origin is list:
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return getattr(annotation, "__name__", str(annotation))


def _model_section(model: type[BaseModel]) -> list[str]:
    lines = [
        f"## {model.__name__}",
        "",
        " ".join(inspect.cleandoc(model.__doc__ or "").split()),
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, info in model.model_fields.items():
        if info.exclude:
            continue  # set by the code, not written in a stack file
        default = "required" if info.is_required() else repr(info.get_default(call_default_factory=True))
        default = default.replace("None", "—").replace("True", "true").replace("False", "false")
        doc = (info.description or "").replace("\n", " ").replace("|", "/")
        lines.append(f"| `{name}` | {_type_name(info.annotation)} | {default} | {doc} |")
    return [*lines, ""]


def stack_file_page() -> str:
    """docs/reference/stack-file.md."""
    from instantly_pulumi import stack

    lines = [
        "# The client stack file",
        "",
        "`stacks/Pulumi.<client>.yaml`, one per client workspace. Pulumi reads it; the project's program "
        "checks all of it before any API call (`pulumi preview` of a bad file makes no request) and names "
        "every problem with its path, e.g. `client.members[2].role: ...`.",
        "",
        "Generated from `instantly_pulumi.stack` (`python -m instantly_pulumi.reference`).",
        "",
        "## Top level",
        "",
        f"A stack file has only Pulumi's own keys: {', '.join(f'`{k}`' for k in stack.STACK_FILE_KEYS)}; "
        "any other is refused. Under `config:` these keys are read, and no other:",
        "",
        "| config key | meaning |",
        "|---|---|",
        *(f"| `{k}` | {v} |" for k, v in stack.KNOWN_CONFIG.items()),
        "",
        "`instantly:apiKey` belongs in the file only encrypted (`pulumi config set --secret`), or not at all "
        "(`INSTANTLY_API_KEY`); likewise `INSTANTLY_BASE_URL` and `INSTANTLY_TIMEOUT` stand in for the "
        "other two. The base URL is an https origin without a path (plain http only to a loopback "
        "sandbox).",
        "",
        "## on_destroy",
        "",
        "`pulumi destroy` (or removing an object from the file) deletes what the stack created and keeps "
        "what it adopted. `on_destroy: keep | delete` on an object, or on the whole client, says otherwise; "
        "run `pulumi up` after changing it so the state records it before a destroy.",
        "",
    ]
    lines += [
        "## The agency",
        "",
        "What applies to every client goes once into the project-level `config:` block of `Pulumi.yaml`, "
        "which every stack inherits (`pulumi config --stack X` shows it):",
        "",
        "```yaml",
        "config:",
        "  instantly-clients:agency:",
        "    value:",
        "      team:",
        "        - {email: ops@agency.example, access: manager}",
        "        - {email: am@agency.example, access: viewer, nickname: Account manager}",
        "      exclusive: [members]        # optional",
        "```",
        "",
    ]
    models: list[type[BaseModel]] = [
        stack.AgencySpec,
        stack.ClientSpec,
        stack.GroupMembershipSpec,
        stack.MemberSpec,
        stack.ApiKeySpec,
        stack.TagSpec,
    ]
    # The entries of the resources with a key of their own (`profile:`), from their field tables.
    models += [stack.entry_keys(cls.provider_class) for cls in stack_entries()]
    for model in models:
        lines += _model_section(model)
    return "\n".join(lines).rstrip() + "\n"


def changes_page() -> str:
    """docs/reference/changes.md: what an edit of each input does to a live object."""
    from instantly_pulumi import changes, program

    def cell(e: changes.Effect | None, provider: type[InstantlyProvider]) -> str:
        if e is None:
            return "— (always adopted, never created)" if provider.always_adopts else "— (cannot be adopted)"
        writes = ", then ".join(f"`{w}`" for w in e.writes) or "no request"
        kept = "; the old one is kept (adopted)" if e.kept else ""
        return f"**{e.operation}**: {writes}{kept}"

    lines = [
        "# What an edit does",
        "",
        "For every input of every resource: what `pulumi up` does when a live object's value changes — "
        "for an object the stack created and for one it adopted — the API writes it costs, and what a "
        "person notices. `pulumi preview` says the same: the operation on the resource's line, and for a "
        "replacement a note under the resource in the diagnostics.",
        "",
        "Generated from the resources' field tables (`python -m instantly_pulumi.reference`). The change "
        "matrix (`tests/e2e/test_change_matrix.py`, part of `make test`) edits each of these on a live "
        "stack through the real CLI and checks the preview, these writes, the server and the outputs.",
        "",
        "| operation | meaning |",
        "|---|---|",
        *(f"| **{k}** | {v} |" for k, v in changes.OPERATIONS.items()),
        "",
        "Reads are not listed: every `preview` and each pass of `up` makes one `GET /workspaces/current` "
        "(it proves the agency key works and reaches the client), and a new object's checks read its "
        "collection once per run.",
        "",
    ]
    for module in resource_modules():
        provider = provider_of(module)
        kind = provider.__name__.removesuffix("Provider")
        entry = provider.stack_key or program.ENTRIES.get(kind, "")
        lines += [
            f"## {kind}",
            "",
            "| input | in the stack file | created object | adopted object | what a person notices |",
            "|---|---|---|---|---|",
        ]
        for f, by_mode in changes.effects(provider):
            if f.place is Place.ENTRY:
                where = f"`{entry}.{f.name}`"
            elif f.place is Place.CLIENT:
                where = f"`{program.CLIENT_KEYS[f.name]}` (the client's)"
            else:
                where = "set by the program"
            notice = (f.notice or "—").replace("|", "/")
            created, adopted = cell(by_mode["created"], provider), cell(by_mode["adopted"], provider)
            lines.append(f"| `{f.name}` | {where} | {created} | {adopted} | {notice} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


ARCH_BEGIN = "<!-- imports:begin (generated: python -m instantly_pulumi.reference) -->"
ARCH_END = "<!-- imports:end -->"

ROOMS = {
    "instantly_cli": "the command line (instantly-pulumi)",
    "instantly_sandbox": "the sandbox (a local Instantly API v2)",
    "instantly_pulumi": "the public API (the resources and the error tree, re-exported)",
    "instantly_pulumi.resources": "the resources (one module each) and the provider they share",
}
"""Packages drawn as one room each (every other module of the library is its own room)."""


def room(module: str) -> str:
    """The room a module is drawn in."""
    for name in sorted(ROOMS, key=len, reverse=True):
        if module == name or (module.startswith(name + ".") and name != "instantly_pulumi"):
            return name
    return module


def _what(module: str) -> str:
    """A room's caption: its description above, else its module docstring's first sentence."""
    if module in ROOMS:
        return ROOMS[module]
    doc = inspect.cleandoc(importlib.import_module(module).__doc__ or "").split("\n\n")[0]
    first = " ".join(doc.split()).split(". ")[0].rstrip(".:")
    return first.replace('"', "'").replace("`", "")


def import_graph() -> list[tuple[str, str]]:
    """Who imports whom, between rooms, read from the code (grimp, import-linter's own graph)."""
    import grimp  # a development tool: only the docs generator needs it

    graph = grimp.build_graph("instantly_pulumi", "instantly_cli", "instantly_sandbox")
    edges = {
        (room(importer), room(imported))
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
    }
    return sorted((a, b) for a, b in edges if a != b)


def architecture_page(current: str) -> str:
    """docs/architecture.md with its generated picture of who imports whom (a Mermaid flowchart)."""
    edges = import_graph()
    names = sorted({n for edge in edges for n in edge})
    ids = {name: name.replace(".", "_") for name in names}
    lines = ["```mermaid", "flowchart TD"]
    for name in names:
        lines.append(f'  {ids[name]}["{name}<br/><small>{_what(name)}</small>"]')
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in edges]
    lines.append("```")
    block = f"{ARCH_BEGIN}\n" + "\n".join(lines) + f"\n{ARCH_END}"
    if ARCH_BEGIN in current and ARCH_END in current:
        head, rest = current.split(ARCH_BEGIN, 1)
        return head + block + rest.split(ARCH_END, 1)[1]
    return current.rstrip() + "\n\n" + block + "\n"


def pages(root: Path = ROOT) -> dict[Path, Callable[[str], str]]:
    """Every generated page and how to render it from its current text."""
    out: dict[Path, Callable[[str], str]] = {
        root / "docs" / "reference" / "scopes.md": lambda _t: scopes_page(),
        root / "docs" / "reference" / "permissions.md": lambda _t: permissions_page(),
        root / "docs" / "reference" / "access-presets.md": lambda _t: presets_page(),
        root / "docs" / "reference" / "stack-file.md": lambda _t: stack_file_page(),
        root / "docs" / "reference" / "changes.md": lambda _t: changes_page(),
        root / "docs" / "architecture.md": architecture_page,
    }
    for module in resource_modules():
        out[root / "docs" / "resources" / f"{module}.md"] = functools.partial(resource_page, module)
    return out


def stale(root: Path = ROOT) -> list[Path]:
    """The generated pages whose committed text differs from what the code renders."""
    return [
        p for p, render in pages(root).items() if not p.is_file() or render(p.read_text()) != p.read_text()
    ]


def main(argv: list[str] | None = None) -> int:
    """``python -m instantly_pulumi.reference [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m instantly_pulumi.reference", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only list stale pages; exit 1 if any")
    args = parser.parse_args(argv)
    if args.check:
        found = stale()
        for path in found:
            print(f"stale: {path.relative_to(ROOT)}")
        return 1 if found else 0
    for path, render in pages().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(path.read_text() if path.is_file() else ""))
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
