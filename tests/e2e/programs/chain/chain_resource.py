"""A test-only dynamic resource whose backend is a JSON file per record.

It proves the chain program -> language host -> engine -> dynamic provider
without the Instantly API: every provider method touches the file, so the test
can see create, read (drift and deletion), update and delete happen for real.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult


class RecordProvider(ResourceProvider):
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changes = [k for k in ("store_dir", "value") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changes), replaces=[k for k in changes if k == "store_dir"])

    def create(self, props: dict[str, Any]) -> CreateResult:
        id_ = str(uuid.uuid4())
        Path(props["store_dir"], f"{id_}.json").write_text(json.dumps({"value": props["value"]}))
        return CreateResult(id_, {"store_dir": props["store_dir"], "value": props["value"]})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = Path(props["store_dir"], f"{id_}.json")
        if not path.exists():
            return ReadResult("", {})
        outs = {"store_dir": props["store_dir"], "value": json.loads(path.read_text())["value"]}
        return ReadResult(id_, outs, outs)

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        Path(news["store_dir"], f"{id_}.json").write_text(json.dumps({"value": news["value"]}))
        return UpdateResult({"store_dir": news["store_dir"], "value": news["value"]})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        Path(props["store_dir"], f"{id_}.json").unlink(missing_ok=True)


class Record(Resource, module="chain", name="Record"):
    store_dir: pulumi.Output[str]
    value: pulumi.Output[str]

    def __init__(self, name: str, store_dir: str, value: str) -> None:
        super().__init__(RecordProvider(), name, {"store_dir": store_dir, "value": value})
