"""The provider and the sandbox state each input limit once on their side (the sandbox may not
import the library): the two sides agree, so what ``pulumi preview`` accepts the sandbox accepts,
and what the sandbox refuses preview has already refused."""

from __future__ import annotations

from typing import Any

import pytest

from instantly_pulumi import models, validation
from instantly_pulumi.resources.workspace_profile import workspace_name
from instantly_sandbox import limits, spec

EMAILS = [
    "ana@client.example",
    "ANA.Lopez+crm@Client.Example",
    "o'brien@client.example",
    "a_b-c@sub.client-x.example",
    "x@y.co",
    "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".co",  # exactly 254
    "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 59 + ".co",  # 255
    "ana-at-client.example",
    "ana@localhost",
    "ana@@client.example",
    ".ana@client.example",
    "ana.@client.example",
    "ana..lopez@client.example",
    "ana@-client.example",
    "ana@client-.example",
    "ana lopez@client.example",
    "ana@client.example\n",
    "ana\x00@client.example",
    "ana\n@client.example",
    "josé@client.example",
    "ana@clïent.example",
    "ana@client.example.",
    "\u212aelvin@client.example",  # KELVIN SIGN, which a Unicode-aware /i would fold to k
    "",
]


@pytest.mark.parametrize("email", EMAILS)
def test_emails_are_judged_alike(email: str) -> None:
    assert models.is_email(email) == limits.is_email(email)


def test_the_email_samples_hold_both_answers() -> None:
    judged = {limits.is_email(e) for e in EMAILS}
    assert judged == {True, False}
    assert len(EMAILS[5]) == 254
    assert limits.is_email(EMAILS[5])
    assert len(EMAILS[6]) == 255
    assert not limits.is_email(EMAILS[6])
    assert models.EMAIL_MAX == limits.EMAIL_MAX == 254


def _spec_max_length(operation: str, field: str) -> Any:
    _, _, op = spec.operations()[operation]
    return op["requestBody"]["content"]["application/json"]["schema"]["properties"][field].get("maxLength")


def test_lengths_agree() -> None:
    assert validation.NICKNAME_MAX == _spec_max_length("createWorkspaceMember", "nickname") == 80
    assert _spec_max_length("patchWorkspaceMember", "nickname") == validation.NICKNAME_MAX
    assert validation.NAME_MAX == limits.NAME_MAX
    for operation, field in [
        ("createCustomTag", "label"),
        ("patchCustomTag", "label"),
        ("createAPIKey", "name"),
        ("patchWorkspace", "name"),
    ]:
        assert limits.TEXT_FIELDS[operation][field].max_length == validation.NAME_MAX
        assert limits.TEXT_FIELDS[operation][field].chars == limits.ONE_LINE


def _accepts(check: Any, value: str) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("code", [*range(0x00, 0x21), 0x7F, 0x80, 0x85, 0xA0, 0x2028, 0x200B, 0xFEFF])
def test_characters_are_judged_alike(code: int) -> None:
    text = f"a{chr(code)}b"
    one_line = limits.is_one_line(text)
    assert _accepts(validation.label, text) == one_line
    assert _accepts(validation.api_key_name, text) == one_line
    assert _accepts(workspace_name, text) == one_line
    assert _accepts(validation.nickname, text) == limits.has_no_nul(text)
