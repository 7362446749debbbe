"""The Pulumi program every client stack runs: check the stack, verify its access, declare, export.

:func:`main` loads the stack file (:func:`instantly_pulumi.stack.load`: every
mistake named by its path, no API call), then makes one cheap call that
proves the agency key works and can act in the client's workspace
(:func:`verify_access`), then declares the resources (:func:`declare`). A
problem is reported by the program itself (no Python traceback, no
"unhandled error" line) and nothing is written to the state.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from instantly_pulumi import recovery
from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.errors import (
    AuthenticationError,
    ConfigurationError,
    InstantlyError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
)
from instantly_pulumi.resources import stack_entries
from instantly_pulumi.resources._exclusive import ExclusiveCollection
from instantly_pulumi.resources._fields import Place
from instantly_pulumi.resources._provider import InstantlyProvider
from instantly_pulumi.resources._recovery import INTENT
from instantly_pulumi.resources.api_key import ApiKey
from instantly_pulumi.resources.custom_tag import CustomTag
from instantly_pulumi.resources.sub_workspace import SubWorkspace
from instantly_pulumi.resources.tag_assignment import TagAssignment
from instantly_pulumi.resources.workspace_member import WorkspaceMember
from instantly_pulumi.settings import Credentials
from instantly_pulumi.stack import INHERITED, USER_ACTIONABLE_EXIT, ClientSpec, load

__all__ = ["CLIENT_KEYS", "ENTRIES", "NAMED_BY", "declare", "inputs", "main", "shown", "verify_access"]

CLIENT_KEYS = {"workspace_id": "workspace_id", "allow_agency_workspace": "agency_workspace"}
"""The client's key that sets each input placed at the client level (:attr:`Place.CLIENT`)."""

ENTRIES = {
    "SubWorkspace": "group_membership",
    "WorkspaceMember": "members[]",
    "ApiKey": "api_keys[]",
    "CustomTag": "tags[]",
    "TagAssignment": "tags[]",
}
"""Where in the client value each resource's entry is (a tag's entry also makes its assignments)."""

NAMED_BY = {
    "WorkspaceMember": "email",
    "ApiKey": "name",
    "CustomTag": "label",
    "TagAssignment": "resource_type",
}
"""The input whose value names each resource in the stack (``member-<email>``, ``tag-<label>-campaigns``):
a new value is a new object and the old one is removed — except a tag's label changed together with
``renamed_from``, which keeps the old names as aliases."""

REFUSED_KEY = (
    "the API refused the agency key (401: a wrong, revoked or missing key all answer so): set the "
    "current key with `pulumi config set --secret instantly:apiKey --stack {stack}` (it reads the key from "
    "the prompt or stdin), or export INSTANTLY_API_KEY; nothing was changed"
)


