"""The per-client stack: its schema, the checks made before any API call, and its resources.

A client stack file (``stacks/Pulumi.<client>.yaml``) holds one structured
value, ``instantly-clients:client``, describing the client's workspace::

    config:
      instantly:apiKey: {secure: ...}          # the agency key; or INSTANTLY_API_KEY
      instantly:baseUrl: https://api.instantly.ai   # optional
      instantly-clients:client:
        workspace_id: 019a...                  # the client's workspace
        adopt: true                            # take over what already exists
        group_membership: {acceptance_timeout: 300}
        members:
          - {email: ana@client.example, access: sdr}
          - {email: cfo@client.example, role: view, permissions: [dashboard.view]}
        api_keys:
          - {name: crm-sync, scopes: [campaigns:read], rotation: "2026-11"}
        tags:
          - {label: Outbound, campaigns: [019a...], accounts: [sdr@client.example]}

docs/reference/stack-file.md describes every key. :func:`load` checks the
whole stack before a resource is registered — the client value against
:class:`ClientSpec` (every error at once, each with its path:
``client.members[2].role: ...``), the config keys, the stack file's own keys,
the API key's presence and the base URL — so ``pulumi preview`` of a bad stack
stops with no API call. :func:`main` is the Pulumi program: it reports those
errors itself (no Python traceback, no "unhandled error" line) and declares
the resources with :func:`declare`.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from instantly_pulumi import models, validation
from instantly_pulumi.client import DEFAULT_BASE_URL, NO_KEY, check_base_url, check_timeout, setting
from instantly_pulumi.errors import ConfigurationError, StackFileError

__all__ = [
    "CONFIG_KEY",
    "KNOWN_CONFIG",
    "PROJECT",
    "ApiKeySpec",
    "ClientSpec",
    "GroupMembershipSpec",
    "MemberSpec",
    "TagSpec",
    "declare",
    "load",
    "main",
    "parse_client",
]

PROJECT = "instantly-clients"
"""The Pulumi project name, and so the namespace of the client value."""

CONFIG_KEY = "client"
"""The config key (in the project's namespace) that holds the client value."""

KNOWN_CONFIG = {
    "instantly:apiKey": "the agency's API key (secret)",
    "instantly:baseUrl": "the API's origin (default https://api.instantly.ai)",
    "instantly:timeout": "seconds to wait for an answer (default 30)",
    f"{PROJECT}:{CONFIG_KEY}": "the client workspace",
}
"""Every config key a client stack may hold."""

STACK_FILE_KEYS = ("config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment")
"""The top-level keys Pulumi gives a stack file."""

USER_ACTIONABLE_EXIT = 32
"""Tells the language host the program already showed its error (so Pulumi adds none)."""

Email = Annotated[str, AfterValidator(validation.email)]
Role = Annotated[str, AfterValidator(validation.role)]
Nickname = Annotated[str, AfterValidator(validation.nickname)]
Permissions = Annotated[list[str], AfterValidator(validation.permissions)]
Scopes = Annotated[list[str], AfterValidator(validation.scopes)]
KeyName = Annotated[str, AfterValidator(validation.api_key_name)]
Label = Annotated[str, AfterValidator(validation.label)]
CampaignIds = Annotated[list[str], AfterValidator(validation.campaign_ids)]
AccountEmails = Annotated[list[str], AfterValidator(validation.account_emails)]
WorkspaceId = Annotated[str, AfterValidator(validation.workspace_id)]
OnDestroy = Literal["keep", "delete"]
Access = Literal["admin", "manager", "sdr", "viewer"]


class _Spec(BaseModel):
    # Unknown keys are typos in a hand-written file: refuse them, naming the key.
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True
    )


