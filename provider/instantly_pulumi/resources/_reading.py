"""Reading what is there: by natural key, from the workspace's listing, by id; and ``read``.

``read`` (refresh) takes an object from the workspace's list, fetched once per process and list,
so N objects cost ceil(N/100) calls, and reports drift on every field the API carries. A search by
natural key (an adoption, a lost create) reads fresh, or matches against the listing the preview's
check already read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import ReadResult

from instantly_pulumi.errors import NotFoundError
from instantly_pulumi.resources._base import ProviderBase
from instantly_pulumi.resources._fields import ADOPTED

__all__ = ["Reading"]


class Reading(ProviderBase):
    """Finding objects, and the contract's ``read``."""

    def find(self, props: Mapping[str, Any], *, shared: bool = False) -> dict[str, Any] | None:
        """The object with ``props``'s natural key, read fresh from the API — or, with ``shared``,
        from the process's listing of the collection (what ``check`` read to announce an adoption)."""
        if self.singleton:
            return self.fetch_fresh("", props)
        if shared:
            return next((o for o in self.snapshot(props) if self.matches(o, props)), None)
        assert self.listing is not None  # a collection, not a singleton
        found = self.reader.scan(
            self.listing,
            self.acting_workspace(props),
            target=self.target(props),
            operation=f"find {self.kind}",
            params=self.search_params(props),
        )
        return next((obj for obj in found if self.matches(obj, props)), None)

    def snapshot(self, props: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The collection as it was when this process first looked (one listing per process): what
        adoptions match against. A later write to one object changes no other's natural key, so the
        writes of this run do not make it stale for that purpose."""
        ws = self.acting_workspace(props)
        assert self.listing is not None
        listing = self.listing

        def read() -> list[dict[str, Any]]:
            return self.reader.items(
                listing, ws, target=self.target(props), operation=f"list {self.kind}s", fresh=True
            )

        found: list[dict[str, Any]] = self.client.remember(f"snapshot {self.path} {ws}", read)
        return found

    def listed(self, props: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every object of the collection in the object's workspace (cached per process)."""
        assert self.listing is not None
        return self.reader.items(
            self.listing,
            self.acting_workspace(props),
            target=self.target(props),
            operation=f"list {self.kind}s",
        )

    def fetch(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        """The object as it is now, from the shared listing (a singleton: read); None when it is gone."""
        if self.singleton:
            return self.fetch_fresh(id_, props)
        return next((o for o in self.listed(props) if o.get("id") == id_), None)

    def fetch_fresh(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        """The object as it is now, bypassing the cache (after an ambiguous write)."""
        ws = self.acting_workspace(props)
        if not self.has_get:
            self.client.invalidate(self.path, ws)
            return self.fetch(id_, props)
        try:
            obj: dict[str, Any] = self.client.request(
                "GET",
                self.object_path(id_),
                operation=f"read {self.kind}",
                target=self.target(props, id_),
                workspace_id=ws,
            )
        except NotFoundError:
            return None
        return obj

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The object from the workspace's listing (shared by the process's reads); gone reads as gone."""
        obj = self.fetch(id_, props)
        if obj is None or not self.alive(obj):
            return ReadResult("", {})
        outs = self.outs(props, obj, adopted=bool(props.get(ADOPTED.name)))
        return ReadResult(id_, outs, self.input_values(outs))

    def alive(self, obj: Mapping[str, Any]) -> bool:
        """Whether a listed object still counts as existing (e.g. not a rejected invitation)."""
        return True
