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

docs/reference/stack-file.md describes every key. The keys of each entry
(members, API keys, tags, the group membership) are derived from the
resources' field tables (:func:`entry_keys`): a field added to a resource
reaches the stack file, its validation and its docs with no edit here. Only
what exists in stack files alone is declared here: ``access`` presets, a tag's
``renamed_from``, ``campaigns`` and ``accounts``, and the client's own keys.

:func:`load` checks the whole stack before a resource is registered — the
client value against :class:`ClientSpec` (every error at once, each with its
path: ``client.members[2].role: ...``), the config keys, the stack file's own
keys, the API key's presence and the base URL — so ``pulumi preview`` of a bad
stack stops with no API call. :mod:`instantly_pulumi.program` is the Pulumi
program that uses it.

Over 400 lines on purpose: the schema and the checks made on it are one contract (every message
names a path of the schema above it); most of the schema is derived, so it grows with the resources
only by a line each.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, create_model, model_validator
from pydantic import Field as PydanticField

from instantly_pulumi import models, validation
from instantly_pulumi.errors import ConfigurationError, StackFileError
from instantly_pulumi.resources._fields import Place
from instantly_pulumi.resources._provider import InstantlyProvider
from instantly_pulumi.resources.api_key import ApiKeyProvider
from instantly_pulumi.resources.custom_tag import CustomTagProvider
from instantly_pulumi.resources.sub_workspace import SubWorkspaceProvider
from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider
from instantly_pulumi.settings import DEFAULT_BASE_URL, NO_KEY, check_base_url, check_timeout, setting

__all__ = [
    "AGENCY_KEY",
    "CONFIG_KEY",
    "KNOWN_CONFIG",
    "PROJECT",
    "AgencySpec",
    "ApiKeySpec",
    "ClientSpec",
    "GroupMembershipSpec",
    "MemberSpec",
    "TagSpec",
    "entry_keys",
    "load",
    "parse_agency",
    "parse_client",
    "with_agency",
]

PROJECT = "instantly-clients"
"""The Pulumi project name, and so the namespace of the client value."""

CONFIG_KEY = "client"
"""The config key (in the project's namespace) that holds the client value."""

AGENCY_KEY = "agency"
"""The config key that holds what applies to every client: set once, in ``Pulumi.yaml``'s project-level
``config:`` block, which every stack inherits."""

KNOWN_CONFIG = {
    "instantly:apiKey": "the agency's API key (secret)",
    "instantly:baseUrl": "the API's origin (default https://api.instantly.ai)",
    "instantly:timeout": "seconds to wait for an answer (default 30)",
    f"{PROJECT}:{CONFIG_KEY}": "the client workspace",
    f"{PROJECT}:{AGENCY_KEY}": "what every client gets: the agency team, exclusive collections (Pulumi.yaml)",
}
"""Every config key a client stack may hold."""

STACK_FILE_KEYS = ("config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment")
"""The top-level keys Pulumi gives a stack file."""

USER_ACTIONABLE_EXIT = 32
"""Tells the language host the program already showed its error (so Pulumi adds none)."""

# Literal types (for the reference docs), checked first by the validators that suggest the word meant.
OnDestroy = Annotated[Literal["keep", "delete"], BeforeValidator(validation.on_destroy)]
Collections = Annotated[list[str], AfterValidator(validation.collections)]
Access = Annotated[Literal["admin", "manager", "sdr", "viewer"], BeforeValidator(validation.access)]
WorkspaceId = Annotated[str, AfterValidator(validation.workspace_id)]
Label = Annotated[str, AfterValidator(validation.label)]
CampaignIds = Annotated[list[str], AfterValidator(validation.campaign_ids)]
AccountEmails = Annotated[list[str], AfterValidator(validation.account_emails)]

INHERITED = ("adopt", "on_destroy")
"""Entry keys that default to the client's own value of the same name."""

