"""``instantly-pulumi discover``: a client stack file from a live workspace, for adoption.

The file declares what exists, exactly as the API shows it — the group
membership, the workspace's name and logo (``profile:``), the members (role,
nickname, permissions), the tags (description, campaigns, accounts) — with
``adopt: true``, so the first ``pulumi up`` takes everything over and writes
nothing. Members of the project's agency team (``Pulumi.yaml``) are left out
where the team grants them what they have: every stack declares them already.
What a stack cannot take over is written as comments saying why: the owner (the
API can neither grant nor remove that role) and the API keys (the API shows a
key's value only when it is created).

The file is rendered as text around ``yaml.safe_dump`` of each value, rather
than with a round-trip YAML library: the comments sit between values this
module writes itself, nothing is read back and edited, and the result is
checked by loading it and comparing with the value it was meant to hold, then
validating it as a stack (:func:`instantly_pulumi.stack.parse_client`).

Over 400 lines on purpose: one command read top to bottom — what is read, how it is written
(with the comments that say what cannot be taken over) and the check that the text says what was
read; the pieces are used nowhere else.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from instantly_cli import common, declared
from instantly_cli.workspace_reader import Snapshot, WorkspaceReader, tag_coverage
from instantly_pulumi import models, validation
from instantly_pulumi.errors import StackFileError
from instantly_pulumi.resources.workspace_profile import logo_url, workspace_name
from instantly_pulumi.settings import DEFAULT_BASE_URL
from instantly_pulumi.stack import CONFIG_KEY, PROJECT, MemberSpec, parse_client

Obj = dict[str, Any]
INDENT = "    "
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
KEPT_ON_FORCE = ("secretsprovider", "encryptedkey", "encryptionsalt")
"""What ``--force`` keeps of the file it replaces (with its ``instantly:apiKey``): the stack's secrets."""