class MemberSpec(_Spec):
    """A person with access to the client workspace: an ``access`` preset, or a role (and permissions)."""

    email: Email
    """The member's email; their identity (changing it replaces the member)."""
    access: Access | None = None
    """A preset from the access matrix (docs/reference/access-presets.md): sets role and permissions."""
    role: Role | None = None
    """``admin``, ``editor`` or ``view`` (owner and client roles cannot be granted through the API)."""
    nickname: Nickname | None = None
    """A private nickname shown to the workspace owner (80 characters at most)."""
    permissions: Permissions | None = None
    """Fine-grained permissions (e.g. ``campaigns.view``); changing them replaces the member."""
    adopt: bool | None = None
    """Take over an existing member with this email; defaults to the client's ``adopt``."""
    on_destroy: OnDestroy | None = None
    """``keep`` or ``delete`` on destroy; defaults to the client's, else keep if adopted."""

    @model_validator(mode="after")
    def _role_or_access(self) -> MemberSpec:
        if self.access is not None and (self.role is not None or self.permissions is not None):
            raise ValueError("give either access (a preset) or role and permissions, not both")
        if self.access is None and self.role is None:
            raise ValueError(
                "needs a role (admin, editor, view) or an access preset (admin, manager, sdr, viewer)"
            )
        return self

    @property
    def granted(self) -> tuple[str, list[str] | None]:
        """The role and permissions this member gets (a preset expanded)."""
        if self.access is not None:
            role, perms = models.ACCESS_PRESETS[self.access]
            return role, list(perms) if perms is not None else None
        assert self.role is not None
        return self.role, self.permissions


class ApiKeySpec(_Spec):
    """An API key of the client workspace; its value is exported as a secret."""

    name: KeyName
    """The key's name; unique within the stack (it names the Pulumi resource)."""
    scopes: Scopes
    """The key's scopes, least privilege (e.g. ``campaigns:read``); a change replaces the key."""
    rotation: str | None = None
    """Any value; changing it rotates the key (a new key is created before the old is deleted)."""
    allow_full_access: bool = False
    """Must be true for a key with any ``all:*`` scope."""
    on_destroy: OnDestroy | None = None
    """``keep`` or ``delete`` on destroy; defaults to the client's, else delete."""

    @model_validator(mode="after")
    def _least_privilege(self) -> ApiKeySpec:
        validation.full_access(self.scopes, self.allow_full_access)
        return self


class TagSpec(_Spec):
    """A custom tag and the campaigns and email accounts that carry it."""

    label: Label
    """The tag's label, unique in the workspace after trimming."""
    description: str | None = None
    """Free text shown with the tag."""
    campaigns: CampaignIds = Field(default_factory=list)
    """Campaign ids to tag."""
    accounts: AccountEmails = Field(default_factory=list)
    """Email accounts to tag (accounts are identified by their email)."""
    adopt: bool | None = None
    """Take over an existing tag with this label (and its assignments); defaults to the client's ``adopt``."""
    on_destroy: OnDestroy | None = None
    """``keep`` or ``delete`` on destroy (the tag and what the stack assigned); defaults as members."""


class GroupMembershipSpec(_Spec):
    """The client workspace's membership in the agency's workspace group."""

    wait_for_acceptance: bool = True
    """Wait, during ``pulumi up``, until the client's owner accepts the invitation (default: yes)."""
    acceptance_timeout: Annotated[float, AfterValidator(validation.positive_seconds)] | None = None
    """Seconds to wait for acceptance (default 300)."""
    adopt: bool | None = None
    """Take over an existing membership; defaults to the client's ``adopt``."""
    on_destroy: OnDestroy | None = None
    """``keep`` or ``delete`` on destroy; defaults to the client's, else keep if adopted."""


class ClientSpec(_Spec):
    """One client workspace, as declared in its stack file."""

    workspace_id: WorkspaceId
    """The client's Instantly workspace id."""
    agency_workspace: bool = False
    """True only if ``workspace_id`` is meant to be the agency key's own workspace (refused otherwise)."""
    adopt: bool = False
    """Take over existing members, tags and group membership instead of creating duplicates."""
    on_destroy: OnDestroy | None = None
    """What destroy does with every object unless it says otherwise; default: keep what was adopted."""
    group_membership: GroupMembershipSpec | None = None
    """Invite the workspace into the agency's group (the agency key's workspace is the admin)."""
    members: list[MemberSpec] = Field(default_factory=list)
    """Members of the client workspace, by email."""
    api_keys: list[ApiKeySpec] = Field(default_factory=list)
    """API keys of the client workspace."""
    tags: list[TagSpec] = Field(default_factory=list)
    """Tags of the client workspace and their assignments."""

    @model_validator(mode="after")
    def _unique_natural_keys(self) -> ClientSpec:
        _unique("members", [m.email.lower() for m in self.members], "email")
        _unique("api_keys", [k.name for k in self.api_keys], "name")
        _unique("tags", [t.label for t in self.tags], "label")
        return self