_TYPES: dict[str, Any] = {"str": str, "bool": bool, "float": float, "list[str]": list[str]}


class _Spec(BaseModel):
    # Unknown keys are typos in a hand-written file: refuse them, naming the key.
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True
    )


def entry_keys(
    provider: type[InstantlyProvider], *, optional: tuple[str, ...] = (), defaults: Mapping[str, Any] = {}
) -> type[_Spec]:
    """The keys of a stack-file entry for one resource, derived from its field table.

    Every input the table places in the entry (:attr:`Place.ENTRY`) becomes a key with the field's
    type, validator and doc; a required field stays required unless named in ``optional`` (a
    stack-only key can stand in for it). Keys the client also has (:data:`INHERITED`) default to the
    client's value; ``defaults`` overrides a field's default for stack files.
    """
    keys: dict[str, Any] = {}
    for f in provider.fields:
        if f.output or f.place is not Place.ENTRY:
            continue
        kind: Any = _TYPES[f.type_]
        if f.check is not None:
            kind = Annotated[kind, AfterValidator(f.check)]
        doc = f.doc
        if f.name in INHERITED:
            doc += f" In a stack file it defaults to the client's ``{f.name}``."
        if f.required and f.name not in optional:
            keys[f.name] = (kind, PydanticField(description=doc))
        else:
            default = defaults.get(f.name, None if f.name in INHERITED else f.default)
            keys[f.name] = (kind | None, PydanticField(default, description=doc))
    model: type[_Spec] = create_model(
        f"{provider.__name__.removesuffix('Provider')}Keys",
        __base__=_Spec,
        __doc__=f"The keys of one {provider.kind}, derived from its resource's field table.",
        **keys,
    )
    return model


class MemberSpec(entry_keys(WorkspaceMemberProvider, optional=("role",))):  # type: ignore[misc]
    """A person with access to the client workspace: an ``access`` preset, or a role (and permissions)."""

    access: Access | None = None
    """A preset from the access matrix (docs/reference/access-presets.md): sets role and permissions."""

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
        return str(self.role), self.permissions


class ApiKeySpec(entry_keys(ApiKeyProvider)):  # type: ignore[misc]
    """An API key of the client workspace; its value is exported as a secret. Its ``name`` is unique
    within the stack (it names the Pulumi resource): a new name is a new key."""

    @model_validator(mode="after")
    def _least_privilege(self) -> ApiKeySpec:
        validation.full_access(self.scopes, bool(self.allow_full_access))
        return self


class TagSpec(entry_keys(CustomTagProvider)):  # type: ignore[misc]
    """A custom tag and the campaigns and email accounts that carry it."""

    renamed_from: Label | None = None
    """The label this tag had until now: the same tag is renamed in place (same id, its campaigns and
    accounts keep it). Without it a new label is a new tag. Remove it after the rename is applied."""
    campaigns: CampaignIds = PydanticField(default_factory=list)
    """Campaign ids to tag."""
    accounts: AccountEmails = PydanticField(default_factory=list)
    """Email accounts to tag (accounts are identified by their email)."""

    @model_validator(mode="after")
    def _renamed_from_another(self) -> TagSpec:
        if self.renamed_from is not None and self.renamed_from.strip() == str(self.label).strip():
            raise ValueError("renamed_from is the label itself: remove it, or give the tag's old label")
        return self


_GroupMembershipKeys = entry_keys(SubWorkspaceProvider, defaults={"wait_for_acceptance": True})


class GroupMembershipSpec(_GroupMembershipKeys):  # type: ignore[misc,valid-type]
    """The client workspace's membership in the agency's workspace group (the agency key's workspace
    is the group's admin)."""


