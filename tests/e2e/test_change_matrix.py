"""The change matrix: every input of every resource edited on a live stack, created and adopted.

Run from the root of a fresh copy of the project (its own Pulumi.yaml, its venv made by `pulumi
install`), through the real CLI, against the sandbox. Each round edits many objects at once — each
object carries exactly one edit — and checks, per edit:

* `pulumi preview` shows the operation the field table promises (and, for a replacement, the note
  saying what it means for people);
* `pulumi up` makes exactly the promised writes (by endpoint, and by the old object's id);
* the server then holds what the outputs say, each object once; an in-place edit kept the id, a
  replacement changed it;
* `pulumi preview --expect-no-changes` and `pulumi refresh --expect-no-changes` pass.

The expected effects are :mod:`instantly_pulumi.changes` — the same source as
docs/reference/changes.md — and the cases come from the field tables (see change_matrix.py).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from instantly_pulumi import changes
from instantly_pulumi.reference import provider_of
from instantly_pulumi.resources import resource_modules, stack_entries

from .change_matrix import (
    Case,
    Matrix,
    check_outputs_agree,
    check_preview,
    check_writes,
    edited,
    entry_matrix,
    group_cases,
    ids_by_name,
    own_entries,
    provider,
)
from .conftest import SUMMARIES, ClientStack, InstalledCopy, World, make_world
from .support import Acceptor

pytestmark = pytest.mark.e2e

ROUNDS: list[str] = []
"""One line per round for the run's summary: cases, writes, reads, seconds."""


def stack_in(copy: InstalledCopy, world: World, name: str) -> ClientStack:
    """A client stack of the fresh copy's own project (its stacks/ folder, its backend)."""
    copy.cli.ensure_stack(name)
    copy.cli.run("config", "set", "--secret", "instantly:apiKey", stack=name, stdin=world.agency_key)
    return ClientStack(cli=copy.cli, world=world, name=name)


def apply_round(
    stack: ClientStack,
    title: str,
    cases: list[Case],
    client: dict[str, Any],
    before: dict[str, Any],
    kept: dict[str, set[str]] | None = None,
) -> dict[str, Any]:
    """Edit, preview, apply and check one round; return the outputs after it."""
    import time

    start = time.monotonic()
    ids = ids_by_name(before)
    for case in cases:
        case.id_before = ids.get(case.was or case.name)
    stack.write(client)
    preview = stack.run("preview", "--json")
    check_preview(cases, preview.stdout)
    stack.run("up", step=f"change matrix: {title}")
    log = stack.requests()
    reads = check_writes(cases, log)
    after = check_outputs_agree(stack, stack.world, kept)
    now = ids_by_name(after)
    for case in cases:
        if case.kind == "TagAssignment" or case.effect.operation == "new-object":
            continue  # an assignment's id is its tag's; a new object has a new name
        if case.effect.operation in ("update", "record", "nothing"):
            assert now[case.name] == case.id_before, f"{case.row}: the id changed"
        else:
            assert now[case.name] != case.id_before, f"{case.row}: the id did not change"
    stack.run("preview", "--expect-no-changes")
    stack.run("refresh", "--expect-no-changes")
    writes = sum(1 for r in log if r["method"] != "GET")
    ROUNDS.append(
        f"{title}: {len(cases)} edits, {writes} writes, {sum(reads.values())} reads "
        f"({dict(reads)}), {time.monotonic() - start:.1f}s"
    )
    SUMMARIES["change matrix (e2e)"] = ROUNDS
    return after


def make_existing(world: World, matrix: Matrix) -> None:
    """The objects the stack is to adopt, made through the API as someone on the dashboard would."""
    with world.api() as api:
        labels: dict[str, str] = {}
        for path, body in matrix.existing:
            resp = api.post(path, json=body)
            resp.raise_for_status()
            if path == "/custom-tags":
                labels[body["label"]] = resp.json()["id"]
        for label, campaign in matrix.mappings:
            api.post(
                "/custom-tags/toggle-resource",
                json={
                    "tag_ids": [labels[label]],
                    "resource_type": 2,
                    "resource_ids": [campaign],
                    "assign": True,
                },
            ).raise_for_status()


