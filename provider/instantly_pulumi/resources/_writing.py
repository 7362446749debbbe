"""Changing and removing what is there: ``update`` (one PATCH for what changed) and ``delete``.

Both go through :func:`~._converge.converge`: an ambiguous failure is checked by reading the object
before the write is sent again. ``delete`` keeps what was adopted unless ``on_destroy`` says
otherwise; the first half of a delete-first replacement deletes even that.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import UpdateResult

from instantly_pulumi.errors import NotFoundError
from instantly_pulumi.resources import _replacement
from instantly_pulumi.resources._converge import Attempts, converge
from instantly_pulumi.resources._fields import ADOPTED, Change
from instantly_pulumi.resources._reading import Reading

__all__ = ["Writing"]


class Writing(Reading):
    """PATCH and DELETE, converging."""

    def patch_body(self, current: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """The PATCH that brings ``current`` (an API object) to the declared ``props``."""
        return {
            f.name: props.get(f.name)
            for f in self.fields
            if f.change is Change.PATCH and not f.same(current.get(f.name), props.get(f.name))
        }

    def patch(self, id_: str, body: dict[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH until confirmed (an ambiguous failure is checked by reading the object)."""
        ws, operation = self.acting_workspace(props), f"update {self.kind}"

        def write() -> dict[str, Any]:
            obj: dict[str, Any] = self.client.request(
                "PATCH",
                self.object_path(id_),
                operation=operation,
                target=self.target(props, id_),
                workspace_id=ws,
                json=body,
            )
            return obj

        def reconcile(_attempts: Attempts) -> dict[str, Any] | None:
            now = self.fetch_fresh(id_, props)
            if now is None:
                raise NotFoundError(
                    operation,
                    self.target(props, id_),
                    404,
                    "Resource not found",
                    "it was deleted outside Pulumi: run `pulumi refresh`, then `pulumi up`",
                )
            return now if not self.patch_body(now, props) else None

        obj = converge(self.client, operation, self.target(props, id_), write, reconcile)
        self.client.invalidate(self.path, ws)
        return obj

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PATCH what changed (one call); options are only recorded. Returns the whole state."""
        current = {f.name: olds.get(f.name) for f in self.fields if f.api or f.output}
        body = self.patch_body(current, news)
        obj = {**current, **self.patch(id_, body, news)} if body else current
        return UpdateResult(self.outs({**olds, **news}, obj, adopted=bool(olds.get(ADOPTED.name))))

    def keeps(self, props: Mapping[str, Any]) -> bool:
        """``on_destroy``: keep what was adopted and delete what was created, unless the file says."""
        if self.always_adopts:
            return True  # what always exists is only ever taken over, and left as it is
        choice = props.get("on_destroy")
        if choice in ("keep", "delete"):
            return bool(choice == "keep")
        return bool(props.get(ADOPTED.name))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """DELETE until confirmed gone (already gone is fine) — or nothing, for what is kept.

        The first half of a delete-first replacement deletes even what ``destroy`` would keep.
        """
        replacing = _replacement.take_planned(self.replacement_key(props)) if self.natural_key else None
        if replacing is None and self.keeps(props):
            return
        self.delete_object(id_, props)
        if replacing is not None:
            _replacement.deleted(self.replacement_key(props), replacing)

    def delete_object(self, id_: str, props: Mapping[str, Any]) -> None:
        """DELETE ``id_``; an ambiguous failure is checked by reading whether it is gone."""
        ws, operation = self.acting_workspace(props), f"delete {self.kind}"

        def write() -> bool:
            with contextlib.suppress(NotFoundError):  # already gone is gone
                self.client.request(
                    "DELETE",
                    self.object_path(id_),
                    operation=operation,
                    target=self.target(props, id_),
                    workspace_id=ws,
                )
            return True

        def reconcile(_attempts: Attempts) -> bool | None:
            return True if self.fetch_fresh(id_, props) is None else None

        converge(self.client, operation, self.target(props, id_), write, reconcile)
        self.client.invalidate(self.path, ws)