@dataclass
class Entry:
    """One list item of the file: its value and the comment lines above it."""

    value: Obj
    comments: list[str] = field(default_factory=list)
    annotated: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Lists written one id a line with a comment after it (a tag's campaigns and accounts)."""

    def full(self) -> Obj:
        """The value with its annotated lists."""
        return {**self.value, **{k: [i for i, _ in v] for k, v in self.annotated.items() if v}}


@dataclass
class Discovered:
    """What discover found in a workspace, ready to render."""

    snapshot: Snapshot
    head: Obj
    """``workspace_id``, ``adopt`` and, for the key's own workspace, ``agency_workspace``."""
    head_comments: list[str] = field(default_factory=list)
    group: Obj | None = None
    group_comments: list[str] = field(default_factory=list)
    profile: Obj | None = None
    """The workspace's own name and logo (``profile:``, a WorkspaceProfile: always adopted)."""
    profile_comments: list[str] = field(default_factory=list)
    members: list[Entry] = field(default_factory=list)
    member_comments: list[str] = field(default_factory=list)
    key_comments: list[str] = field(default_factory=list)
    tags: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def value(self) -> Obj:
        """The client value the file holds."""
        out = dict(self.head)
        if self.group is not None:
            out["group_membership"] = self.group
        if self.profile is not None:
            out["profile"] = self.profile
        if self.members:
            out["members"] = [m.full() for m in self.members]
        if self.tags:
            out["tags"] = [t.full() for t in self.tags]
        return out


# -- from the API to the stack's value ---------------------------------------------------------------


def membership_of(reader: WorkspaceReader, workspace_id: str) -> Obj:
    """The accepted group membership of ``workspace_id`` in the key's group (exit 2 saying why not)."""
    found = [g for g in reader.group_members() if g.get("sub_workspace_id") == workspace_id]
    accepted = next((g for g in found if g.get("status") == "accepted"), None)
    if accepted is not None:
        return accepted
    own = reader.own_workspace()
    who = f"the agency's group (admin: {own.get('name')!r}, {own.get('id')})"
    if any(g.get("status") == "pending" for g in found):
        common.fail(
            f"workspace {workspace_id} is invited into {who} but its owner has not accepted yet, so the "
            "agency key cannot read it: once the invitation is accepted, run discover again"
        )
    was = " (its invitation was rejected)" if found else ""
    common.fail(
        f"workspace {workspace_id} is not a member of {who}{was}, so the agency key cannot read it. "
        "Invite it first: a stack with only workspace_id and group_membership (pulumi up waits for the "
        "owner to accept), then run discover again. --workspace-id may also be the key's own workspace."
    )


def discover(reader: WorkspaceReader, workspace_id: str, team: Sequence[MemberSpec] = ()) -> Discovered:
    """Read ``workspace_id`` and turn it into the value of a client stack that adopts it as it is.

    ``team`` is the agency team of the project's ``Pulumi.yaml``: its members are declared there
    already, so they are left out of the file where the team grants them what they have.
    """
    own = reader.acting(workspace_id) is None
    membership = None if own else membership_of(reader, workspace_id)
    snap = reader.snapshot(workspace_id)
    found = Discovered(snapshot=snap, head={"workspace_id": workspace_id, "adopt": True})
    found.head_comments = [
        "adopt: take over what exists (members, tags, the group membership) instead of creating it anew;",
        "what is taken over is kept by `pulumi destroy` unless on_destroy says delete.",
    ]
    if own:
        found.head["agency_workspace"] = True
        found.head_comments += [
            "This is the API key's own workspace (the agency's): agency_workspace: true lets a stack",
            "manage it. As the group's admin it has no group membership of its own.",
        ]
    else:
        assert membership is not None
        found.group = {"adopt": True, "wait_for_acceptance": True}
        found.group_comments = [
            f"In the agency's group: membership {membership.get('id')},",
            f"accepted (as of {membership.get('timestamp_updated')}): adopted as it is, nothing to wait for.",
        ]
    _profile(found)
    _members(found, team)
    _keys(found)
    _tags(found)
    found.warnings += snap.notes
    return found


def _profile(found: Discovered) -> None:
    ws = found.snapshot.workspace
    try:
        profile: Obj = {"name": workspace_name(ws.get("name"))}
    except ValueError as exc:
        found.warnings.append(f"the workspace's name is not declared (profile:): it {exc}")
        return
    if ws.get("org_logo_url"):
        try:
            profile["org_logo_url"] = logo_url(ws["org_logo_url"])
        except ValueError as exc:
            found.profile_comments.append(f"org_logo_url left out: {exc}")
    found.profile = profile
    found.profile_comments[:0] = [
        "The workspace's own name and logo: always adopted (the workspace exists); an edit here renames",
        "it in place, and `pulumi destroy` leaves both as they are.",
    ]


def _granted_by_team(member: Obj, spec: MemberSpec) -> bool:
    """Whether the team's entry grants ``member`` exactly what it has (so adopting it writes nothing)."""
    role, permissions = spec.granted
    same_permissions = permissions is None or sorted(permissions) == sorted(member.get("permissions") or [])
    same_nickname = spec.nickname is None or spec.nickname == member.get("nickname")
    return member.get("role") == role and same_permissions and same_nickname


def _members(found: Discovered, team: Sequence[MemberSpec] = ()) -> None:
    snap = found.snapshot
    owner = snap.owner
    by_email = {m.email.casefold(): m for m in team}
    for m in snap.members:
        email, role = str(m.get("email", "")), m.get("role")
        spec = by_email.get(email.casefold())
        if spec is not None and _granted_by_team(m, spec):
            found.member_comments.append(
                f"Not declared: {_text(email)}, of the agency team (Pulumi.yaml): it grants what they have."
            )
            continue
        if owner is not None and m.get("id") == owner.get("id"):
            found.member_comments += [
                f"Not declared: {_text(email)}, the owner: the API can neither grant nor remove that role",
                "(`instantly-pulumi transfer-owner` hands it over).",
            ]
            continue
        if role not in models.ASSIGNABLE_ROLES:
            found.member_comments.append(
                f"Not declared: {_text(email)}, role {_text(str(role))} (a role the API cannot grant)."
            )
            continue
        if not models.is_email(email):
            found.member_comments.append(f"Not declared: {_text(email)} (not an email address).")
            continue
        value: Obj = {"email": email, "role": role}
        comments = [] if m.get("accepted") else ["invited, not accepted yet"]
        if m.get("nickname"):
            try:
                value["nickname"] = validation.nickname(m["nickname"])
            except ValueError as exc:
                # The stack file cannot hold it (validation.nickname): left out, and said so.
                comments.append(f"nickname left out: it {exc}")
        if m.get("permissions"):
            value["permissions"] = list(m["permissions"])
        if spec is not None:
            comments.append(
                "of the agency team (Pulumi.yaml), with other access here: this entry keeps it for this "
                "client (a client's entry overrides the team's); delete it to apply the team's"
            )
        found.members.append(Entry(value, comments))


def _keys(found: Discovered) -> None:
    keys = found.snapshot.api_keys
    if not keys:
        return
    found.key_comments = [
        f"API keys ({len(keys)}): not declared. The API shows a key's value only when the key is created,",
        "so a stack cannot take one over; it can declare new keys (their values become stack secrets).",
        "To bring one under management, declare a replacement here and delete the old key once nothing",
        "uses it. The keys that exist now:",
    ]
    for k in keys:
        scopes = list(k.get("scopes") or [])
        wide = "  <- full access" if models.full_access_scopes(scopes) else ""
        found.key_comments.append(
            f"  - name: {_text(str(k.get('name')))}  scopes: [{', '.join(scopes)}]  id: {k.get('id')}{wide}"
        )


def _tags(found: Discovered) -> None:
    snap = found.snapshot
    coverage = tag_coverage(snap.tags, snap.mappings)
    names = {c["id"]: c.get("name") for c in snap.campaigns} if snap.campaigns is not None else None
    emails = {str(a.get("email")).lower() for a in snap.accounts} if snap.accounts is not None else None
    for t in snap.tags:
        try:
            validation.label(t["label"])
        except ValueError as exc:
            found.warnings.append(
                f"tag '{_text(str(t['label']))[:80]}' is not declared: its label {exc}; rename it in "
                "Instantly (a stack file cannot hold that label) and run discover again"
            )
            continue
        value: Obj = {"label": t["label"]}
        if t.get("description") not in (None, ""):
            value["description"] = t["description"]
        entry = Entry(value)
        covered = coverage[t["id"]]
        campaigns: list[tuple[str, str]] = []
        for cid in covered["campaigns"]:
            if names is not None and cid not in names:
                entry.comments.append(f"tags campaign {cid}, which no longer exists (left out)")
            elif models.is_uuid(cid):
                campaigns.append((cid, _text(str(names.get(cid) or "")) if names else ""))
            else:
                entry.comments.append(f"tags campaign {_text(cid)}, not a campaign id (left out)")
        accounts: list[tuple[str, str]] = []
        for email in covered["accounts"]:
            if emails is not None and email.lower() not in emails:
                entry.comments.append(f"tags account {_text(email)}, which no longer exists (left out)")
            elif models.is_email(email):
                accounts.append((email, ""))
            else:
                entry.comments.append(f"tags account {_text(email)}, not an email address (left out)")
        entry.annotated = {"campaigns": campaigns, "accounts": accounts}
        found.tags.append(entry)


# -- rendering -------------------------------------------------------------------------------------


def _text(value: str) -> str:
    """``value`` safe inside a one-line comment (control characters escaped)."""
    return json.dumps(value, ensure_ascii=False)[1:-1] if value else value


def _scalar(value: str) -> str:
    """A YAML scalar for ``value``: plain when it reads back as the same string, else quoted."""
    try:
        plain_ok = yaml.safe_load(value) == value and "#" not in value and value.strip() == value
    except yaml.YAMLError:
        plain_ok = False
    return value if plain_ok and value else json.dumps(value)


def _dump(value: Any, indent: str) -> list[str]:
    text = yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=4096, default_flow_style=False)
    return [indent + line for line in text.splitlines()]