class AgencySpec(_Spec):
    """What applies to every client stack of the project: ``instantly-clients:agency`` in the project-level
    ``config:`` block of ``Pulumi.yaml`` (every stack inherits it)."""

    team: list[MemberSpec] = PydanticField(default_factory=list)
    """The agency's own people: every client gets them as if its own ``members:`` listed them (a client's
    entry for the same email wins; ``team: false`` on a client opts it out). Taken over where they exist
    already (no new invitation); removing a line removes the person from every client on the next
    ``fleet up``, adopted or not."""
    exclusive: Collections = PydanticField(default_factory=list)
    """Collections every client keeps to exactly what it declares (``members``, ``api_keys``, ``tags``):
    what a stack does not declare is removed by ``pulumi up``. A client's own ``exclusive:`` wins."""

    @model_validator(mode="after")
    def _unique_team(self) -> AgencySpec:
        _unique("team", [m.email.lower() for m in self.team], "email")
        return self


def _entries_of_their_own() -> type[_Spec]:
    """The client keys of the resources that declare one (:attr:`ProviderBase.stack_key`), each an
    optional entry derived from the resource's field table: a new such resource reaches the stack
    file, its validation and its docs with no edit here."""
    from instantly_pulumi.resources import stack_entries

    keys: dict[str, Any] = {}
    for cls in stack_entries():
        provider = cls.provider_class
        doc = " ".join(inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].split())
        keys[str(provider.stack_key)] = (entry_keys(provider) | None, PydanticField(None, description=doc))
    model: type[_Spec] = create_model("EntriesOfTheirOwn", __base__=_Spec, **keys)
    return model


class ClientSpec(_entries_of_their_own()):  # type: ignore[misc]
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
    members: list[MemberSpec] = PydanticField(default_factory=list)
    """Members of the client workspace, by email."""
    api_keys: list[ApiKeySpec] = PydanticField(default_factory=list)
    """API keys of the client workspace."""
    tags: list[TagSpec] = PydanticField(default_factory=list)
    """Tags of the client workspace and their assignments."""
    team: bool = True
    """False: this client does not get the agency team (say why, in a comment beside it)."""
    exclusive: Collections | None = None
    """Collections this client keeps to exactly what it declares (``members``, ``api_keys``, ``tags``): what
    the stack does not declare is removed by ``pulumi up`` — never the workspace's owner, the key the
    stack runs with, nor what ``keep`` names. Default: the agency's ``exclusive``."""
    keep: list[str] = PydanticField(default_factory=list)
    """Emails, key names and labels an exclusive collection never removes (an integration key the client
    insists on, its own admin)."""
    from_team: frozenset[str] = PydanticField(default_factory=frozenset, exclude=True)
    """The emails of the members the agency team gave this client (set by :func:`with_agency`)."""

    @model_validator(mode="after")
    def _unique_natural_keys(self) -> ClientSpec:
        _unique("members", [m.email.lower() for m in self.members], "email")
        _unique("api_keys", [k.name for k in self.api_keys], "name")
        _unique("tags", [t.label.strip() for t in self.tags], "label")
        renamed = [t.renamed_from.strip() for t in self.tags if t.renamed_from is not None]
        _unique("tags", renamed, "renamed_from")
        labels = {t.label.strip() for t in self.tags}
        for i, tag in enumerate(self.tags):
            if tag.renamed_from is not None and tag.renamed_from.strip() in labels:
                raise ValueError(
                    f"tags[{i}].renamed_from {tag.renamed_from!r} is the label of another tag of this stack: "
                    "a tag can be renamed only from a label that is no longer declared"
                )
        return self

    def inherited(self, entry: Any, name: str) -> Any:
        """An entry's value of an :data:`INHERITED` key, else the client's."""
        own = getattr(entry, name, None)
        return getattr(self, name) if own is None else own


