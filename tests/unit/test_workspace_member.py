"""WorkspaceMember over a fake API: validation, diff, adoption among near misses, lost writes, drift.

The shared behaviour of the base (adopt, reconcile, keep on destroy) is
exercised here in full; the other resources' tests cover what is theirs.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from pulumi.output import Unknown

from instantly_pulumi.errors import AdoptionError, BadRequestError, ConvergenceError, NotFoundError
from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider

from .conftest import OTHER_WS, WS, FakeApi, configured, error, failures, iso, lost, page

INPUTS: dict[str, Any] = {
    "email": "ana@x.example",
    "role": "editor",
    "nickname": "Ana",
    "permissions": None,
    "workspace_id": WS,
    "allow_agency_workspace": False,
    "adopt": False,
    "on_destroy": None,
}


def member(**over: Any) -> dict[str, Any]:
    return {
        "id": "m1",
        "email": "ana@x.example",
        "user_id": "u1",
        "role": "editor",
        "nickname": "Ana",
        "permissions": None,
        "timestamp_created": iso(3600),
        "workspace_id": WS,
        "accepted": False,
        **over,
    }


def state(**over: Any) -> dict[str, Any]:
    return {**INPUTS, "accepted": False, "user_id": "u1", "timestamp_created": "t", "adopted": False, **over}


# -- check -------------------------------------------------------------------------------------------


def test_check_names_each_bad_field_and_makes_no_call(fake: FakeApi) -> None:
    p = configured(WorkspaceMemberProvider)
    bad = p.check(
        {},
        {
            "email": "nope",
            "role": "owner",
            "nickname": "x" * 81,
            "permissions": ["fly"],
            "workspace_id": "ws",
        },
    )
    reasons = failures(bad)
    assert set(reasons) == {"email", "role", "nickname", "permissions", "workspace_id"}
    assert "owner and client exist but cannot be assigned" in reasons["role"]
    assert "at most 80" in reasons["nickname"]
    assert "'fly'" in reasons["permissions"]
    assert failures(p.check({}, {"email": Unknown(), "role": Unknown(), "workspace_id": Unknown()})) == {}
    assert fake.calls == []
    assert failures(p.check({}, {"role": "view"})) == {"email": "email: is required"}


def test_check_refuses_the_agency_workspace_unless_allowed(fake: FakeApi) -> None:
    fake.on("GET", "/workspaces/current", (200, {"id": WS, "name": "Agency"}))
    p = configured(WorkspaceMemberProvider)
    assert "agency_workspace: true" in failures(p.check({}, INPUTS))["workspace_id"]
    assert failures(p.check({}, {**INPUTS, "allow_agency_workspace": True})) == {}
    assert failures(p.check({}, {**INPUTS, "workspace_id": OTHER_WS})) == {}
    reads = len(fake.calls)
    # An unchanged workspace (a no-op preview) makes no request at all.
    assert failures(p.check(INPUTS, INPUTS)) == {}
    assert len(fake.calls) == reads


# -- diff --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "replaces"),
    [
        ({"role": "admin"}, []),
        ({"nickname": "A"}, []),
        ({"nickname": None}, []),
        ({"on_destroy": "keep"}, []),
        ({"allow_agency_workspace": True}, []),
        ({"email": "bo@x.example"}, ["email"]),
        ({"email": "ANA@x.example"}, None),
        ({"permissions": ["dashboard.view"]}, ["permissions"]),
        ({"workspace_id": OTHER_WS}, ["workspace_id"]),
        ({"adopt": True}, None),
        ({"__provider": "other"}, None),
        ({"role": Unknown()}, []),
    ],
)
def test_diff(fake: FakeApi, change: dict[str, Any], replaces: list[str] | None) -> None:
    result = configured(WorkspaceMemberProvider).diff(
        "m1", {**state(), "__provider": "p"}, {**INPUTS, **change}
    )
    if replaces is None:
        assert result.changes is False
    else:
        assert result.changes is True
        assert result.replaces == replaces
    assert fake.calls == []


@pytest.mark.parametrize(
    ("change", "first"),
    [
        ({"permissions": ["dashboard.view"]}, True),  # the same email would be a duplicate
        ({"email": "bo@x.example"}, False),  # another person: both may exist for a moment
        ({"workspace_id": OTHER_WS, "permissions": ["dashboard.view"]}, False),  # another workspace
    ],
)
def test_a_replacement_deletes_first_only_when_the_natural_key_stays(
    fake: FakeApi, change: dict[str, Any], first: bool
) -> None:
    result = configured(WorkspaceMemberProvider).diff("m1", state(), {**INPUTS, **change})
    assert result.delete_before_replace is first


@pytest.mark.parametrize("adopted", [False, True])
def test_a_delete_first_replacement_deletes_then_invites_and_keeps_adopted(
    fake: FakeApi, adopted: bool
) -> None:
    # diff, delete and create are separate calls; the replacement's facts go from one to the next.
    p = configured(WorkspaceMemberProvider)
    old = state(adopted=adopted, adopt=adopted)
    news = {**INPUTS, "adopt": adopted, "permissions": ["dashboard.view"]}
    assert p.diff("m1", old, news).delete_before_replace is True
    fake.on("DELETE", "/workspace-members/m1", (200, member()))
    p.delete("m1", old)  # an adopted member is deleted too: the replacement makes it again
    fake.on("POST", "/workspace-members", (200, member(id="m2", permissions=["dashboard.view"])))
    created = p.create(news)
    assert fake.writes() == [
        ("DELETE", "/api/v2/workspace-members/m1"),
        ("POST", "/api/v2/workspace-members"),
    ]
    assert created.id == "m2"
    assert (created.outs or {})["adopted"] is adopted  # never re-adopted; adopted stays adopted


def test_a_refused_reinvitation_says_the_member_is_gone_and_what_to_do(fake: FakeApi) -> None:
    from instantly_pulumi.errors import ReplacementError

    p = configured(WorkspaceMemberProvider)
    news = {**INPUTS, "permissions": ["dashboard.view"]}
    p.diff("m1", state(), news)
    fake.on("DELETE", "/workspace-members/m1", (200, member()))
    p.delete("m1", state())
    fake.on("POST", "/workspace-members", error(403, "API key is missing one of the scopes: x"))
    with pytest.raises(ReplacementError) as info:
        p.create(news)
    text = str(info.value)
    assert "'ana@x.example' in workspace" in text
    assert "was removed so that permissions could change, and creating it again failed" in text
    assert "`pulumi up` invites it again" in text


def test_a_plain_delete_of_an_adopted_member_keeps_it(fake: FakeApi) -> None:
    configured(WorkspaceMemberProvider).delete("m1", state(adopted=True))
    assert fake.calls == []


def test_permissions_compare_as_sets(fake: FakeApi) -> None:
    p = configured(WorkspaceMemberProvider)
    olds = state(permissions=["a.b", "c.d"])
    assert p.diff("m1", olds, {**INPUTS, "permissions": ["c.d", "a.b"]}).changes is False
    assert p.diff("m1", state(permissions=None), {**INPUTS, "permissions": []}).changes is False


# -- create ------------------------------------------------------------------------------------------


def test_create_is_one_post_with_the_declared_fields(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-members", (200, member(timestamp_created=iso())))
    result = configured(WorkspaceMemberProvider).create({**INPUTS, "permissions": ["dashboard.view"]})
    assert result.id == "m1"
    assert fake.writes() == [("POST", "/api/v2/workspace-members")]
    assert len(fake.calls) == 1
    assert fake.body(0) == {
        "email": "ana@x.example",
        "role": "editor",
        "nickname": "Ana",
        "permissions": ["dashboard.view"],
    }
    assert fake.calls[0].headers["x-as-workspace"] == WS
    assert result.outs["adopted"] is False
    assert result.outs["user_id"] == "u1"


NEAR_MISSES = [
    member(id="m-sub", email="ana@x.example.org"),  # the API's search is a substring match
    member(id="m-other-ws", workspace_id=OTHER_WS),  # the same email in another workspace
    member(id="m-anna", email="anna@x.example"),
]


def test_adopt_takes_exactly_the_member_with_that_email(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-members", page(*NEAR_MISSES, member(id="m-real", email="ANA@x.example")))
    result = configured(WorkspaceMemberProvider).create({**INPUTS, "adopt": True})
    assert result.id == "m-real"
    assert result.outs["adopted"] is True
    # The workspace's members, listed once (the listing a preview's check read): matched exactly.
    assert [c.url.params.get("search") for c in fake.calls] == [None]
    assert fake.writes() == []  # role and nickname already as declared


def test_adopt_makes_one_patch_for_what_differs(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-members", page(member(role="view", nickname="old")))
    fake.on("PATCH", "/workspace-members/m1", (200, member()))
    result = configured(WorkspaceMemberProvider).create({**INPUTS, "adopt": True})
    assert fake.writes() == [("PATCH", "/api/v2/workspace-members/m1")]
    assert fake.body(1) == {"role": "editor", "nickname": "Ana"}
    assert result.outs["role"] == "editor"


def test_adopt_refuses_what_the_api_cannot_change(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-members", page(member(permissions=["dashboard.view"])))
    with pytest.raises(AdoptionError, match="permissions"):
        configured(WorkspaceMemberProvider).create({**INPUTS, "adopt": True, "permissions": ["crm.view"]})
    assert fake.writes() == []


def test_adopt_with_nothing_to_adopt_invites(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-members", page(*NEAR_MISSES))
    fake.on("POST", "/workspace-members", (200, member(timestamp_created=iso())))
    result = configured(WorkspaceMemberProvider).create({**INPUTS, "adopt": True})
    assert result.outs["adopted"] is False
    assert fake.writes() == [("POST", "/api/v2/workspace-members")]


def test_existing_member_without_adopt_says_what_to_do(fake: FakeApi) -> None:
    fake.on(
        "POST", "/workspace-members", error(400, "A member with this email already exists in the workspace")
    )
    with pytest.raises(BadRequestError, match="set adopt: true"):
        configured(WorkspaceMemberProvider).create(INPUTS)
    assert len(fake.calls) == 1


def test_lost_invite_is_found_among_near_misses_and_counts_as_created(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-members", lost)
    fake.on(
        "GET",
        "/workspace-members",
        page(
            *[dict(m, timestamp_created=iso()) for m in NEAR_MISSES],
            member(id="m-ours", timestamp_created=iso()),
        ),
    )
    result = configured(WorkspaceMemberProvider).create(INPUTS)
    assert result.id == "m-ours"
    assert result.outs["adopted"] is False  # recovered from our own create: destroy deletes it
    assert fake.writes() == [("POST", "/api/v2/workspace-members")]  # not invited twice
    assert fake.calls[1].url.params["search"] == "ana@x.example"


def test_lost_invite_that_did_not_land_is_sent_again(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-members", lost, (200, member(timestamp_created=iso())))
    fake.on("GET", "/workspace-members", page(*NEAR_MISSES))
    result = configured(WorkspaceMemberProvider).create(INPUTS)
    assert result.id == "m1"
    methods = [(r.method, r.url.path.rsplit("/", 1)[-1]) for r in fake.calls]
    assert methods == [
        ("POST", "workspace-members"),
        ("GET", "workspace-members"),
        ("POST", "workspace-members"),
    ]


def test_retry_refused_as_duplicate_finds_the_first_attempt(fake: FakeApi) -> None:
    # The first attempt answered 500 but landed; the reconciling read missed it (eventual
    # consistency); the retry is refused as a duplicate: look again, and it is ours.
    fake.on(
        "POST",
        "/workspace-members",
        error(500, "boom"),
        error(400, "A member with this email already exists in the workspace"),
    )
    fake.on("GET", "/workspace-members", page(), page(member(timestamp_created=iso())))
    result = configured(WorkspaceMemberProvider).create(INPUTS)
    assert (result.id, result.outs["adopted"]) == ("m1", False)


def test_member_that_predates_a_lost_invite_is_not_claimed(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-members", error(502, "bad gateway"))
    fake.on("GET", "/workspace-members", page(member(timestamp_created=iso(86_400))))
    with pytest.raises(AdoptionError, match="set adopt: true"):
        configured(WorkspaceMemberProvider).create(INPUTS)
    assert fake.writes() == [("POST", "/api/v2/workspace-members")]


def test_retry_budget_spent_says_a_rerun_is_safe(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-members", error(503, "unavailable"))
    fake.on("GET", "/workspace-members", page())
    with pytest.raises(ConvergenceError, match="running `pulumi up` again is safe") as info:
        configured(WorkspaceMemberProvider).create(INPUTS)
    posts = [r for r in fake.calls if r.method == "POST"]
    gets = [r for r in fake.calls if r.method == "GET"]
    assert len(posts) == info.value.attempts == 8
    assert len(gets) == len(posts)  # every failed attempt was reconciled (the last one too)
    assert "create workspace member 'ana@x.example'" in str(info.value)
    assert "HTTP 503: unavailable" in str(info.value)


def test_429_on_a_write_is_not_ambiguous_and_is_simply_retried(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-members", error(429, "Rate limit exceeded"), (200, member()))
    configured(WorkspaceMemberProvider).create(INPUTS)
    assert [r.method for r in fake.calls] == ["POST", "POST"]  # no reconciling read needed


# -- read --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "field", "value"),
    [
        ({"role": "admin"}, "role", "admin"),
        ({"nickname": "Anita"}, "nickname", "Anita"),
        ({"nickname": None}, "nickname", None),
        ({"permissions": ["crm.view"]}, "permissions", ["crm.view"]),
        ({"accepted": True}, "accepted", True),
    ],
)
def test_read_reports_drift_on_every_field_the_api_carries(
    fake: FakeApi, api: dict[str, Any], field: str, value: Any
) -> None:
    fake.on("GET", "/workspace-members", page(member(**api)))
    p = configured(WorkspaceMemberProvider)
    result = p.read("m1", state())
    assert result.outs[field] == value
    if field in INPUTS:
        assert result.inputs[field] == value
        assert p.diff("m1", result.outs, INPUTS).changes is True


def test_read_of_a_removed_member_is_gone(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-members", page(member(id="someone-else")))
    assert configured(WorkspaceMemberProvider).read("m1", state()).id == ""


def test_reading_150_members_costs_two_list_calls(fake: FakeApi) -> None:
    members = [member(id=f"m{i}", email=f"p{i}@x.example") for i in range(150)]
    fake.on(
        "GET",
        "/workspace-members",
        (200, {"items": members[:100], "next_starting_after": "m99"}),
        page(*members[100:]),
    )
    p = configured(WorkspaceMemberProvider)
    for i in range(150):
        assert p.read(f"m{i}", state()).outs["email"] == f"p{i}@x.example"
    assert len(fake.calls) == math.ceil(150 / 100)


# -- update ------------------------------------------------------------------------------------------


def test_update_patches_only_what_changed(fake: FakeApi) -> None:
    fake.on("PATCH", "/workspace-members/m1", (200, member(role="admin")))
    outs = configured(WorkspaceMemberProvider).update("m1", state(), {**INPUTS, "role": "admin"}).outs
    assert fake.writes() == [("PATCH", "/api/v2/workspace-members/m1")]
    assert fake.body(0) == {"role": "admin"}
    assert outs["role"] == "admin"
    assert outs["user_id"] == "u1"  # the whole state comes back


def test_update_of_options_only_makes_no_call(fake: FakeApi) -> None:
    outs = configured(WorkspaceMemberProvider).update("m1", state(), {**INPUTS, "on_destroy": "delete"}).outs
    assert fake.calls == []
    assert outs["on_destroy"] == "delete"


def test_ambiguous_patch_that_landed_is_not_sent_again(fake: FakeApi) -> None:
    fake.on("PATCH", "/workspace-members/m1", lost)
    fake.on("GET", "/workspace-members/m1", (200, member(role="admin")))
    configured(WorkspaceMemberProvider).update("m1", state(), {**INPUTS, "role": "admin"})
    assert [r.method for r in fake.calls] == ["PATCH", "GET"]


def test_patch_of_a_member_deleted_meanwhile_says_refresh(fake: FakeApi) -> None:
    fake.on("PATCH", "/workspace-members/m1", error(500, "boom"))
    with pytest.raises(NotFoundError, match="pulumi refresh"):
        configured(WorkspaceMemberProvider).update("m1", state(), {**INPUTS, "role": "admin"})


# -- delete ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("adopted", "on_destroy", "deletes"),
    [
        (False, None, True),
        (True, None, False),
        (True, "delete", True),
        (False, "keep", False),
    ],
)
def test_destroy_keeps_what_was_adopted_unless_told(
    fake: FakeApi, adopted: bool, on_destroy: str | None, deletes: bool
) -> None:
    fake.on("DELETE", "/workspace-members/m1", (200, member()))
    configured(WorkspaceMemberProvider).delete("m1", state(adopted=adopted, on_destroy=on_destroy))
    assert fake.writes() == ([("DELETE", "/api/v2/workspace-members/m1")] if deletes else [])


def test_delete_of_what_is_gone_is_success(fake: FakeApi) -> None:
    configured(WorkspaceMemberProvider).delete("m1", state())
    assert fake.writes() == [("DELETE", "/api/v2/workspace-members/m1")]


def test_ambiguous_delete_is_checked_before_it_is_repeated(fake: FakeApi) -> None:
    fake.on("DELETE", "/workspace-members/m1", error(500, "boom"))
    fake.on("GET", "/workspace-members/m1", error(404, "Resource not found"))
    configured(WorkspaceMemberProvider).delete("m1", state())
    assert [r.method for r in fake.calls] == ["DELETE", "GET"]