def _comments(lines: list[str], indent: str) -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in lines]


def _entry(entry: Entry, indent: str) -> list[str]:
    out = _comments(entry.comments, indent)
    out += _dump([entry.value], indent)
    for key, items in entry.annotated.items():
        if not items:
            continue
        out.append(f"{indent}  {key}:")
        out += [f"{indent}  - {_scalar(i)}" + (f"  # {note}" if note else "") for i, note in items]
    return out


def render(found: Discovered, *, base_url: str | None, client: str | None, kept: Obj | None = None) -> str:
    """The stack file's text: the config, with comments saying what was found and what was left out."""
    ws = found.snapshot.workspace
    stack = client or "<client>"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Client stack for {_text(str(ws.get('name')))} (workspace {ws.get('id')}), written by",
        f"# `instantly-pulumi discover` on {when} from the live workspace. Everything declared below",
        "# exists already: the first `pulumi up` adopts it and writes nothing; then edit this file.",
        "#",
        f"#   pulumi stack init {stack}                     # once, if the stack does not exist yet",
        f"#   pulumi config set --secret instantly:apiKey --stack {stack}   # or export INSTANTLY_API_KEY",
        f"#   pulumi up --stack {stack}                     # adopts; no API writes",
        f"#   pulumi preview --stack {stack}                # then: no changes",
    ]
    for key in KEPT_ON_FORCE:
        if kept and key in kept:
            lines += _dump({key: kept[key]}, "")
    lines.append("config:")
    config_extra = (kept or {}).get("config") or {}
    for key in ("instantly:apiKey", "instantly:timeout"):
        if key in config_extra:
            lines += _dump({key: config_extra[key]}, "  ")
    if base_url is not None:
        lines.append(f"  instantly:baseUrl: {_scalar(base_url)}")
    lines.append(f"  {PROJECT}:{CONFIG_KEY}:")
    lines += _comments(found.head_comments, INDENT)
    lines += _dump(found.head, INDENT)
    if found.group is not None:
        lines += _comments(found.group_comments, INDENT)
        lines += _dump({"group_membership": found.group}, INDENT)
    if found.profile is not None:
        lines += _comments(found.profile_comments, INDENT)
        lines += _dump({"profile": found.profile}, INDENT)
    lines += _comments(found.member_comments, INDENT)
    if found.members:
        lines.append(f"{INDENT}members:")
        for m in found.members:
            lines += _entry(m, INDENT)
    lines += _comments(found.key_comments, INDENT)
    if found.tags:
        lines.append(f"{INDENT}tags:")
        for t in found.tags:
            lines += _entry(t, INDENT)
    return "\n".join(lines) + "\n"