def with_agency(client: ClientSpec, agency: AgencySpec | None) -> ClientSpec:
    """The client as its stack declares it, the agency's part included: the team's members (adopted
    where they exist, removed from the workspace when they leave the team) unless the client's own
    entry for the same email replaces one or ``team: false`` opts out, and the agency's ``exclusive``
    unless the client says otherwise."""
    if agency is None:
        return client
    own = {m.email.lower() for m in client.members}
    team = [] if not client.team else [m for m in agency.team if m.email.lower() not in own]
    team = [
        m.model_copy(
            update={
                "adopt": True if m.adopt is None else m.adopt,
                "on_destroy": "delete" if m.on_destroy is None else m.on_destroy,
            }
        )
        for m in team
    ]
    exclusive = client.exclusive if client.exclusive is not None else list(agency.exclusive)
    merged: ClientSpec = client.model_copy(
        update={
            "members": [*team, *client.members],
            "exclusive": exclusive,
            "from_team": frozenset(m.email.lower() for m in team),
        }
    )
    return merged


def parse_agency(raw: Any) -> AgencySpec | None:
    """Validate the agency value (``instantly-clients:agency``); None when the project sets none."""
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise StackFileError(f"{PROJECT}:{AGENCY_KEY}: is not a structured value") from None
    if not isinstance(raw, Mapping):
        raise StackFileError(f"agency: must be a mapping of keys (team, exclusive), not {raw!r}")
    try:
        return AgencySpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        lines = [
            _message(e, "agency", AgencySpec) for e in exc.errors(include_url=False, include_input=False)
        ]
        raise StackFileError("invalid agency config (Pulumi.yaml):\n  " + "\n  ".join(lines)) from None


def _unique(field: str, keys: list[str], what: str) -> None:
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key in seen:
            raise ValueError(
                f"{field}[{i}].{what} {key!r} repeats {field}[{seen[key]}] (they must be unique)"
            )
        seen[key] = i


def _path(loc: tuple[int | str, ...], root: str = "client") -> str:
    out = root
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _model_at(loc: tuple[int | str, ...], top: type[BaseModel] | None = None) -> type[BaseModel] | None:
    model: Any = top or ClientSpec
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields.get(part).annotation if part in model.model_fields else None
        args = getattr(annotation, "__args__", ()) or (annotation,)
        model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if model is None:
            return None
    return model if isinstance(model, type) else None


def _message(err: Mapping[str, Any], root: str = "client", top: type[BaseModel] | None = None) -> str:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        model = _model_at(loc[:-1], top)
        known = [k for k, f in model.model_fields.items() if not f.exclude] if model else []
        hint = validation.did_you_mean(str(loc[-1]), known) or f"known keys: {', '.join(known)}"
        return f"{_path(loc, root)}: unknown key ({hint})"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{_path(loc, root)}: {msg}"


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
        client: ClientSpec = ClientSpec.model_validate(raw)
        return client
    except pydantic.ValidationError as exc:
        lines = [_message(e) for e in exc.errors(include_url=False, include_input=False)]
        raise StackFileError("invalid client stack:\n  " + "\n  ".join(lines)) from None


def check_config_keys(keys: Iterable[str]) -> list[str]:
    """Problems with the stack's config keys (a typo would otherwise be ignored silently)."""
    out = []
    for key in sorted(keys):
        if key in KNOWN_CONFIG:
            continue
        hint = validation.did_you_mean(key, KNOWN_CONFIG) or f"a client stack reads {', '.join(KNOWN_CONFIG)}"
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
    problems = []
    for key in doc:
        if key in STACK_FILE_KEYS:
            continue
        hint = validation.did_you_mean(str(key), STACK_FILE_KEYS)
        problems.append(
            f"{path.name}: unknown top-level key {key!r} ({hint + ' ' if hint else ''}a stack file has "
            f"{', '.join(STACK_FILE_KEYS)}; the client goes under config: instantly-clients:client)"
        )
    return problems


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
    try:
        agency = parse_agency(config.get(f"{PROJECT}:{AGENCY_KEY}"))
    except StackFileError as exc:
        problems.append(str(exc))
    if problems:
        raise StackFileError("\n".join(problems))
    return with_agency(client, agency)
