"""The decisions the converging writes rest on, one at a time: when a lost create is ours, adopted
or refused; when a lost PATCH is re-sent; which key the orphan proof may revoke; what destroy
keeps; what reads and updates carry over (found missing by mutation testing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pulumi.output import Unknown

from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.errors import BadRequestError, NotFoundError
from instantly_pulumi.resources import api_key
from instantly_pulumi.resources._converge import CLOCK_SKEW, UNKNOWN_CLOCK_SKEW, Attempts
from instantly_pulumi.resources._fields import Field
from instantly_pulumi.resources.api_key import ApiKeyProvider
from instantly_pulumi.resources.custom_tag import CustomTagProvider
from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider

from . import test_api_key as keys
from . import test_custom_tag as tags
from . import test_workspace_member as members
from .conftest import FakeApi, configured, error, iso, lost, page


@pytest.fixture(autouse=True)
def no_minted_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The set of keys this process minted is per process: start each test with none."""
    monkeypatch.setattr(api_key, "_MINTED", set())


# -- a lost create -------------------------------------------------------------------------------


def test_a_lost_create_meeting_an_older_object_adopts_it_when_told(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-members", page(), page(members.member(role="view")))  # older: 1 h
    fake.on("POST", "/workspace-members", lost)
    fake.on("PATCH", "/workspace-members/m1", (200, members.member()))
    created = configured(WorkspaceMemberProvider).create({**members.INPUTS, "adopt": True})
    assert created.outs["adopted"] is True
    assert created.outs["role"] == "editor"
    assert fake.writes()[-1] == ("PATCH", "/api/v2/workspace-members/m1")
    assert fake.body(len(fake.calls) - 1) == {"role": "editor"}


def test_a_400_that_is_not_a_duplicate_is_raised_as_it_is(fake: FakeApi) -> None:
    fake.on("POST", "/workspace-members", error(400, "body/role must be equal to one of the allowed values"))
    with pytest.raises(BadRequestError) as info:
        configured(WorkspaceMemberProvider).create(members.INPUTS)
    assert "adopt" not in str(info.value)
    assert fake.writes() == [("POST", "/api/v2/workspace-members")]
    assert len(fake.calls) == 1  # no search: nothing was taken for the member


# -- a lost PATCH ---------------------------------------------------------------------------------


def test_a_lost_patch_that_did_not_land_is_sent_again(fake: FakeApi) -> None:
    fake.on("PATCH", "/custom-tags/t1", error(500, "boom"), (200, tags.tag(description="new")))
    fake.on("GET", "/custom-tags/t1", (200, tags.tag()))  # still the old description
    outs = (
        configured(CustomTagProvider).update("t1", tags.state(), {**tags.INPUTS, "description": "new"}).outs
    )
    assert outs["description"] == "new"
    assert fake.writes() == [("PATCH", "/api/v2/custom-tags/t1")] * 2


def test_a_lost_patch_of_an_object_deleted_meanwhile_says_to_refresh(fake: FakeApi) -> None:
    fake.on("PATCH", "/custom-tags/t1", lost)
    with pytest.raises(NotFoundError, match="pulumi refresh") as info:
        configured(CustomTagProvider).update("t1", tags.state(), {**tags.INPUTS, "description": "new"})
    assert info.value.status == 404


# -- the orphan proof -----------------------------------------------------------------------------


def test_the_orphan_proof_compares_scopes_as_a_set(fake: FakeApi) -> None:
    scopes = ["campaigns:read", "accounts:read"]
    fake.on(
        "POST", "/api-keys", lost, (200, keys.key_doc("k-kept", "v", scopes=scopes, timestamp_created=iso()))
    )
    fake.on("GET", "/api-keys", page(keys.key_doc("k-orphan", scopes=scopes[::-1], timestamp_created=iso())))
    fake.on("DELETE", "/api-keys/k-orphan", (200, keys.key_doc("k-orphan")))
    configured(ApiKeyProvider).create({**keys.INPUTS, "scopes": scopes})
    assert ("DELETE", "/api/v2/api-keys/k-orphan") in fake.writes()


def test_a_key_minted_by_this_process_is_never_revoked_as_an_orphan(fake: FakeApi) -> None:
    p = configured(ApiKeyProvider)
    fake.on("POST", "/api-keys", (200, keys.key_doc("k-sibling", "v1", timestamp_created=iso())))
    p.create(keys.INPUTS)
    fake.routes.clear()
    fake.on("POST", "/api-keys", lost, (200, keys.key_doc("k-mine", "v2", timestamp_created=iso())))
    fake.on("GET", "/api-keys", page(keys.key_doc("k-sibling", timestamp_created=iso())))
    assert p.create(keys.INPUTS).id == "k-mine"
    assert [w for w in fake.writes() if w[0] == "DELETE"] == []
    assert sorted(api_key._MINTED) == ["k-mine", "k-sibling"]


def test_a_key_the_lost_attempt_did_not_make_is_left_alone(fake: FakeApi) -> None:
    fake.on("POST", "/api-keys", lost, (200, keys.key_doc("k-kept", "v", timestamp_created=iso())))
    fake.on("GET", "/api-keys", page(keys.key_doc("k-yesterday")))  # same name and scopes, an hour old
    configured(ApiKeyProvider).create(keys.INPUTS)
    assert [w[0] for w in fake.writes()] == ["POST", "POST"]


class _Clock:
    """Just enough of a client for :class:`Attempts`."""

    def __init__(self, known: bool) -> None:
        self.clock_known = known

    def server_time(self) -> float:
        return 1_000_000.0


@pytest.mark.parametrize("known", [True, False])
def test_attempts_cover_exactly_their_span_plus_the_clock_slack(known: bool) -> None:
    attempts = Attempts(_Clock(known))  # type: ignore[arg-type]
    slack = CLOCK_SKEW if known else UNKNOWN_CLOCK_SKEW

    def at(offset: float) -> str:
        return datetime.fromtimestamp(1_000_000.0 + offset, UTC).isoformat()

    assert attempts.covers(at(0))
    assert attempts.covers(at(-slack + 0.5))
    assert attempts.covers(at(slack - 0.5))
    assert not attempts.covers(at(-slack - 0.5))
    assert not attempts.covers(at(slack + 0.5))
    assert not attempts.covers(None)
    assert not attempts.covers(12345)
    assert not attempts.covers("yesterday")


# -- destroy, reads and updates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_destroy", "adopted", "deleted"),
    [(None, False, True), (None, True, False), ("delete", True, True), ("keep", False, False)],
)
def test_destroy_keeps_what_was_adopted_unless_told(
    fake: FakeApi, on_destroy: str | None, adopted: bool, deleted: bool
) -> None:
    fake.on("DELETE", "/custom-tags/t1", (200, tags.tag()))
    configured(CustomTagProvider).delete("t1", tags.state(on_destroy=on_destroy, adopted=adopted))
    assert fake.writes() == ([("DELETE", "/api/v2/custom-tags/t1")] if deleted else [])


