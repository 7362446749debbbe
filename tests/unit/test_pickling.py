"""Providers are pickled into state: small, key-free, and loadable in a fresh process."""

from __future__ import annotations

import base64
import os
import pickle
import subprocess
import sys

import dill
import pytest

from instantly_pulumi.resources.api_key import ApiKeyProvider
from instantly_pulumi.resources.custom_tag import CustomTagProvider
from instantly_pulumi.resources.sub_workspace import SubWorkspaceProvider
from instantly_pulumi.resources.tag_assignment import TagAssignmentProvider
from instantly_pulumi.resources.workspace_member import WorkspaceMemberProvider

from .conftest import KEY, FakeApi, configured

PROVIDERS = [
    ApiKeyProvider,
    CustomTagProvider,
    SubWorkspaceProvider,
    TagAssignmentProvider,
    WorkspaceMemberProvider,
]


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.__name__)
def test_pickled_provider_is_small_key_free_and_loads_elsewhere(cls: type, fake: FakeApi) -> None:
    provider = configured(cls)
    assert provider.client is not None  # the client exists and must not travel
    data = dill.dumps(provider, protocol=pickle.DEFAULT_PROTOCOL, recurse=True)
    assert KEY.encode() not in data
    assert len(data) < 2048
    assert KEY not in repr(provider)
    # In a fresh process (as the provider process gets it): it loads, knows its own rules, and
    # finds its credentials only where the engine puts them (configure) or in the environment.
    script = (
        "import base64, sys, dill\n"
        "p = dill.loads(base64.b64decode(sys.stdin.read()))\n"
        "print(type(p).__name__, *sorted(f.property for f in p.check({}, {}).failures))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        input=base64.b64encode(data).decode(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "INSTANTLY_API_KEY": "from-the-environment"},
    )
    required = sorted(f.name for f in cls.fields if f.required)
    assert out.stdout.split() == [cls.__name__, *required]
