"""Against the real Instantly API: run only with INSTANTLY_LIVE_API_KEY set (skipped otherwise).

They read what the key can see and make one small, self-cleaning change (a tag),
to confirm that the client, the error mapping and a provider's lifecycle agree
with the live service, not only with the sandbox.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.errors import NotFoundError
from instantly_pulumi.settings import Credentials

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("INSTANTLY_LIVE_API_KEY"), reason="INSTANTLY_LIVE_API_KEY is not set"
    ),
]


@pytest.fixture
def live() -> Iterator[InstantlyClient]:
    creds = Credentials(
        api_key=os.environ["INSTANTLY_LIVE_API_KEY"],
        base_url=os.environ.get("INSTANTLY_LIVE_BASE_URL", "https://api.instantly.ai"),
    )
    client = InstantlyClient(creds)
    yield client
    client.close()


def test_lists_page_through(live: InstantlyClient) -> None:
    members = list(live.paginate("/workspace-members", operation="list", target="members"))
    assert all({"id", "email", "role", "accepted"} <= set(m) for m in members)
    keys = list(live.paginate("/api-keys", operation="list", target="keys"))
    assert all("scopes" in k for k in keys)


def test_unknown_id_is_not_found(live: InstantlyClient) -> None:
    with pytest.raises(NotFoundError):
        live.request("GET", f"/custom-tags/{uuid.uuid4()}", operation="read", target="a missing tag")


def test_tag_lifecycle_cleans_up(live: InstantlyClient) -> None:
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    from instantly_pulumi.resources.custom_tag import CustomTagProvider

    provider = CustomTagProvider()
    provider.configure(
        ConfigureRequest(
            Config(
                {
                    "instantly:apiKey": live.credentials.api_key,
                    "instantly:baseUrl": live.credentials.base_url,
                },
                "live",
            )
        )
    )
    label = f"instantly-pulumi live test {uuid.uuid4().hex[:8]}"
    created = provider.create({"label": label, "description": None, "workspace_id": None, "adopt": False})
    try:
        assert provider.read(created.id, created.outs).outs["label"] == label
        updated = provider.update(created.id, created.outs, {**created.outs, "description": "checked"})
        assert updated.outs["description"] == "checked"
    finally:
        provider.delete(created.id, created.outs)
    assert provider.read(created.id, created.outs).id == ""