def test_read_and_update_carry_the_adopted_flag(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tags", page(tags.tag()))
    fake.on("PATCH", "/custom-tags/t1", (200, tags.tag(description="new")))
    p = configured(CustomTagProvider)
    assert p.read("t1", tags.state(adopted=True)).outs["adopted"] is True
    assert p.read("t1", tags.state(adopted=False)).outs["adopted"] is False
    updated = p.update("t1", tags.state(adopted=True), {**tags.INPUTS, "description": "new"})
    assert updated.outs["adopted"] is True


def test_a_read_of_a_gone_object_clears_the_state(fake: FakeApi) -> None:
    fake.on("GET", "/custom-tags", page())
    gone = configured(CustomTagProvider).read("t1", tags.state())
    assert (gone.id, gone.outs) == ("", {})


def test_diff_of_an_input_not_known_yet_is_a_change(fake: FakeApi) -> None:
    p = configured(WorkspaceMemberProvider)
    result = p.diff("m1", members.state(), {**members.INPUTS, "email": Unknown()})
    assert (result.changes, result.replaces) == (True, ["email"])
    assert p.diff("m1", members.state(), {**members.INPUTS, "nickname": Unknown()}).replaces == []


def test_check_reports_a_bad_field_after_one_not_known_yet(fake: FakeApi) -> None:
    p = configured(WorkspaceMemberProvider)
    bad = p.check({}, {**members.INPUTS, "email": Unknown(), "role": "owner", "workspace_id": None})
    assert [f.property for f in bad.failures] == ["role"]
    bad = p.check({}, {**members.INPUTS, "permissions": [Unknown()], "role": "owner", "workspace_id": None})
    assert [f.property for f in bad.failures] == ["role"]
    assert p.check({}, {**members.INPUTS, "workspace_id": None}).inputs["email"] == "ana@x.example"


def test_an_empty_string_and_nothing_are_the_same_value() -> None:
    f = Field("nickname", "doc")
    assert f.same("", None)
    assert f.same(None, "")
    assert not f.same("", "x")
    listed = Field("emails", "doc", as_set=True, norm=str.lower)
    assert listed.same(["A@x.co", "b@x.co"], ["b@X.co", "a@x.co"])
    assert not listed.same(["a@x.co"], ["b@x.co"])


def test_the_client_is_shared_by_every_provider_of_one_process(fake: FakeApi) -> None:
    assert isinstance(configured(CustomTagProvider).client, InstantlyClient)
    assert configured(CustomTagProvider).client is configured(ApiKeyProvider).client


# -- reconciling reads are fresh, not the process's cached lists -------------------------------------


def test_the_orphan_proof_lists_afresh_even_when_the_keys_were_listed_before(fake: FakeApi) -> None:
    fake.on("GET", "/api-keys", page(), page(keys.key_doc("k-orphan", timestamp_created=iso())))
    fake.on("POST", "/api-keys", lost, (200, keys.key_doc("k-kept", "v", timestamp_created=iso())))
    fake.on("DELETE", "/api-keys/k-orphan", (200, keys.key_doc("k-orphan")))
    p = configured(ApiKeyProvider)
    assert p.read("k-none", keys.INPUTS).id == ""  # the keys list is cached now, without the orphan
    p.create(keys.INPUTS)
    assert ("DELETE", "/api/v2/api-keys/k-orphan") in fake.writes()


def test_a_lost_key_delete_is_checked_against_a_fresh_list(fake: FakeApi) -> None:
    fake.on("GET", "/api-keys", page(keys.key_doc("k1")), page())  # cached with k1; then gone
    fake.on("DELETE", "/api-keys/k1", lost)
    p = configured(ApiKeyProvider)
    assert p.read("k1", keys.INPUTS).id == "k1"
    p.delete("k1", {**keys.INPUTS, "key": "other"})
    assert fake.writes() == [("DELETE", "/api/v2/api-keys/k1")]  # the landed delete is not repeated


def test_the_last_attempts_write_is_found_by_the_final_look(fake: FakeApi) -> None:
    # Every attempt fails ambiguously; only the read after the last one finds the member.
    fake.on("POST", "/workspace-members", error(500, "boom"))
    fake.on("GET", "/workspace-members", *([page()] * 7), page(members.member(timestamp_created=iso())))
    created = configured(WorkspaceMemberProvider).create(members.INPUTS)
    assert (created.id, created.outs["adopted"]) == ("m1", False)
    assert len(fake.writes()) == 8


def test_converge_backs_off_with_the_clients_wait_between_attempts() -> None:
    from instantly_pulumi.errors import ServerError
    from instantly_pulumi.resources._converge import converge

    sleeps: list[float] = []

    class Client:
        max_attempts = 4
        clock_known = True

        def wait(self, _state: object) -> float:
            return 0.125

        def sleep(self, seconds: float) -> None:
            sleeps.append(seconds)

        def server_time(self) -> float:
            return 0.0

        def announce(self, _operation: str, _target: str) -> Callable[[object], None]:
            return lambda _state: None

    answers = iter([ServerError("w", "t", 500, "boom"), ServerError("w", "t", 503, "busy"), "done"])

    def write() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert converge(Client(), "w", "t", write, lambda _a: None) == "done"  # type: ignore[arg-type]
    assert sleeps == [0.125, 0.125]


def test_a_resource_registers_its_defaults_and_declares_its_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    import pulumi

    from instantly_pulumi import WorkspaceMember

    seen: dict[str, Any] = {}

    def fake_init(self: Any, provider: Any, name: str, props: dict[str, Any], opts: Any = None) -> None:
        seen.update(provider=provider, props=props)

    monkeypatch.setattr(pulumi.dynamic.Resource, "__init__", fake_init)
    WorkspaceMember("m", email="a@b.co", role="view", allow_agency_workspace=True)
    props = seen["props"]
    assert isinstance(seen["provider"], WorkspaceMemberProvider)
    assert (props["adopt"], props["allow_agency_workspace"]) == (False, True)  # a default; a value given
    assert "nickname" not in props  # no default and not given: not sent
    assert all(props[name] is None for name in WorkspaceMemberProvider.outputs)


def test_adopting_with_the_same_unchangeable_fields_is_not_refused(fake: FakeApi) -> None:
    perms = ["dashboard.view", "crm.view"]
    fake.on("GET", "/workspace-members", page(members.member(permissions=perms)))
    created = configured(WorkspaceMemberProvider).create(
        {**members.INPUTS, "adopt": True, "permissions": perms[::-1]}
    )
    assert (created.id, created.outs["adopted"]) == ("m1", True)
    assert fake.writes() == []  # nothing differs: no PATCH either


def test_the_cache_fills_again_after_an_invalidation_and_then_serves_hits() -> None:
    import httpx

    from instantly_pulumi.settings import Credentials
    from instantly_pulumi.throttle import Throttle

    from .conftest import BASE, KEY, WS

    gets: list[int] = []

    def handler(_r: httpx.Request) -> httpx.Response:
        gets.append(1)
        return httpx.Response(200, json={"items": [{"id": str(len(gets))}]})

    client = InstantlyClient(
        Credentials(api_key=KEY, base_url=BASE),
        transport=httpx.MockTransport(handler),
        throttle=Throttle(sleep=lambda _s: None),
    )

    def listed() -> list[dict[str, Any]]:
        return client.list_cached("/x", operation="list", target="x", workspace_id=WS)

    assert listed() == listed() == [{"id": "1"}]
    client.invalidate("/x", WS)
    assert listed() == listed() == [{"id": "2"}]
    client.invalidate("/other", WS)  # another list's invalidation leaves this one cached
    client.invalidate("/x", None)  # and so does this list's in another workspace
    assert listed() == [{"id": "2"}]
    assert len(gets) == 2
