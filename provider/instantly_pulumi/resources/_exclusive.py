"""An exclusive collection: what a stack does not declare in it does not survive ``pulumi up``.

A client stack with ``exclusive: [members]`` (or ``api_keys``, ``tags``) declares one
:class:`ExclusiveCollection` per such collection beside the objects themselves. Its ``check`` — at
every preview and up — lists the collection in the client's workspace and names the *strays*: the
objects no resource of the stack holds and the file does not declare. Its ``diff`` then shows each
stray by name (an email and role, a key's name and scopes, a label) as one the ``up`` removes, and
its ``update`` removes them. Its ``read`` lists them again, so ``pulumi refresh`` shows a stray added
since as drift. Never a stray: the workspace's owner, the key the stack runs with, and whatever the
client's ``keep:`` names (emails, key names, labels). ``destroy`` of the stack removes nothing more.

Prior art: GitHub's ``github_team_members`` (authoritative membership) and Okta's
``okta_group_memberships`` with ``track_all_users``; both name what they would remove in the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from instantly_pulumi import validation
from instantly_pulumi.errors import NotFoundError, PermissionDeniedError
from instantly_pulumi.resources import _grpc
from instantly_pulumi.resources._fields import (
    ALLOW_AGENCY,
    WORKSPACE_ID,
    Change,
    Field,
    Place,
    casefold,
    trimmed,
)
from instantly_pulumi.resources._provider import InstantlyProvider, has_unknown
from instantly_pulumi.resources._resource import InstantlyResource
from instantly_pulumi.resources.api_key import ApiKeyProvider
from instantly_pulumi.resources.custom_tag import CustomTagProvider
from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider

__all__ = ["COLLECTIONS", "ExclusiveCollection", "ExclusiveCollectionProvider"]

COLLECTIONS: dict[str, tuple[type[InstantlyProvider], str]] = {
    "members": (WorkspaceMemberProvider, "email"),
    "api_keys": (ApiKeyProvider, "name"),
    "tags": (CustomTagProvider, "label"),
}
"""Each collection a stack can keep exclusive: the provider of its objects and what names one."""


def _norm(collection: str, value: Any) -> Any:
    return casefold(value) if collection == "members" else trimmed(value)


class ExclusiveCollectionProvider(InstantlyProvider):
    """Removes what a stack does not declare from one collection of the client's workspace."""

    kind = "exclusive collection"
    fields = (
        Field(
            "collection",
            "``members``, ``api_keys`` or ``tags``.",
            Change.REPLACE,
            required=True,
            place=Place.PROGRAM,
            check=lambda v: validation.collections([v])[0],
        ),
        Field(
            "declared",
            "What the stack declares in the collection, by name (emails, key names, labels).",
            Change.RECORD,
            type_="list[str]",
            as_set=True,
            place=Place.PROGRAM,
        ),
        Field(
            "held",
            "The ids of the objects the stack's resources hold (known once they exist).",
            Change.IGNORE,
            type_="list[str]",
            as_set=True,
            place=Place.PROGRAM,
        ),
        Field(
            "keep",
            "Names never removed (the client's ``keep:``).",
            Change.RECORD,
            type_="list[str]",
            as_set=True,
            place=Place.PROGRAM,
        ),
        Field(
            "strays",
            "What the workspace holds that the stack does not declare, as the last check or read saw it "
            "(``id``, ``name``, ``detail``); ``pulumi up`` removes each.",
            Change.CUSTOM,
            type_="list[dict]",
            place=Place.PROGRAM,
        ),
        WORKSPACE_ID,
        ALLOW_AGENCY,
    )

    def label(self, props: Mapping[str, Any], id_: str = "") -> str:
        return str(props.get("collection"))

    def target(self, props: Mapping[str, Any], id_: str = "") -> str:
        ws = self.workspace(props)
        where = f"workspace {ws}" if ws else "the key's workspace"
        return f"{props.get('collection')} of {where}"

    def owner(self, props: Mapping[str, Any]) -> InstantlyProvider:
        """The provider of the collection's objects, sharing this one's configuration."""
        cls, _ = COLLECTIONS[str(props["collection"])]
        provider = cls()
        provider._config = self._config
        return provider

    # -- what is a stray --------------------------------------------------------------------------

    def strays(self, props: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        """The objects of the collection the stack neither holds nor declares (None: cannot be read)."""
        collection = str(props["collection"])
        cls, named_by = COLLECTIONS[collection]
        assert cls.listing is not None
        try:
            # The same reader, and the same per-process list, as the collection's own resources.
            listing = self.reader.items(
                cls.listing,
                self.acting_workspace(props),
                target=self.target(props),
                operation=f"list {cls.kind}s",
            )
        except (PermissionDeniedError, NotFoundError):
            return None  # not readable yet (a group invitation still pending)
        held = set(props.get("held") or []) if not has_unknown(props.get("held")) else set()
        declared = {_norm(collection, n) for n in props.get("declared") or []}
        keep = {_norm(collection, n) for n in props.get("keep") or []}
        own_key = self.credentials.api_key
        out = []
        for obj in listing:
            name = obj.get(named_by)
            if obj.get("id") in held or _norm(collection, name) in keep:
                continue
            if collection != "api_keys" and _norm(collection, name) in declared:
                continue  # names are unique there: the declared object, made or adopted by this run
            if collection == "api_keys" and not held and _norm(collection, name) in declared:
                continue  # before the stack's keys exist (a preview), a declared name is not a stray
            if collection == "members" and obj.get("role") == "owner":
                continue  # the API can neither grant nor remove it
            if collection == "api_keys" and own_key and str(obj.get("key", "")).endswith(own_key[-4:]):
                continue  # the key the stack runs with (the API shows its last characters)
            out.append({"id": obj["id"], "name": name, "detail": _detail(collection, obj)})
        return sorted(out, key=lambda s: (str(s["name"]), str(s["id"])))

    # -- the contract ---------------------------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate, then name the strays as they are now."""
        result = super().check(olds, news)
        if result.failures or any(has_unknown(news.get(k)) for k in ("collection", "workspace_id")):
            return result
        found = self.strays(result.inputs)
        # Named here, where they were just read (preview and up call check; a refresh's diff compares
        # the strays a read finds with those the last check recorded, which would be stale to name).
        self.name_strays(result.inputs, found or [])
        return CheckResult({**result.inputs, "strays": found or []}, [])

    def name_strays(self, props: Mapping[str, Any], strays: list[dict[str, Any]]) -> None:
        """Name each stray the ``up`` removes."""
        for s in strays:
            _grpc.note(
                f"{props.get('collection')} are exclusive: `pulumi up` removes {s['name']} ({s['detail']}), "
                "which this stack does not declare (add it to the file, or to keep:, to let it stay)",
                warning=True,
            )

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """A change whenever a stray is there to remove, or what is declared changed."""
        result = super().diff(id_, olds, news)
        changes = bool(result.changes) or bool(news.get("strays"))
        return DiffResult(changes=changes, replaces=result.replaces, delete_before_replace=False)

    def remove(self, props: Mapping[str, Any]) -> None:
        owner = self.owner(props)
        for s in props.get("strays") or []:
            owner.delete_object(str(s["id"]), {**props, "key": None})
            _grpc.note(f"removed {s['name']} ({s['detail']}) from {props.get('collection')}: not declared")

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Remove the strays; the id names the workspace and the collection."""
        self.remove(props)
        id_ = f"{props.get('workspace_id') or '-'}/{props['collection']}"
        return CreateResult(id_, {**self.input_values(props), "strays": []})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Remove the strays."""
        self.remove(news)
        return UpdateResult({**self.input_values(news), "strays": []})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The strays as they are now: a new one is drift."""
        found = self.strays(props)
        outs = {
            **self.input_values(props),
            "strays": found if found is not None else props.get("strays") or [],
        }
        return ReadResult(id_, outs, outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing: the collection is simply no longer exclusive."""


def _detail(collection: str, obj: Mapping[str, Any]) -> str:
    if collection == "members":
        return f"{obj.get('role')}, {'accepted' if obj.get('accepted') else 'invited'}"
    if collection == "api_keys":
        return "scopes " + ", ".join(obj.get("scopes") or [])
    return "tag"


class ExclusiveCollection(
    InstantlyResource, provider=ExclusiveCollectionProvider, module="instantly", name="ExclusiveCollection"
):
    """What a client stack keeps exclusive: one collection of its workspace (internal; the program
    declares it for ``exclusive:``)."""
