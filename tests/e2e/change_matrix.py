"""The change matrix's machinery: one object per (resource, input, mode), one edit each, checked.

The cases come from the field tables (:func:`instantly_pulumi.changes.effects`), not from a list
here: every input a stack file sets on an entry (:attr:`Place.ENTRY`) gets one object per mode
(created by the stack, or adopted) whose only edit is that input; the inputs the program computes or
the client sets are edited by the rounds that move ids between keys, move the workspace, or mark it
as the agency's. A field added to a table is in the matrix the day it is added — and fails it until
its examples and notice are written.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from instantly_pulumi import changes, program
from instantly_pulumi.resources import stack_entries
from instantly_pulumi.resources._fields import Field, Place
from instantly_pulumi.resources._provider import InstantlyProvider
from instantly_sandbox.seed import list_all

from .conftest import ClientStack, World
from .support import endpoint

# The entry collections of a client, with the resource each entry makes and how it is named.
COLLECTIONS = {"members": "WorkspaceMember", "api_keys": "ApiKey", "tags": "CustomTag"}
PREFIX = {"WorkspaceMember": "member-", "ApiKey": "key-", "CustomTag": "tag-"}


def provider(kind: str) -> type[InstantlyProvider]:
    import instantly_pulumi

    cls: type[InstantlyProvider] = getattr(instantly_pulumi, kind).provider_class
    return cls


def entry_fields(kind: str) -> list[Field]:
    """The inputs a stack-file entry of ``kind`` sets."""
    return [f for f in provider(kind).fields if not f.output and f.place is Place.ENTRY]


def edited(f: Field, current: Any) -> Any:
    """The field's next value: its first example that differs from ``current``."""
    choices = [v for v in f.examples if v != current]
    assert choices, f"{f.name}: the field table needs at least two examples for the change matrix"
    return choices[0]


@dataclass
class Case:
    """One edit of one input of one object, and what the field table says it does."""

    kind: str
    """The resource (``WorkspaceMember``)."""
    field: str
    mode: str
    """``created`` or ``adopted``."""
    effect: changes.Effect
    name: str
    """The object's resource name before the edit (``member-role-created@m.example``)."""
    new_name: str | None = None
    """Its resource name after the edit, when the edit names a new object."""
    was: str | None = None
    """Its resource name before the edit, when it is renamed in place (a tag with ``renamed_from``)."""
    id_before: str | None = None
    """The object's id before the edit (filled in from the outputs)."""

    @property
    def row(self) -> tuple[str, str, str]:
        return (self.kind, self.field, self.mode)


@dataclass
class Matrix:
    """A stack's client value, the cases it carries and the objects to make before its first `up`."""

    client: dict[str, Any]
    cases: list[Case] = field(default_factory=list)
    existing: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(API path, body) of the objects to adopt, made through the API before the stack's first up."""
    mappings: list[tuple[str, str]] = field(default_factory=list)
    """(tag label, campaign id) assigned through the API before the first up."""
    edits: list[Any] = field(default_factory=list)
    """Functions that turn the client value into the edited one (one per case or group)."""

    def edited_client(self) -> dict[str, Any]:
        client = json.loads(json.dumps(self.client))
        for edit in self.edits:
            edit(client)
        return client


def _key_value(kind: str, f: Field, mode: str, domain: str) -> str:
    tag = f"{f.name.replace('_', '-')}-{mode}"
    return f"{tag}@{domain}" if kind == "WorkspaceMember" else tag


