"""An API that cannot be reached, over real sockets: told in under 3 s, naming the URL (issue 19 §5).

The unit tests count attempts over httpx.MockTransport; these time the real thing: a closed port,
a host that does not resolve (``.invalid`` is reserved for exactly that), and TLS spoken to the
sandbox's plain-HTTP port.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from instantly_pulumi import errors
from instantly_pulumi.client import InstantlyClient
from instantly_pulumi.settings import Credentials


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def attempt(base_url: str) -> tuple[errors.TransportError, float]:
    client = InstantlyClient(Credentials(api_key="k-unreachable", base_url=base_url))
    started = time.monotonic()
    with pytest.raises(errors.TransportError) as info:
        client.request("GET", "/workspaces/current", operation="verify access", target="the agency key's own")
    client.close()
    return info.value, time.monotonic() - started


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("closed port", "Connection refused"),
        ("unknown host", "ConnectError"),
        ("tls to a plain port", "SSL"),
    ],
)
def test_an_unreachable_api_is_told_in_under_3_s(kind: str, says: str, sandbox: Any) -> None:
    base_url = {
        "closed port": closed_port(),
        "unknown host": "https://api.instantly-pulumi-test.invalid",
        "tls to a plain port": sandbox.base_url.replace("http://", "https://"),
    }[kind]
    err, seconds = attempt(base_url)
    assert err.unreachable
    assert err.attempts == 2
    assert f"no answer from the Instantly API at {base_url} (ConnectError" in str(err)
    assert says in str(err)
    assert "check that instantly:baseUrl" in str(err)
    assert seconds < 3, f"{kind}: {seconds:.1f} s"
