"""What errors say and which inputs pass at their edges (found missing by mutation testing)."""

from __future__ import annotations

from typing import Any

import pytest

from instantly_pulumi import validation
from instantly_pulumi.errors import (
    NOT_ACCEPTED,
    ApiError,
    ConvergenceError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    error_for,
)


def test_a_403_for_a_workspace_outside_the_group_says_to_accept_the_invitation() -> None:
    err = error_for("list members", "ws", 403, {"message": f"x-as-workspace: ws is {NOT_ACCEPTED}"})
    assert isinstance(err, PermissionDeniedError)
    assert "accept the group invitation" in err.hint
    # Any other 403 is about scopes; a 404 mentioning the group gets no group hint.
    assert "missing scope" in error_for("list", "ws", 403, {"message": "API key is missing one of"}).hint
    assert error_for("read", "ws", 404, {"message": NOT_ACCEPTED}).hint == ""


def test_an_error_without_a_message_uses_the_error_field_and_keeps_a_given_hint() -> None:
    err = error_for("create tag", "'x'", 409, {"error": "Conflict"}, hint="set adopt: true")
    assert (err.server_message, err.hint) == ("Conflict", "set adopt: true")
    assert (err.operation, err.target, err.status) == ("create tag", "'x'", 409)
    assert "set adopt: true" in str(err)
    assert error_for("x", "y", 418, {}).server_message == "no message"
    assert error_for("x", "y", 400, "z" * 400).server_message == "z" * 300


def test_a_rate_limit_error_keeps_its_hint_and_retry_after() -> None:
    err = error_for("list", "ws", 429, {"message": "Rate limit exceeded"}, retry_after=2.0)
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 2.0
    assert "rate limit" in err.hint
    assert type(error_for("x", "y", 599, {})) is ServerError
    assert type(error_for("x", "y", 499, {})) is ApiError


def test_a_convergence_error_names_the_write_and_its_last_failure_briefly() -> None:
    last = TransportError("create tag", "'x'", "ReadTimeout: timed out", url="https://api.test", sent=True)
    err = ConvergenceError("create tag", "'x' in ws", 8, last)
    assert (err.operation, err.target, err.last) == ("create tag", "'x' in ws", last)
    text = str(err)
    # The transport error without its own "create tag 'x': " prefix (the outer message has it).
    assert "(last: no answer from the Instantly API at https://api.test (ReadTimeout: timed out))" in text
    assert "create tag 'x': no answer" not in text
    assert "pulumi up" in text
    assert (last.operation, last.target) == ("create tag", "'x'")
    assert "at https://api.test" in str(last)
    assert " at " not in str(TransportError("op", "t", "boom", url="", sent=False))
    api = ConvergenceError("update", "m1", 8, error_for("update", "m1", 503, {"message": "busy"}))
    assert "(last: HTTP 503: busy)" in str(api)


@pytest.mark.parametrize(
    ("check", "value", "ok"),
    [
        (validation.nickname, "n" * validation.NICKNAME_MAX, True),
        (validation.nickname, "n" * (validation.NICKNAME_MAX + 1), False),
        (validation.nickname, "two\nlines", True),  # a nickname may span lines (the API lets it) ...
        (validation.nickname, "nul\x00", False),  # ... but holds no NUL
        (validation.label, "L" * validation.NAME_MAX, True),
        (validation.label, "L" * (validation.NAME_MAX + 1), False),
        (validation.label, "Out\nbound", False),
        (validation.label, "Out\x00bound", False),
        (validation.label, "Outbound \u00e9\U0001f600", True),
        (validation.api_key_name, "k" * validation.NAME_MAX, True),
        (validation.api_key_name, "k" * (validation.NAME_MAX + 1), False),
        (validation.api_key_name, "crm\tsync", False),
        (validation.email, "a@client.example", True),
        (validation.email, "a\x00@client.example", False),
        (validation.email, "a@client.example\n", False),
        (validation.email, "a@localhost", False),
        (validation.email, "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".co", True),  # 254
        (validation.email, "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 59 + ".co", False),
        (validation.campaign_ids, "019a8c3e-0000-7000-8000-000000000001", False),  # one id, not a list
        (validation.account_emails, "a@b.co", False),
        (validation.scopes, "campaigns:read", False),
        (validation.permissions, ("dashboard.view",), True),
        (validation.on_destroy, "keep", True),
        (validation.on_destroy, "delete", True),
        (validation.on_destroy, "remove", False),
        (validation.on_destroy, None, True),
        (validation.on_destroy, "", False),
    ],
)
def test_inputs_at_their_edges(check: Any, value: Any, ok: bool) -> None:
    if ok:
        check(value)
    else:
        with pytest.raises(ValueError, match=r"\S"):
            check(value)


def test_limit_messages_say_the_limit_and_the_character() -> None:
    with pytest.raises(ValueError, match="is 256 characters long: at most 255 are allowed"):
        validation.label("L" * 256)
    with pytest.raises(
        ValueError, match=r"holds a control character \(U\+000A at position 3\): it must be one line"
    ):
        validation.api_key_name("crm\nsync")
    with pytest.raises(ValueError, match=r"holds a NUL character \(U\+0000 at position 1\)"):
        validation.nickname("a\x00")


def test_messages_name_what_was_expected() -> None:
    with pytest.raises(ValueError, match="is not a list of scopes"):
        validation.scopes("campaigns:read")
    with pytest.raises(ValueError, match="is not an email address"):
        validation.email(5)
    with pytest.raises(ValueError, match="repeats"):
        validation.permissions(["dashboard.view", "dashboard.view"])


def test_a_good_stack_loads_with_the_key_from_config_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from instantly_pulumi.errors import StackFileError
    from instantly_pulumi.stack import CONFIG_KEY, PROJECT, load

    ws = "019a8c3e-0000-7000-8000-00000000ac3e"
    client = f'{{"workspace_id": "{ws}", "members": [{{"email": "a@b.co", "role": "view"}}]}}'
    monkeypatch.delenv("INSTANTLY_API_KEY", raising=False)
    monkeypatch.delenv("INSTANTLY_TIMEOUT", raising=False)
    config = {"instantly:apiKey": "k", "instantly:timeout": "2", f"{PROJECT}:{CONFIG_KEY}": client}
    stack_file = tmp_path / "Pulumi.c.yaml"
    stack_file.write_text("config: {}\nencryptionsalt: x\n")
    loaded = load(config, stack_file)
    assert (loaded.workspace_id, [m.email for m in loaded.members]) == (ws, ["a@b.co"])
    monkeypatch.setenv("INSTANTLY_API_KEY", "from-env")
    assert load({f"{PROJECT}:{CONFIG_KEY}": client}).workspace_id == ws
    with pytest.raises(StackFileError, match="positive number"):
        load({**config, "instantly:timeout": "0"})
    stack_file.write_text("config: {}\nclient: {}\nsecretsprovider: x\n")
    with pytest.raises(StackFileError, match="unknown top-level key 'client'") as info:
        load({**config, "instantly:timeout": "0"}, stack_file)
    assert "positive number" in str(info.value)  # every problem at once