def test_every_entry_input_edited_on_a_live_stack(
    installed_copy: InstalledCopy, sandbox: Any, control: Any
) -> None:
    world = make_world(control, sandbox.base_url, "matrix")
    matrix = entry_matrix(world, world.campaigns, world.accounts)
    make_existing(world, matrix)
    stack = stack_in(installed_copy, world, "matrix-entries")

    stack.write(matrix.client)
    stack.run("up", step="change matrix: first up (created and adopted objects)")
    first = check_outputs_agree(stack, world)
    state = {r["urn"].split("::")[-1]: r for r in stack.state()["deployment"]["resources"]}
    for case in matrix.cases:
        adopted = state[case.was or case.name]["outputs"].get("adopted")
        if case.kind != "TagAssignment":
            assert bool(adopted) == (case.mode == "adopted"), case.row

    # The group membership (adopted) rides along: its recorded inputs in this round, adopt next.
    recorded = record_group_inputs()
    edited = matrix.edited_client()
    edited["group_membership"] |= {f.name: value for f, value in recorded}
    recorded_cases = group_cases("adopted", [f for f, _ in recorded])
    # An adopted assignment that leaves the file keeps what it adopted (kind-adopted's campaign).
    kept = {"kind-adopted": set(world.campaigns[:1])}
    after = apply_round(stack, "entries", [*matrix.cases, *recorded_cases], edited, first, kept)

    edited["group_membership"]["adopt"] = False
    adopt = [provider("SubWorkspace").by_name["adopt"]]
    apply_round(stack, "group membership: adopt", group_cases("adopted", adopt), edited, after, kept)

    # Destroy deletes what the stack created and keeps what it adopted (or as on_destroy says).
    stack.run("destroy")
    left = {m["email"] for m in world.list("/workspace-members")}
    for case in matrix.cases:
        if case.kind == "WorkspaceMember" and case.field != "email":
            email = case.name.removeprefix("member-")
            # on_destroy was edited to `delete`; the others keep what was adopted (a member whose
            # permissions changed was replaced, and the replacement counts as adopted too).
            kept = case.mode == "adopted" and case.field != "on_destroy"
            assert (email in left) == kept, case.row


def record_group_inputs() -> list[tuple[Any, Any]]:
    """The group membership's recorded inputs, each with a value other than a stack file's default."""
    from instantly_pulumi.stack import GroupMembershipSpec

    group = provider("SubWorkspace")
    names = ("wait_for_acceptance", "acceptance_timeout", "on_destroy")
    return [
        (group.by_name[n], edited(group.by_name[n], GroupMembershipSpec.model_fields[n].default))
        for n in names
    ]


def test_the_matrix_covers_every_input_of_every_resource() -> None:
    # Which rounds edit what, from the same builders the live tests use: together, every input of every
    # resource in every mode the resource has (an API key cannot be adopted).
    ids = [f"019a8c3e-0000-7000-8000-00000000000{i}" for i in range(4)]
    world = World("http://127.0.0.1:1", None, ids[0], "k", ids[1], "ck", ids[2:], ["a@b.example"])
    covered = {c.row for c in entry_matrix(world, world.campaigns, world.accounts).cases}
    group = provider("SubWorkspace")
    for mode in changes.MODES:
        covered |= {c.row for c in group_cases(mode, [f for f in group.fields if not f.output])}
    covered |= {c.row for c in moved_cases()}
    expected = {
        (provider_of(m).__name__.removesuffix("Provider"), f.name, mode)
        for m in resource_modules()
        for f, by_mode in changes.effects(provider_of(m))
        for mode, effect in by_mode.items()
        if effect is not None
    }
    assert expected - covered == set()
    assert covered - expected == set()


def moved_cases() -> list[Case]:
    """The cases of the workspace move and the agency flag (every resource's client-level inputs, and
    the inputs that follow the workspace: a membership's sub-workspace, an assignment's tag)."""
    out = []
    for kind, names in {
        "WorkspaceMember": ("member-wm-created@m.example", "member-wm-adopted@m.example"),
        "ApiKey": ("key-wk-created", None),
        "CustomTag": ("tag-wt-created", "tag-wt-adopted"),
        "TagAssignment": ("tag-wt-created-campaigns", "tag-wt-adopted-campaigns"),
    }.items():
        for mode, name in zip(changes.MODES, names, strict=True):
            if name is None:
                continue
            for fname in ("workspace_id", "allow_agency_workspace"):
                effect = changes.effect(provider(kind), provider(kind).by_name[fname], mode)
                assert effect is not None
                out.append(Case(kind, fname, mode, effect, name))
            if kind == "TagAssignment":
                effect = changes.effect(provider(kind), provider(kind).by_name["tag_id"], mode)
                assert effect is not None
                out.append(Case(kind, "tag_id", mode, effect, name))
    for mode in changes.MODES:
        effect = changes.effect(
            provider("SubWorkspace"), provider("SubWorkspace").by_name["sub_workspace_id"], mode
        )
        assert effect is not None
        out.append(Case("SubWorkspace", "sub_workspace_id", mode, effect, "group-membership"))
    for cls in stack_entries():  # a resource of its own key (`profile:`) moves with the workspace
        owner = cls.provider_class
        for fname in ("workspace_id", "allow_agency_workspace"):
            for mode in changes.MODES:
                effect = changes.effect(owner, owner.by_name[fname], mode) if fname in owner.by_name else None
                if effect is not None:
                    out.append(Case(cls.__name__, fname, mode, effect, str(owner.stack_key)))
    return out