def entry_matrix(world: World, campaigns: list[str], accounts: list[str]) -> Matrix:
    """One object per (resource, entry input, mode): the edits of the big round."""
    matrix = Matrix(client={"workspace_id": world.client_id, "group_membership": {"adopt": True}})
    for collection, kind in COLLECTIONS.items():
        entries: list[dict[str, Any]] = []
        matrix.client[collection] = entries
        named = program.NAMED_BY[kind]
        for f in entry_fields(kind):
            for mode in changes.MODES:
                effect = changes.effect(provider(kind), f, mode)
                if effect is None:
                    continue
                name_value = _key_value(kind, f, mode, "m.example")
                entry: dict[str, Any] = {named: name_value}
                if kind == "WorkspaceMember":
                    entry["role"] = "editor"
                if kind == "ApiKey":
                    entry["scopes"] = ["campaigns:read"]
                if kind == "CustomTag":
                    entry["campaigns"] = campaigns[:1]
                if f.name != named:
                    entry[f.name] = f.examples[0]
                if mode == "adopted":
                    entry.setdefault("adopt", True)
                    body = {
                        g.name: entry[g.name]
                        for g in provider(kind).fields
                        if g.api and not g.output and entry.get(g.name) is not None
                    }
                    matrix.existing.append((provider(kind).path, body))
                    if kind == "CustomTag":
                        matrix.mappings.append((name_value, campaigns[0]))
                entries.append(entry)
                resource = f"{PREFIX[kind]}{name_value.lower() if kind == 'WorkspaceMember' else name_value}"
                case = Case(kind, f.name, mode, effect, resource)
                index = len(entries) - 1
                if f.name == named:
                    new_value = _key_value(kind, f, mode, "m.example").replace(f"-{mode}", f"-{mode}-new")
                    case.new_name = resource.replace(
                        name_value, new_value.lower() if "@" in new_value else new_value
                    )

                    def rename(
                        client: dict[str, Any],
                        c: str = collection,
                        i: int = index,
                        k: str = named,
                        v: str = new_value,
                        old: str = name_value,
                    ) -> None:
                        client[c][i][k] = v
                        if c == "tags":
                            client[c][i]["renamed_from"] = old

                    if kind == "CustomTag":  # renamed in place: the same object, its old name an alias
                        case.was, case.name, case.new_name = resource, case.new_name, None
                    matrix.edits.append(rename)
                else:

                    def change(
                        client: dict[str, Any], c: str = collection, i: int = index, g: Field = f
                    ) -> None:
                        client[c][i][g.name] = edited(g, client[c][i].get(g.name))

                    matrix.edits.append(change)
                matrix.cases.append(case)
                if kind == "CustomTag" and f.name in ("adopt", "on_destroy"):
                    # A tag's entry also makes its campaigns' assignment: the same edit covers it.
                    assignment = changes.effect(
                        provider("TagAssignment"), _field("TagAssignment", f.name), mode
                    )
                    assert assignment is not None
                    matrix.cases.append(
                        Case("TagAssignment", f.name, mode, assignment, f"{resource}-campaigns")
                    )
    # The tag assignments' own inputs, which the program computes from campaigns: and accounts:.
    for mode in changes.MODES:
        for what in ("ids", "kind"):
            label = f"{what}-{mode}"
            entry = {"label": label, "campaigns": campaigns[:1]}
            if mode == "adopted":
                entry["adopt"] = True
                matrix.existing.append(("/custom-tags", {"label": label}))
                matrix.mappings.append((label, campaigns[0]))
            matrix.client["tags"].append(entry)
            index = len(matrix.client["tags"]) - 1
            if what == "ids":
                fld = "resource_ids"

                def more(client: dict[str, Any], i: int = index) -> None:
                    client["tags"][i]["campaigns"] = campaigns[:2]

                matrix.edits.append(more)
                new_name = None
            else:
                fld = "resource_type"

                def move(client: dict[str, Any], i: int = index) -> None:
                    client["tags"][i]["campaigns"] = []
                    client["tags"][i]["accounts"] = accounts[:1]

                matrix.edits.append(move)
                new_name = f"tag-{label}-accounts"
            effect = changes.effect(provider("TagAssignment"), _field("TagAssignment", fld), mode)
            assert effect is not None
            matrix.cases.append(Case("TagAssignment", fld, mode, effect, f"tag-{label}-campaigns", new_name))
    # Resources with a key of their own (`profile:`): one object, every entry input edited at once.
    for cls in stack_entries():
        owner = cls.provider_class
        key, kind = str(owner.stack_key), cls.__name__
        fields = [f for f in owner.fields if not f.output and f.place is Place.ENTRY]
        matrix.client[key] = {f.name: f.examples[0] for f in fields}
        for f in fields:
            for mode in changes.MODES:
                effect = changes.effect(owner, f, mode)
                if effect is not None:
                    matrix.cases.append(Case(kind, f.name, mode, effect, key))

        def edit_all(client: dict[str, Any], key: str = key, fields: list[Field] = fields) -> None:
            for g in fields:
                client[key][g.name] = edited(g, client[key][g.name])

        matrix.edits.append(edit_all)
    return matrix