def check_rendered(text: str, found: Discovered) -> None:
    """The text holds exactly the value meant, and it is a valid client stack (exit 2 otherwise)."""
    value = found.value()
    loaded = yaml.safe_load(text)["config"][f"{PROJECT}:{CONFIG_KEY}"]
    if loaded != value:  # a rendering bug: never write a file that says something else
        common.fail("internal error: the rendered stack file does not read back as discovered")
    try:
        spec = parse_client(value)
    except StackFileError as exc:
        common.fail(f"the workspace holds something a stack file cannot declare:\n{exc}")
    normalised = spec.model_dump(exclude_unset=True)
    for section in ("members", "tags"):
        for i, (raw, norm) in enumerate(
            zip(value.get(section, []), normalised.get(section, []), strict=True)
        ):
            for key, v in raw.items():
                if norm.get(key) != v:
                    found.warnings.append(
                        f"client.{section}[{i}].{key}: {v!r} reads as {norm.get(key)!r} in a stack file "
                        "(surrounding spaces are trimmed), so the first `pulumi up` will change it"
                    )


# -- the command ----------------------------------------------------------------------------------


def _destination(output: str | None, client: str | None) -> Path | None:
    if client is not None and not STACK_NAME.match(client):
        common.fail(f"--client {client!r}: a stack name has letters, digits, '-', '_' and '.' only")
    if output == "-":
        return None
    if output is not None:
        return Path(output)
    if client is not None:
        return Path("stacks") / f"Pulumi.{client}.yaml"
    return None