def verify_access(
    client: ClientSpec,
    credentials: Credentials,
    stack: str = "<stack>",
    progress: Callable[[str], None] | None = None,
) -> None:
    """Prove, with one read, that the key works — and, unless the stack invites the client into the
    agency's group, that it can act in the client's workspace.

    A stack that invites the client (``group_membership``, or the agency's own workspace) reads the
    key's own workspace: until the client's owner accepts, acting in the client is refused anyway.
    Any other stack reads the client's workspace acting in it (``x-as-workspace``); when that is
    refused, a read of the key's own workspace tells a refused key (401) from a workspace the key
    cannot reach. A key without the ``workspaces:read`` scope cannot tell the two apart; then nothing
    more is claimed (the first write would say it). ``progress`` hears of any long wait.
    """
    api = InstantlyClient(credentials, progress=progress)

    def current(workspace: str | None) -> Any:
        return api.request(
            "GET",
            "/workspaces/current",
            operation="verify access",
            target=f"workspace {workspace}" if workspace else "the agency key's own workspace",
            workspace_id=workspace,
        )

    invites = client.group_membership is not None or client.agency_workspace
    try:
        if not invites:
            try:
                current(client.workspace_id)
                return
            except (PermissionDeniedError, NotFoundError):
                pass
        try:
            current(None)
        except (PermissionDeniedError, PaymentRequiredError):
            return  # the key may not read workspaces: it works, and no more can be told
        if not invites:
            raise ConfigurationError(
                f"client.workspace_id: the agency key cannot act in workspace {client.workspace_id}: it "
                "does not exist, or it is not an accepted member of the agency's workspace group. Check "
                "the id (`instantly-pulumi audit --all` lists the group), or add `group_membership: {}` "
                "to the client to invite it"
            )
    except AuthenticationError:
        raise ConfigurationError(REFUSED_KEY.format(stack=stack)) from None
    except PaymentRequiredError:
        return  # the plan, not the key: the first call that needs it says so
    finally:
        api.close()


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
    """The Pulumi program of every client stack: check, verify, declare, export."""
    import pulumi
    from pulumi.runtime.config import CONFIG

    config = dict(CONFIG.get())
    try:
        client = load(config, _stack_file())
        verify_access(client, Credentials.resolve(config), pulumi.get_stack(), progress=pulumi.log.info)
    except InstantlyError as exc:  # a bad stack, or an API that refuses or does not answer
        pulumi.log.error(str(exc))
        sys.exit(USER_ACTIONABLE_EXIT)
    # What a run that died left behind (Pulumi's pending CREATEs): hand each declared object its
    # intent back, and remove what it made of objects no longer declared.
    left = recovery.read_state(pulumi.get_stack(), Path(pulumi.get_root_directory() or "."))
    declared: set[tuple[str, str]] = set()
    for name, value in declare(client, recovery.intents(left.unresolved), declared, left.held_ids).items():
        pulumi.export(name, value)
    creates = [p for p in left.unresolved if p.operation == "creating"]
    if creates:
        pulumi.log.info(
            f"{len(creates)} create(s) of a run that was interrupted: what it made is taken over as created "
            "(or removed, if no longer declared). Pulumi keeps its own record of them — its warning about "
            "pending operations — until `instantly-pulumi fleet up` or `pulumi refresh "
            "--clear-pending-creates` removes it; docs/reliability.md"
        )
        providers = {
            cls.__name__: cls.provider_class.with_config(config)
            for cls in (WorkspaceMember, ApiKey, SubWorkspace, CustomTag, TagAssignment)
        }
        recovery.reclaim(left, declared, providers, dry_run=pulumi.runtime.is_dry_run(), say=pulumi.log.info)


def inputs(
    provider: type[InstantlyProvider], client: ClientSpec, entry: Any, **computed: Any
) -> dict[str, Any]:
    """A resource's inputs from its stack-file entry, as its field table places each one."""
    out: dict[str, Any] = {}
    for f in provider.fields:
        if f.output:
            continue
        if f.name in computed:
            out[f.name] = computed[f.name]
        elif f.place is Place.ENTRY:
            out[f.name] = client.inherited(entry, f.name) if f.name in INHERITED else getattr(entry, f.name)
        elif f.place is Place.CLIENT:
            out[f.name] = getattr(client, CLIENT_KEYS[f.name])
        else:
            raise KeyError(f"{provider.__name__}.{f.name} is computed by the program: pass it")
    return out