def own_entries() -> dict[str, dict[str, Any]]:
    """The client value's keys of the resources that have one (`profile:`), with first values."""
    return {
        str(cls.provider_class.stack_key): {
            f.name: f.examples[0]
            for f in cls.provider_class.fields
            if not f.output and f.place is Place.ENTRY
        }
        for cls in stack_entries()
    }


def _field(kind: str, name: str) -> Field:
    return provider(kind).by_name[name]


def group_cases(mode: str, fields: list[Field]) -> list[Case]:
    """Cases for the one group membership of a stack."""
    out = []
    for f in fields:
        effect = changes.effect(provider("SubWorkspace"), f, mode)
        assert effect is not None
        out.append(Case("SubWorkspace", f.name, mode, effect, "group-membership"))
    return out


# --- checking a round -------------------------------------------------------------------------


def steps(preview_json: str) -> dict[str, list[dict[str, Any]]]:
    """The preview's steps by resource name (the URN's last part)."""
    doc = json.loads(preview_json)
    out: dict[str, list[dict[str, Any]]] = {}
    for step in doc.get("steps", []):
        out.setdefault(step["urn"].split("::")[-1], []).append(step)
    return out


def diagnostics(preview_json: str) -> dict[str, list[str]]:
    doc = json.loads(preview_json)
    out: dict[str, list[str]] = {}
    for d in doc.get("diagnostics", []) or []:
        out.setdefault(str(d.get("urn", "")).split("::")[-1], []).append(d.get("message", ""))
    return out


def changed_inputs(step: dict[str, Any]) -> set[str]:
    old = (step.get("oldState") or {}).get("inputs") or {}
    new = (step.get("newState") or {}).get("inputs") or {}
    return {k for k in set(old) | set(new) if k != "__provider" and old.get(k) != new.get(k)}


def check_preview(cases: list[Case], preview_json: str) -> None:
    """Each case's resource shows the operation its field table promises."""
    by_name, notes = steps(preview_json), diagnostics(preview_json)
    for case in cases:
        ops = [s["op"] for s in by_name.get(case.name, []) if s["op"] != "same"]
        op = case.effect.operation
        where = f"{case.row}: preview shows {ops}"
        if op == "nothing":
            assert ops == [], where
        elif op in ("update", "record"):
            assert ops == ["update"], where
            if case.kind != "TagAssignment" or case.field != "resource_ids":
                assert case.field in changed_inputs(by_name[case.name][0]), where
        elif op.startswith("replace"):
            assert ops == ["replace"], where
            (step,) = by_name[case.name]
            assert case.field in step.get("replaceReasons", []), where
            # The note under the resource says what the replacement means (naming the inputs).
            assert any(case.field in n for n in notes.get(case.name, [])), f"{where}: no note {notes}"
        elif op == "new-object":
            assert ops == ["delete"], where
            assert case.new_name is not None
            assert [s["op"] for s in by_name.get(case.new_name, [])] == ["create"], where
        else:  # pragma: no cover
            raise AssertionError(op)


def expected_writes(cases: list[Case]) -> Counter[str]:
    """Every write the round's cases promise, by endpoint; an object with several edits (a workspace
    move changes its workspace and what follows it) is written as its largest effect says, once."""
    per_object: dict[str, tuple[str, ...]] = {}
    for case in cases:
        if len(case.effect.writes) > len(per_object.get(case.name, ())):
            per_object[case.name] = case.effect.writes
    return Counter(w for writes in per_object.values() for w in writes)