def test_group_membership_created_edited_and_moved(
    installed_copy: InstalledCopy, sandbox: Any, control: Any
) -> None:
    # A client not yet in the agency's group: the stack invites it (created), then each input of the
    # membership is edited, then the stack moves to another workspace (a new invitation, the old
    # membership withdrawn).
    world = make_world(control, sandbox.base_url, "groupc", accept=False)
    other = make_world(
        control, sandbox.base_url, "groupd", accept=False, agency=(world.agency_id, world.agency_key)
    )
    stack = stack_in(installed_copy, world, "matrix-group")
    client: dict[str, Any] = {"workspace_id": world.client_id, "group_membership": {}}
    stack.write(client)
    with Acceptor(world, after_polls=1):
        stack.run("up", step="change matrix: invite (created membership)")
    before = stack.outputs()
    assert before["group_membership"]["adopted"] is False

    recorded = record_group_inputs()
    client["group_membership"] |= {f.name: value for f, value in recorded}
    cases = group_cases("created", [f for f, _ in recorded])
    after = apply_round(stack, "group membership (created): recorded inputs", cases, client, before)
    client["group_membership"]["adopt"] = True
    cases = group_cases("created", [provider("SubWorkspace").by_name["adopt"]])
    after = apply_round(stack, "group membership (created): adopt", cases, client, after)

    # `keep` (edited above) would keep the old membership when it is replaced: record `delete` first.
    client["group_membership"]["on_destroy"] = "delete"
    stack.write(client)
    stack.run("up")
    after = stack.outputs()
    client["workspace_id"] = other.client_id
    client["group_membership"]["wait_for_acceptance"] = True
    stack.world = other
    cases = [c for c in moved_cases() if c.kind == "SubWorkspace" and c.mode == "created"]
    with Acceptor(world, after_polls=1):
        apply_round(stack, "group membership (created): moved to another workspace", cases, client, after)
    assert [m["sub_workspace_id"] for m in world.memberships()] == []  # the old one withdrawn
    stack.run("destroy")


def test_workspace_move_and_agency_flag(installed_copy: InstalledCopy, sandbox: Any, control: Any) -> None:
    # Every resource's client-level inputs: the workspace (everything is made anew in the other
    # workspace; what was created is deleted from the old one, what was adopted stays there) and the
    # agency flag (recorded only). The adopted membership moves too: the new workspace is invited.
    world = make_world(control, sandbox.base_url, "movefrom")
    target = make_world(
        control, sandbox.base_url, "moveto", accept=False, agency=(world.agency_id, world.agency_key)
    )
    with world.api() as api:
        api.post(
            "/workspace-members", json={"email": "wm-adopted@m.example", "role": "view"}
        ).raise_for_status()
        tag = api.post("/custom-tags", json={"label": "wt-adopted"})
        tag.raise_for_status()
        api.post(
            "/custom-tags/toggle-resource",
            json={
                "tag_ids": [tag.json()["id"]],
                "resource_type": 2,
                "resource_ids": world.campaigns[:1],
                "assign": True,
            },
        ).raise_for_status()

    def client_in(w: World) -> dict[str, Any]:
        return {
            "workspace_id": w.client_id,
            "group_membership": {"adopt": True},
            "members": [
                {"email": "wm-created@m.example", "role": "view"},
                {"email": "wm-adopted@m.example", "role": "view", "adopt": True},
            ],
            "api_keys": [{"name": "wk-created", "scopes": ["campaigns:read"]}],
            "tags": [
                {"label": "wt-created", "campaigns": w.campaigns[:1]},
                {"label": "wt-adopted", "campaigns": w.campaigns[:1], "adopt": True},
            ],
            **own_entries(),
        }

    stack = stack_in(installed_copy, world, "matrix-move")
    stack.write(client_in(world))
    stack.run("up", step="change matrix: first up before the move")
    before = check_outputs_agree(stack, world)
    old_view = {m["email"] for m in world.list("/workspace-members")}

    moving = [c for c in moved_cases() if c.field in ("workspace_id", "tag_id", "sub_workspace_id")]
    moving = [c for c in moving if not (c.kind == "SubWorkspace" and c.mode == "created")]
    stack.world = target
    with Acceptor(world, after_polls=1):
        after = apply_round(stack, "workspace moved", moving, client_in(target), before)
    # In the old workspace: the created member is gone, the adopted one stays.
    left = {m["email"] for m in world.list("/workspace-members")}
    assert "wm-created@m.example" in old_view
    assert "wm-created@m.example" not in left
    assert "wm-adopted@m.example" in left

    flagged = client_in(target) | {"agency_workspace": True}
    apply_round(
        stack,
        "agency_workspace",
        [c for c in moved_cases() if c.field == "allow_agency_workspace"],
        flagged,
        after,
    )
    stack.run("destroy")
    assert Counter(m["status"] for m in world.memberships()) == Counter({"accepted": 1})
