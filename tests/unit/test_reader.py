"""The one reader (instantly_pulumi.reader) over a fake API: each collection stated once, the
resources, the exclusive collections and the command line listing it through the same reader,
and a shared reader's lists read once per process."""

from __future__ import annotations

import httpx
import pytest

from instantly_cli.workspace_reader import WorkspaceReader
from instantly_pulumi import reader
from instantly_pulumi.resources._exclusive import COLLECTIONS, ExclusiveCollectionProvider
from instantly_pulumi.resources.api_key import ApiKeyProvider
from instantly_pulumi.resources.custom_tag import CustomTagProvider
from instantly_pulumi.resources.sub_workspace import SubWorkspaceProvider
from instantly_pulumi.resources.tag_assignment import TagAssignmentProvider
from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider
from instantly_pulumi.resources.workspace_profile import WorkspaceProfileProvider

from .conftest import WS, FakeApi, configured, no_wait_client, page


@pytest.mark.parametrize(
    ("provider", "listing"),
    [
        (WorkspaceMemberProvider, reader.MEMBERS),
        (ApiKeyProvider, reader.API_KEYS),
        (CustomTagProvider, reader.TAGS),
        (TagAssignmentProvider, reader.TAG_MAPPINGS),
        (SubWorkspaceProvider, reader.GROUP_MEMBERS),
    ],
)
def test_each_resource_takes_its_collection_from_the_reader(provider: type, listing: reader.Listing) -> None:
    assert provider.listing is listing
    assert provider.path == listing.path


def test_the_profile_is_the_workspaces_own_object() -> None:
    assert WorkspaceProfileProvider.path == reader.PROFILE
    assert WorkspaceProfileProvider.listing is None


def test_an_exclusive_collection_and_its_resources_share_one_listing(fake: FakeApi) -> None:
    fake.on("GET", "/workspace-members", page({"id": "m1", "email": "ana@x.example", "role": "editor"}))
    members = configured(WorkspaceMemberProvider)
    exclusive = configured(ExclusiveCollectionProvider)
    props = {"collection": "members", "workspace_id": WS, "declared": [], "held": [], "keep": []}
    assert [s["name"] for s in exclusive.strays(props) or []] == ["ana@x.example"]
    assert members.fetch("m1", {"workspace_id": WS}) is not None
    assert [c.url.path for c in fake.calls] == ["/api/v2/workspace-members"]
    assert COLLECTIONS["members"][0].listing is reader.MEMBERS


def test_the_commands_reader_acts_in_a_client_but_not_in_the_keys_own_workspace() -> None:
    api = FakeApi()
    api.on("GET", "/workspaces/current", (200, {"id": "own", "name": "Agency"}))
    api.on("GET", "/workspace-members", page())
    commands = WorkspaceReader(no_wait_client(httpx.MockTransport(api.handler)))
    commands.members("own")
    commands.members(WS)
    headers = [c.headers.get("x-as-workspace") for c in api.calls if c.url.path.endswith("members")]
    assert headers == [None, WS]
    # The library's reader sends what it is given: the provider has already decided.
    plain = reader.Reader(no_wait_client(httpx.MockTransport(api.handler)))
    plain.members(WS)
    assert api.calls[-1].headers["x-as-workspace"] == WS


def test_a_search_stops_at_the_page_holding_its_match() -> None:
    api = FakeApi()
    first = [{"id": f"m{i}"} for i in range(100)]
    api.on("GET", "/workspace-members", (200, {"items": first, "next_starting_after": "m99"}))
    found = reader.Reader(no_wait_client(httpx.MockTransport(api.handler))).scan(reader.MEMBERS, WS)
    assert next(m for m in found if m["id"] == "m5") == {"id": "m5"}
    assert len(api.calls) == 1