def _unique(field: str, keys: list[str], what: str) -> None:
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key in seen:
            raise ValueError(
                f"{field}[{i}].{what} {key!r} repeats {field}[{seen[key]}] (they must be unique)"
            )
        seen[key] = i


def _path(loc: tuple[int | str, ...]) -> str:
    out = "client"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    model: Any = ClientSpec
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields.get(part).annotation if part in model.model_fields else None
        args = getattr(annotation, "__args__", ()) or (annotation,)
        model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if model is None:
            return None
    return model if isinstance(model, type) else None


def _message(err: Mapping[str, Any]) -> str:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        known = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
        return f"{_path(loc)}: unknown key ({hint})"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{_path(loc)}: {msg}"


def parse_client(raw: Any) -> ClientSpec:
    """Validate the raw client value; raise :class:`StackFileError` naming every bad path."""
    if raw is None:
        raise StackFileError(
            f"the stack has no `{PROJECT}:{CONFIG_KEY}` value describing the client: add one to its stack "
            "file (see docs/reference/stack-file.md), or write one with `instantly-pulumi discover`"
        )
    if not isinstance(raw, Mapping):
        raise StackFileError(f"client: must be a mapping of keys (workspace_id, members, ...), not {raw!r}")
    try:
        return ClientSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        lines = [_message(e) for e in exc.errors(include_url=False, include_input=False)]
        raise StackFileError("invalid client stack:\n  " + "\n  ".join(lines)) from None


