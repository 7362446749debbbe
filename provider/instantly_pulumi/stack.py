"""The per-client stack: its schema, and the resources it declares.

A client stack file (``stacks/Pulumi.<client>.yaml``) holds one structured
value, ``instantly-clients:client``, describing the client's workspace::

    config:
      instantly:apiKey: {secure: ...}          # the agency key; or INSTANTLY_API_KEY
      instantly:baseUrl: https://api.instantly.ai   # optional
      instantly-clients:client:
        workspace_id: 019a...                  # the client's workspace
        adopt: true                            # take over what already exists
        group_membership: {wait_for_acceptance: true, acceptance_timeout: 300}
        members:
          - {email: ana@client.example, role: editor, nickname: Ana}
        api_keys:
          - {name: crm-sync, scopes: [campaigns:read], rotation: "2026-11"}
        tags:
          - {label: Outbound, campaigns: [019a...], accounts: [sdr@client.example]}

:class:`ClientSpec` validates it with messages that name the path
(``client.members[2].role: ...``), and :func:`declare` turns it into
resources. A bad file fails in the program, before any resource is
registered, so ``pulumi preview`` stops with no API call made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from instantly_pulumi import models

__all__ = [
    "CONFIG_KEY",
    "PROJECT",
    "ApiKeySpec",
    "ClientSpec",
    "GroupMembershipSpec",
    "MemberSpec",
    "StackFileError",
    "TagSpec",
    "declare",
    "parse_client",
]

PROJECT = "instantly-clients"
"""The Pulumi project name, and so the namespace of the client value."""

CONFIG_KEY = "client"
"""The config key (in the project's namespace) that holds the client value."""

_Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
_Uuid = Annotated[str, StringConstraints(strip_whitespace=True)]


class _Spec(BaseModel):
    # Unknown keys are typos in a hand-written file: refuse them, naming the key.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_email(value: str) -> str:
    if not models.is_email(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _check_uuid(value: str) -> str:
    if not models.is_uuid(value):
        raise ValueError(f"{value!r} is not a UUID")
    return value


class MemberSpec(_Spec):
    """A person with access to the client workspace."""

    email: _Email
    """The member's email; their identity (changing it replaces the member)."""
    role: Literal["admin", "editor", "view"]
    """``admin``, ``editor`` or ``view`` (owner and client roles cannot be granted through the API)."""
    nickname: Annotated[str, StringConstraints(max_length=80)] | None = None
    """A private nickname shown to the workspace owner (80 characters at most)."""
    permissions: list[str] | None = None
    """Fine-grained permissions (e.g. ``campaigns.view``); changing them replaces the member."""
    adopt: bool | None = None
    """Take over an existing member with this email; defaults to the client's ``adopt``."""

    _email = field_validator("email")(_check_email)

    @field_validator("permissions")
    @classmethod
    def _known_permissions(cls, value: list[str] | None) -> list[str] | None:
        for i, perm in enumerate(value or []):
            if perm not in models.PERMISSIONS:
                raise ValueError(f"permissions[{i}]: {perm!r} is not an Instantly permission")
        return value


class ApiKeySpec(_Spec):
    """An API key of the client workspace; its value is exported as a secret."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    """The key's name; unique within the stack (it names the Pulumi resource)."""
    scopes: list[str] = Field(min_length=1)
    """The key's scopes, least privilege (e.g. ``campaigns:read``); a change replaces the key."""
    rotation: str | None = None
    """Any value; changing it rotates the key (a new key is created before the old is deleted)."""
    allow_full_access: bool = False
    """Must be true for a key with any ``all:*`` scope."""

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: list[str]) -> list[str]:
        for i, scope in enumerate(value):
            if scope not in models.SCOPES:
                raise ValueError(f"scopes[{i}]: {scope!r} is not one of the documented Instantly scopes")
        return value

    @model_validator(mode="after")
    def _least_privilege(self) -> ApiKeySpec:
        wide = [s for s in self.scopes if s.startswith("all:")]
        if wide and not self.allow_full_access:
            raise ValueError(f"scopes {wide} grant access to every resource: set allow_full_access: true")
        return self


class TagSpec(_Spec):
    """A custom tag and the campaigns and email accounts that carry it."""

    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    """The tag's label, unique in the workspace after trimming."""
    description: str | None = None
    """Free text shown with the tag."""
    campaigns: list[_Uuid] = Field(default_factory=list)
    """Campaign ids to tag."""
    accounts: list[_Email] = Field(default_factory=list)
    """Email accounts to tag (accounts are identified by their email)."""
    adopt: bool | None = None
    """Take over an existing tag with this label; defaults to the client's ``adopt``."""

    @field_validator("campaigns")
    @classmethod
    def _campaign_ids(cls, value: list[str]) -> list[str]:
        for i, item in enumerate(value):
            if not models.is_uuid(item):
                raise ValueError(f"campaigns[{i}]: {item!r} is not a campaign id (UUID)")
        return value

    @field_validator("accounts")
    @classmethod
    def _account_emails(cls, value: list[str]) -> list[str]:
        for i, item in enumerate(value):
            if not models.is_email(item):
                raise ValueError(f"accounts[{i}]: {item!r} is not an email account")
        return value


class GroupMembershipSpec(_Spec):
    """The client workspace's membership in the agency's workspace group."""

    wait_for_acceptance: bool = False
    """Wait, during ``pulumi up``, until the client's owner accepts the invitation."""
    acceptance_timeout: int | None = Field(default=None, gt=0)
    """Seconds to wait for acceptance (with ``wait_for_acceptance``)."""
    adopt: bool | None = None
    """Take over an existing invitation or membership; defaults to the client's ``adopt``."""


class ClientSpec(_Spec):
    """One client workspace, as declared in its stack file."""

    workspace_id: _Uuid
    """The client's Instantly workspace id."""
    adopt: bool = False
    """Take over existing members, tags and group membership instead of creating duplicates."""
    group_membership: GroupMembershipSpec | None = None
    """Invite the workspace into the agency's group (the agency key's workspace is the admin)."""
    members: list[MemberSpec] = Field(default_factory=list)
    """Members of the client workspace, by email."""
    api_keys: list[ApiKeySpec] = Field(default_factory=list)
    """API keys of the client workspace."""
    tags: list[TagSpec] = Field(default_factory=list)
    """Tags of the client workspace and their assignments."""

    _workspace = field_validator("workspace_id")(_check_uuid)

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
            raise ValueError(f"{field}[{i}].{what} {key!r} repeats {field}[{seen[key]}]")
        seen[key] = i


class StackFileError(ValueError):
    """The client value of a stack file is invalid; the message names each bad path."""


def _path(loc: tuple[int | str, ...]) -> str:
    out = "client"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def parse_client(raw: Mapping[str, Any] | None) -> ClientSpec:
    """Validate the raw client value; raise :class:`StackFileError` naming every bad path."""
    if raw is None:
        raise StackFileError(f"the stack has no `{PROJECT}:{CONFIG_KEY}` value describing the client")
    try:
        return ClientSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False, include_input=False):
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{_path(tuple(err['loc']))}: {msg}")
        raise StackFileError("invalid client stack:\n  " + "\n  ".join(lines)) from None


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

    if client.group_membership is not None:
        gm = client.group_membership
        membership = SubWorkspace(
            "group-membership",
            sub_workspace_id=ws,
            wait_for_acceptance=gm.wait_for_acceptance,
            acceptance_timeout=gm.acceptance_timeout,
            adopt=client.adopt if gm.adopt is None else gm.adopt,
        )
        exports["group_membership"] = {"id": membership.id, "status": membership.status}
        # Acting as the client (x-as-workspace) needs an accepted membership, so the
        # rest comes after it (and after the acceptance, when the stack waits for it).
        opts = pulumi.ResourceOptions(depends_on=[membership])
    else:
        opts = pulumi.ResourceOptions()

    members = {}
    for m in client.members:
        member = WorkspaceMember(
            f"member-{m.email.lower()}",
            email=m.email,
            role=m.role,
            nickname=m.nickname,
            permissions=m.permissions,
            workspace_id=ws,
            adopt=client.adopt if m.adopt is None else m.adopt,
            opts=opts,
        )
        members[m.email] = {"id": member.id, "role": m.role, "accepted": member.accepted}
    exports["members"] = members

    keys = {}
    for k in client.api_keys:
        key = ApiKey(
            f"key-{k.name}",
            name=k.name,
            scopes=k.scopes,
            rotation=k.rotation,
            allow_full_access=k.allow_full_access,
            workspace_id=ws,
            opts=opts,
        )
        keys[k.name] = {"id": key.id, "scopes": k.scopes, "key": key.key}  # secret: additional_secret_outputs
    exports["api_keys"] = keys

    tags = {}
    for t in client.tags:
        tag = CustomTag(
            f"tag-{t.label}",
            label=t.label,
            description=t.description,
            workspace_id=ws,
            adopt=client.adopt if t.adopt is None else t.adopt,
            opts=opts,
        )
        tagged: dict[str, Any] = {"id": tag.id}
        for resource_type, ids in (("campaign", t.campaigns), ("account", t.accounts)):
            if ids:
                TagAssignment(
                    f"tag-{t.label}-{resource_type}s",
                    tag_id=tag.id,
                    resource_type=resource_type,
                    resource_ids=ids,
                    workspace_id=ws,
                    opts=opts,
                )
                tagged[f"{resource_type}s"] = ids
        tags[t.label] = tagged
    exports["tags"] = tags
    return exports
