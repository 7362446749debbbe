"""The public API is fixed: names, constructors, declared outputs, the secret key."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

import instantly_pulumi
from instantly_pulumi import ApiKey, ApiKeyArgs, CustomTag, SubWorkspace, TagAssignment, WorkspaceMember

WS = "019a8c3e-0000-7000-8000-00000000ac3e"


def test_exported_names_are_pinned() -> None:
    assert instantly_pulumi.__all__ == [
        "AcceptanceError",
        "AdoptionError",
        "ApiError",
        "ApiKey",
        "ApiKeyArgs",
        "AuthenticationError",
        "BadRequestError",
        "ConfigurationError",
        "ConflictError",
        "ConvergenceError",
        "CustomTag",
        "CustomTagArgs",
        "InstantlyError",
        "NotFoundError",
        "PaymentRequiredError",
        "PermissionDeniedError",
        "RateLimitError",
        "ReplacementError",
        "SelfRevocationError",
        "ServerError",
        "StackFileError",
        "SubWorkspace",
        "SubWorkspaceArgs",
        "TagAssignment",
        "TagAssignmentArgs",
        "TransportError",
        "UnexpectedAnswerError",
        "WorkspaceMember",
        "WorkspaceMemberArgs",
        "WorkspaceProfile",
        "WorkspaceProfileArgs",
    ]


def test_every_error_raised_belongs_to_the_one_tree() -> None:
    errors = [getattr(instantly_pulumi, n) for n in instantly_pulumi.__all__ if n.endswith("Error")]
    assert all(issubclass(e, instantly_pulumi.InstantlyError) for e in errors)
    # ...and the error module lists nothing the package does not export.
    from instantly_pulumi import errors as module

    assert {n for n in module.__all__ if n.endswith("Error")} == {
        n for n in instantly_pulumi.__all__ if n.endswith("Error")
    }


class Mocks(pulumi.runtime.Mocks):
    registered: list[Any] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        Mocks.registered.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> type[Mocks]:
    Mocks.registered = []
    pulumi.runtime.set_mocks(Mocks(), preview=False)
    return Mocks


@pulumi.runtime.test
def test_constructors_take_keywords_or_args(mocks: type[Mocks]) -> Any:
    member = WorkspaceMember("m", email="a@b.co", role="view", workspace_id=WS)
    key = ApiKey("k", args=ApiKeyArgs(name="k", scopes=["campaigns:read"]))
    SubWorkspace("s", sub_workspace_id=WS)
    tag = CustomTag("t", label="x")
    assignment = TagAssignment("a", tag_id=tag.id, resource_type="campaign", resource_ids=[WS])

    def check(values: list[Any]) -> None:
        types = sorted(r.typ for r in mocks.registered)  # registration order is asynchronous
        assert types == sorted(
            f"pulumi-python:dynamic/instantly:{n}"
            for n in ("WorkspaceMember", "ApiKey", "SubWorkspace", "CustomTag", "TagAssignment")
        )
        assert values[0] == "view"

    return pulumi.Output.all(member.role, key.id, assignment.id).apply(check)


def test_missing_required_input_is_named() -> None:
    with pytest.raises(TypeError, match="'role'"):
        WorkspaceMember("m", email="a@b.co")
    with pytest.raises(TypeError, match=r"unknown input.*'rol'"):
        WorkspaceMember("m", email="a@b.co", rol="view")
    with pytest.raises(TypeError, match="'tag_id', 'resource_type', 'resource_ids'"):
        TagAssignment("a")


def test_api_key_marks_key_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_init(self: Any, provider: Any, name: str, props: dict[str, Any], opts: Any = None) -> None:
        seen["opts"] = opts

    monkeypatch.setattr(pulumi.dynamic.Resource, "__init__", fake_init)
    ApiKey("k", name="k", scopes=["campaigns:read"], opts=pulumi.ResourceOptions(protect=True))
    assert seen["opts"].additional_secret_outputs == ["key"]
    assert seen["opts"].protect is True


def test_args_classes_follow_the_field_tables() -> None:
    import dataclasses

    for cls, args in (
        (WorkspaceMember, instantly_pulumi.WorkspaceMemberArgs),
        (ApiKey, ApiKeyArgs),
        (SubWorkspace, instantly_pulumi.SubWorkspaceArgs),
        (CustomTag, instantly_pulumi.CustomTagArgs),
        (TagAssignment, instantly_pulumi.TagAssignmentArgs),
    ):
        provider = cls.provider_class
        assert {f.name for f in dataclasses.fields(args)} == set(provider.inputs)
        assert set(cls.__annotations__) == {f.name for f in provider.fields}
        for field in provider.fields:
            if not field.output:
                assert field.name in (args.__doc__ or "")


def test_the_library_a_program_imports_pulls_in_no_tooling() -> None:
    import subprocess
    import sys

    script = (
        "import sys, instantly_pulumi, instantly_pulumi.stack\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('instantly_sandbox', 'typer', 'fastapi', 'uvicorn') or m.startswith('instantly_cli.')\n"
        "or m == 'instantly_cli'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