def check_config_keys(keys: Iterable[str]) -> list[str]:
    """Problems with the stack's config keys (a typo would otherwise be ignored silently)."""
    out = []
    for key in sorted(keys):
        if key in KNOWN_CONFIG:
            continue
        close = difflib.get_close_matches(key, list(KNOWN_CONFIG), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"a client stack reads {', '.join(KNOWN_CONFIG)}"
        out.append(f"config: unknown key {key!r} ({hint})")
    return out


def check_stack_file(path: Path) -> list[str]:
    """Problems with the stack file's own top-level keys."""
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return []  # Pulumi itself reads the file; it reports what it cannot read
    if not isinstance(doc, dict):
        return []
    return [
        f"{path.name}: unknown top-level key {key!r} (a stack file has {', '.join(STACK_FILE_KEYS)}; "
        "the client goes under config: instantly-clients:client)"
        for key in doc
        if key not in STACK_FILE_KEYS
    ]


def check_credentials(config: Mapping[str, Any]) -> list[str]:
    """Problems with the API key, base URL and timeout (config or environment), without calling the API."""
    problems = []
    key = setting(config, "apiKey")
    if not key or not str(key).strip():
        problems.append(NO_KEY)
    checks = (
        (check_base_url, setting(config, "baseUrl") or DEFAULT_BASE_URL),
        (check_timeout, setting(config, "timeout")),
    )
    for check, value in checks:
        try:
            check(value)
        except ConfigurationError as exc:
            problems.append(str(exc))
    return problems


def load(config: Mapping[str, Any], stack_file: Path | None = None) -> ClientSpec:
    """Check the whole stack and return its client; :class:`StackFileError` lists every problem."""
    problems = check_config_keys(config)
    if stack_file is not None and stack_file.is_file():
        problems += check_stack_file(stack_file)
    problems += check_credentials(config)
    raw = config.get(f"{PROJECT}:{CONFIG_KEY}")
    if isinstance(raw, str):
        try:
            raw = yaml.safe_load(raw)
        except yaml.YAMLError:
            problems.append(f"{PROJECT}:{CONFIG_KEY}: is not a structured value")
    try:
        client = parse_client(raw)
    except StackFileError as exc:
        problems.append(str(exc))
    if problems:
        raise StackFileError("\n".join(problems))
    return client


def _stack_file() -> Path | None:
    import pulumi

    root = Path(pulumi.get_root_directory() or ".")
    try:
        project = yaml.safe_load((root / "Pulumi.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        project = {}
    folder = root / str(project.get("stackConfigDir") or ".")
    return folder / f"Pulumi.{pulumi.get_stack()}.yaml"


def main() -> None:
    """The Pulumi program of every client stack: check, declare, export."""
    import pulumi
    from pulumi.runtime.config import CONFIG

    try:
        client = load(dict(CONFIG.get()), _stack_file())
    except ConfigurationError as exc:
        pulumi.log.error(str(exc))
        sys.exit(USER_ACTIONABLE_EXIT)
    for name, value in declare(client).items():
        pulumi.export(name, value)


def declare(client: ClientSpec) -> dict[str, Any]:
    """Declare the client's resources; return the values the program exports.

    Resource names derive from natural keys (email, key name, tag label) so
    that reordering the file changes nothing.
    """
    # Imported here so that parsing a stack file needs no Pulumi engine.
    import pulumi

    from instantly_pulumi import ApiKey, CustomTag, SubWorkspace, TagAssignment, WorkspaceMember

    ws = client.workspace_id
    exports: dict[str, Any] = {"workspace_id": ws}
    common = {"workspace_id": ws, "allow_agency_workspace": client.agency_workspace}

    def on_destroy(own: str | None) -> str | None:
        return own or client.on_destroy

    def adopt(own: bool | None) -> bool:
        return client.adopt if own is None else own

    opts = pulumi.ResourceOptions()
    if client.group_membership is not None:
        gm = client.group_membership
        membership = SubWorkspace(
            "group-membership",
            sub_workspace_id=ws,
            wait_for_acceptance=gm.wait_for_acceptance,
            acceptance_timeout=gm.acceptance_timeout,
            adopt=adopt(gm.adopt),
            on_destroy=on_destroy(gm.on_destroy),
        )
        exports["group_membership"] = {"id": membership.id, "status": membership.status}
        # Acting as the client (x-as-workspace) needs an accepted membership, so the rest comes after
        # it; a membership still pending when the wait runs out stops them (they would be refused).
        opts = pulumi.ResourceOptions(depends_on=[membership])

    members = {}
    for m in client.members:
        role, permissions = m.granted
        member = WorkspaceMember(
            f"member-{m.email.lower()}",
            email=m.email,
            role=role,
            nickname=m.nickname,
            permissions=permissions,
            adopt=adopt(m.adopt),
            on_destroy=on_destroy(m.on_destroy),
            opts=opts,
            **common,
        )
        members[m.email] = {"id": member.id, "role": role, "accepted": member.accepted}
    exports["members"] = members

    keys = {}
    for k in client.api_keys:
        key = ApiKey(
            f"key-{k.name}",
            name=k.name,
            scopes=k.scopes,
            rotation=k.rotation,
            allow_full_access=k.allow_full_access,
            on_destroy=on_destroy(k.on_destroy),
            opts=opts,
            **common,
        )
        keys[k.name] = {"id": key.id, "scopes": k.scopes, "key": key.key}  # secret where it is born
    exports["api_keys"] = keys

    tags = {}
    for t in client.tags:
        tag = CustomTag(
            f"tag-{t.label}",
            label=t.label,
            description=t.description,
            adopt=adopt(t.adopt),
            on_destroy=on_destroy(t.on_destroy),
            opts=opts,
            **common,
        )
        tagged: dict[str, Any] = {"id": tag.id}
        for resource_type, ids in (("campaign", t.campaigns), ("account", t.accounts)):
            if ids:
                TagAssignment(
                    f"tag-{t.label}-{resource_type}s",
                    tag_id=tag.id,
                    resource_type=resource_type,
                    resource_ids=ids,
                    adopt=adopt(t.adopt),
                    on_destroy=on_destroy(t.on_destroy),
                    opts=opts,
                    **common,
                )
                tagged[f"{resource_type}s"] = ids
        tags[t.label] = tagged
    exports["tags"] = tags
    return exports