def shown(
    resource: Any, declared: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What the stack exports of a resource: its id, the values it declares for the API (``up`` made
    the API hold them; a refresh shows any drift), and what the API computed (``accepted``, ``key``…).

    Declared values are exported as declared, not read back from the resource: an optional value that
    is unset would otherwise show as ``[unknown]`` in every preview.
    """
    provider: type[InstantlyProvider] = resource.provider_class
    out: dict[str, Any] = {"id": resource.id}
    for f in provider.fields:
        if f.api and not f.output:
            out[f.name] = declared.get(f.name)
        elif f.output and not f.name.startswith("timestamp_"):
            out[f.name] = getattr(resource, f.name)
    return {**out, **(extra or {})}


def declare(
    client: ClientSpec,
    intents: Mapping[tuple[str, str], Any] | None = None,
    names: set[tuple[str, str]] | None = None,
    held: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Declare the client's resources; return the values the program exports.

    Resource names derive from natural keys (email, key name, tag label) so
    that reordering the file changes nothing; a tag's ``renamed_from`` keeps
    its old name as an alias, so a rename is an update of the same tag.
    ``intents`` hands a killed run's intent back to the object it was creating
    (by resource class and name); ``names`` collects the (class, name) of what is declared; ``held``
    are the ids the stack's state holds (never removed by an exclusive collection).
    """
    # Imported here so that parsing a stack file needs no Pulumi engine.
    import pulumi

    handed, seen = intents or {}, names if names is not None else set()

    def make(cls: Any, resource_name: str, /, **kwargs: Any) -> Any:
        seen.add((cls.__name__, resource_name))
        if (cls.__name__, resource_name) in handed:
            kwargs[INTENT] = handed[(cls.__name__, resource_name)]
        return cls(resource_name, **kwargs)

    ws = client.workspace_id
    exports: dict[str, Any] = {"workspace_id": ws}

    opts = pulumi.ResourceOptions()
    if client.group_membership is not None:
        gm = client.group_membership
        declared = inputs(SubWorkspace.provider_class, client, gm, sub_workspace_id=ws)
        membership = make(SubWorkspace, "group-membership", **declared)
        exports["group_membership"] = shown(membership, declared)
        # Acting as the client (x-as-workspace) needs an accepted membership, so the rest comes after
        # it; a membership still pending when the wait runs out stops them (they would be refused).
        opts = pulumi.ResourceOptions(depends_on=[membership])

    made: dict[str, list[Any]] = {"members": [], "api_keys": [], "tags": []}
    members = {}
    for m in client.members:
        role, permissions = m.granted
        declared = inputs(WorkspaceMember.provider_class, client, m, role=role, permissions=permissions)
        member = make(WorkspaceMember, f"member-{m.email.lower()}", opts=opts, **declared)
        made["members"].append(member)
        members[m.email] = shown(
            member, declared, {"team": True} if m.email.lower() in client.from_team else None
        )
    exports["members"] = members

    keys = {}
    for k in client.api_keys:
        declared = inputs(ApiKey.provider_class, client, k)
        key = make(ApiKey, f"key-{k.name}", opts=opts, **declared)
        made["api_keys"].append(key)
        keys[k.name] = shown(key, declared)  # `key` is a secret where it is born
    exports["api_keys"] = keys

    tags = {}
    for t in client.tags:
        old = t.renamed_from

        def named(suffix: str = "", old: str | None = old) -> pulumi.ResourceOptions:
            aliases = [pulumi.Alias(name=f"tag-{old}{suffix}")] if old is not None else None
            return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=aliases))

        declared = inputs(CustomTag.provider_class, client, t)
        tag = make(CustomTag, f"tag-{t.label}", opts=named(), **declared)
        made["tags"].append(tag)
        tagged: dict[str, Any] = {}
        for resource_type, ids in (("campaign", t.campaigns), ("account", t.accounts)):
            if ids:
                make(
                    TagAssignment,
                    f"tag-{t.label}-{resource_type}s",
                    opts=named(f"-{resource_type}s"),
                    **inputs(
                        TagAssignment.provider_class,
                        client,
                        t,
                        tag_id=tag.id,
                        resource_type=resource_type,
                        resource_ids=ids,
                    ),
                )
                tagged[f"{resource_type}s"] = ids
        tags[t.label] = shown(tag, declared, tagged)
    exports["tags"] = tags

    # Resources with a key of their own in the client value (`profile:`): nothing here but this loop.
    for cls in stack_entries():
        key = str(cls.provider_class.stack_key)
        entry = getattr(client, key, None)
        if entry is not None:
            declared = inputs(cls.provider_class, client, entry)
            exports[key] = shown(make(cls, key, opts=opts, **declared), declared)

    # Exclusive collections: what the stack does not declare is removed by `up` (named at preview).
    names_of = {
        "members": [m.email for m in client.members],
        "api_keys": [k.name for k in client.api_keys],
        "tags": [t.label for t in client.tags],
    }
    for collection in client.exclusive or []:
        made_ids = pulumi.Output.all(*[r.id for r in made[collection]])
        make(
            ExclusiveCollection,
            f"exclusive-{collection}",
            opts=opts,
            **inputs(
                ExclusiveCollection.provider_class,
                client,
                None,
                collection=collection,
                declared=names_of[collection],
                held=made_ids.apply(lambda found: sorted({str(i) for i in found} | held)),
                keep=list(client.keep),
                strays=[],
            ),
        )
    exports["exclusive"] = list(client.exclusive or [])
    return exports