def check_writes(cases: list[Case], log: list[dict[str, Any]]) -> Counter[str]:
    """The round's writes are exactly what its cases promise (by endpoint), and every PATCH or DELETE
    went to the object its case names (by id)."""
    writes = [r for r in log if r["method"] != "GET"]
    got, promised = Counter(endpoint(r) for r in writes), expected_writes(cases)
    assert got == promised, f"writes {dict(got)} != promised {dict(promised)}"
    by_path = Counter(r["path"].removeprefix("/api/v2") for r in writes)
    for case in cases:
        for write in case.effect.writes:
            if "{id}" in write and case.id_before:
                _method, template = write.split(" ", 1)
                assert by_path[template.replace("{id}", case.id_before)] >= 1, (case.row, write)
    return Counter(endpoint(r) for r in log if r["method"] == "GET")


def server_view(world: World) -> dict[str, list[dict[str, Any]]]:
    """The client's members, keys, tags and tag mappings as the API holds them."""
    with world.api() as api:
        return {
            path: list_all(api, path)
            for path in ("/workspace-members", "/api-keys", "/custom-tags", "/custom-tag-mappings")
        }


def check_outputs_agree(
    stack: ClientStack, world: World, kept: dict[str, set[str]] | None = None
) -> dict[str, Any]:
    """The stack's outputs and the server hold the same objects: every exported member, key and tag
    exists once with the exported values, and each tag carries exactly its exported ids — plus, in
    ``kept``, ids an adopted assignment that left the file still carries (what was adopted stays)."""
    out = stack.outputs()
    server = server_view(world)
    members = {m["id"]: m for m in server["/workspace-members"]}
    for email, m in out["members"].items():
        live = members[m["id"]]
        assert live["email"].lower() == email.lower()
        assert (live["role"], live.get("nickname")) == (m["role"], m.get("nickname")), email
        assert set(live.get("permissions") or []) == set(m.get("permissions") or []), email
        assert [x["email"].lower() for x in members.values()].count(email.lower()) == 1, email
    for cls in stack_entries():  # a resource of its own key: read as its provider reads it
        key = str(cls.provider_class.stack_key)
        if key in out:
            reader = cls.provider_class.with_config(
                {"instantly:apiKey": world.agency_key, "instantly:baseUrl": world.base_url}
            )
            live = reader.fetch_fresh(out[key]["id"], {"workspace_id": world.client_id}) or {}
            for f in cls.provider_class.fields:
                if f.api and not f.output:
                    assert live.get(f.name) == out[key].get(f.name), (key, f.name)
    keys = {k["id"]: k for k in server["/api-keys"]}
    for name, k in out["api_keys"].items():
        assert keys[k["id"]]["name"] == name
        assert set(keys[k["id"]]["scopes"]) == set(k["scopes"]), name
        assert [x["name"] for x in keys.values()].count(name) == 1, name
    tags = {t["id"]: t for t in server["/custom-tags"]}
    for label, t in out["tags"].items():
        assert tags[t["id"]]["label"] == label
        assert tags[t["id"]].get("description") == t.get("description"), label
        mapped = {m["resource_id"] for m in server["/custom-tag-mappings"] if m["tag_id"] == t["id"]}
        declared = set(t.get("campaigns", [])) | set(t.get("accounts", []))
        assert mapped == declared | (kept or {}).get(label, set()), label
    return out


def ids_by_name(outputs: dict[str, Any]) -> dict[str, str]:
    """Resource name → object id, from the stack's outputs."""
    out = {f"member-{e.lower()}": m["id"] for e, m in outputs.get("members", {}).items()}
    out |= {f"key-{n}": k["id"] for n, k in outputs.get("api_keys", {}).items()}
    out |= {f"tag-{label}": t["id"] for label, t in outputs.get("tags", {}).items()}
    if "group_membership" in outputs:
        out["group-membership"] = outputs["group_membership"]["id"]
    for cls in stack_entries():
        key = str(cls.provider_class.stack_key)
        if key in outputs:
            out[key] = outputs[key]["id"]
    return out