def _kept(path: Path) -> Obj:
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(doc, dict):
        return {}
    kept: Obj = {k: doc[k] for k in KEPT_ON_FORCE if k in doc}
    config = doc.get("config")
    config = config if isinstance(config, dict) else {}
    kept["config"] = {k: config[k] for k in ("instantly:apiKey", "instantly:timeout") if k in config}
    return kept


def command(
    workspace_id: Annotated[
        str, typer.Option("--workspace-id", help="The workspace to describe (a client's, or the key's own).")
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            help="Write the stack file here ('-': stdout). Default: stdout, or with --client "
            "stacks/Pulumi.<client>.yaml.",
        ),
    ] = None,
    client: Annotated[
        str | None,
        typer.Option("--client", help="The client's stack name: names the file stacks/Pulumi.<client>.yaml."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace an existing file (keeping its encrypted API key and secrets salt)."
        ),
    ] = False,
) -> None:
    """Write a client stack file from a live workspace: its first `pulumi up` adopts everything and
    writes nothing."""
    ws = common.workspace_id(workspace_id)
    path = _destination(output, client)
    if path is not None and path.exists() and not force:
        common.fail(f"{path} exists: pass --force to replace it (its encrypted API key and salt are kept)")
    try:
        agency = declared.agency(Path.cwd())
    except StackFileError as exc:
        common.fail(f"Pulumi.yaml: {exc}")
    with common.api_reader() as reader:
        found = discover(reader, ws, agency.team if agency is not None else ())
        requests = reader.client.requests_sent
    # The origin the client used, already checked and normalised: written only when not the default.
    base_url: str | None = reader.client.credentials.base_url
    if base_url == DEFAULT_BASE_URL:
        base_url = None
    named = re.fullmatch(r"Pulumi\.(.+)\.ya?ml", path.name) if path is not None else None
    stack = client or (named.group(1) if named else None)
    text = render(found, base_url=base_url, client=stack, kept=_kept(path) if path and force else None)
    check_rendered(text, found)
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _summary(found, path, requests)


def _summary(found: Discovered, path: Path | None, requests: int) -> None:
    say = common.errors.print
    ws = found.snapshot.workspace
    campaigns = sum(len(t.annotated.get("campaigns", [])) for t in found.tags)
    accounts = sum(len(t.annotated.get("accounts", [])) for t in found.tags)
    where = str(path) if path is not None else "stdout"
    say(
        f"{ws.get('name')} ({ws.get('id')}) → {where}: {len(found.members)} member(s), {len(found.tags)} "
        f"tag(s) on {campaigns} campaign(s) and {accounts} account(s), group membership "
        f"{'adopted' if found.group else 'none'}; {len(found.snapshot.api_keys)} API key(s) listed as "
        f"comments; {requests} API requests (reads only).",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for warning in found.warnings:
        say(f"warning: {warning}", markup=False, highlight=False)
    if path is not None and not Path("Pulumi.yaml").is_file():
        say(
            "note: no Pulumi.yaml in this directory; the stack file belongs in the project's stacks/ folder",
            markup=False,
            highlight=False,
        )
