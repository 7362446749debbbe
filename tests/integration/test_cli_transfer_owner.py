"""``instantly-pulumi transfer-owner`` against the sandbox: the happy path (owner before and
after), and each refusal made before any write; the security token never printed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.cli_support import Agency, Api, run_cli, writes

pytestmark = pytest.mark.integration

CHANGE = ("POST", "/api/v2/workspaces/current/change-owner")


def owner_of(control: Any, workspace_id: str) -> tuple[str, list[tuple[str, str]]]:
    """(owner user id, [(email, role)]) from the sandbox's own state."""
    state = control.state()["workspaces"][workspace_id]
    return state["workspace"]["owner"], sorted((m["email"], m["role"]) for m in state["members"])


def test_transfer_owner_hands_the_workspace_to_an_accepted_member(agency: Agency, control: Any) -> None:
    with agency.as_client() as api:
        ana = api.member(f"ana-{agency.client_id[-6:]}@client.example", "admin")
    control.accept_member(ana["id"])
    token = control.security_token(agency.client_id)
    old_owner, members = owner_of(control, agency.client_id)
    old_email = next(e for e, r in members if r == "owner")
    control.clear_requests()
    run = run_cli(
        "transfer-owner", "--workspace-id", agency.client_id, "--to", ana["email"].upper(), "--yes",
        key=agency.agency_key, base_url=agency.base_url, env={"INSTANTLY_SECURITY_TOKEN": token},
        secrets=(token,),
    )  # fmt: skip
    assert run.code == 0, run.stderr
    assert writes(control.requests()) == [CHANGE]
    owner, members = owner_of(control, agency.client_id)
    assert owner == ana["user_id"] != old_owner
    assert (ana["email"], "owner") in members
    assert (old_email, "admin") in members
    assert "before" in run.stdout
    assert "after" in run.stdout
    assert old_email in run.stdout
    assert ana["email"] in run.stdout

    again = run_cli(
        "transfer-owner", "--workspace-id", agency.client_id, "--to", ana["email"], "--security-token", token,
        key=agency.agency_key, base_url=agency.base_url, secrets=(token,),
    )  # fmt: skip
    assert again.code == 0
    assert "already owns" in again.stdout


def refused(agency: Agency, control: Any, *args: str, token: str, key: str | None = None) -> str:
    """Run transfer-owner expecting exit 2 and no write; return stderr."""
    before = owner_of(control, agency.client_id)
    control.clear_requests()
    run = run_cli(
        "transfer-owner", "--workspace-id", agency.client_id, *args,
        key=key or agency.agency_key, base_url=agency.base_url,
        env={"INSTANTLY_SECURITY_TOKEN": token} if token else {}, secrets=(token,),
    )  # fmt: skip
    assert run.code == 2, run.stdout + run.stderr
    assert owner_of(control, agency.client_id) == before
    return run.stderr


def test_transfer_owner_refuses_before_any_write(agency: Agency, control: Any) -> None:
    slug = agency.client_id[-6:]
    with agency.as_client() as api:
        pending = api.member(f"pending-{slug}@client.example", "editor")
        ana = api.member(f"ana-{slug}@client.example", "admin")
    control.accept_member(ana["id"])
    token = control.security_token(agency.client_id)

    err = refused(agency, control, "--to", f"nobody-{slug}@client.example", "--yes", token=token)
    assert f"nobody-{slug}@client.example is not a member of" in err
    assert writes(control.requests()) == []

    err = refused(agency, control, "--to", pending["email"], "--yes", token=token)
    assert "has not accepted yet: only an accepted member can become the owner" in err
    assert writes(control.requests()) == []

    err = refused(agency, control, "--to", ana["email"], token=token)  # no --yes, no terminal
    assert "pass --yes to go ahead" in err
    assert writes(control.requests()) == []

    err = refused(agency, control, "--to", ana["email"], "--yes", token="")
    assert "no security token: pass --security-token or set INSTANTLY_SECURITY_TOKEN" in err

    # A wrong token: the API's 403, surfaced; the token is not printed (run_cli checks).
    wrong = "sec_definitely-wrong-token-value"
    err = refused(agency, control, "--to", ana["email"], "--yes", token=wrong)
    assert "the API refused the security token (Invalid security token)" in err


def test_transfer_owner_refuses_a_key_without_the_scope(agency: Agency, control: Any) -> None:
    with Api(agency.base_url, agency.client_key) as api:
        ana = api.member(f"ana-{agency.client_id[-6:]}@client.example", "admin")
        # Its scopes can be told (it may list keys): refused before the write.
        listing = api.post(
            "/api-keys",
            {"name": "reader", "scopes": ["workspaces:read", "workspace_members:read", "api_keys:read"]},
        )
        # Its scopes cannot be told: the API's own 403, naming the scope.
        blind = api.post(
            "/api-keys", {"name": "blind", "scopes": ["workspaces:read", "workspace_members:read"]}
        )
    control.accept_member(ana["id"])
    token = control.security_token(agency.client_id)

    err = refused(agency, control, "--to", ana["email"], "--yes", key=listing["key"], token=token)
    assert "INSTANTLY_API_KEY lacks the scope to change a workspace's owner: it needs one of" in err
    assert "workspaces:update" in err
    assert writes(control.requests()) == []

    err = refused(agency, control, "--to", ana["email"], "--yes", key=blind["key"], token=token)
    assert "the API refused the change (API key is missing one of the scopes: workspaces:update" in err
