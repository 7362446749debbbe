"""``instantly-sandbox seed``: an agency and two client workspaces, ready to manage.

Through the control plane and the public API of a running sandbox it creates:

- **Northwind Agency**, the agency: the admin of a workspace group, whose key
  the stacks use;
- **Hooli**, a client already in the agency's group (invited and accepted),
  with 2 campaigns, 2 email accounts, an accepted admin, a pending editor
  invitation (nickname and permissions), an "Enterprise" tag on one campaign
  and one account, and a login and a campaign launch in its audit log;
- **Pied Piper**, a fresh client not yet in the group, with 2 campaigns, 2
  email accounts and a login in its audit log.

Every run creates a new set. When the names are taken already (an earlier
seed on the same database), the new set's names get a suffix (" 2", " 3", ...)
so the two can be told apart; nothing of the earlier set is changed.

Output formats: ``text`` (a summary and a stack-file snippet), ``env`` (shell
``export`` lines for ``eval``) and ``json`` (everything, including each
workspace's owner key and security token). Only ``text`` and ``env`` show the
agency key, and only ``json`` shows the owner keys.
"""

from __future__ import annotations

import json
import secrets
import shlex
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from instantly_sandbox.testing import SandboxControl

AGENCY = "Northwind Agency"
HOOLI, PIED_PIPER = "Hooli", "Pied Piper"
DEFAULT_BASE_URL = "http://127.0.0.1:8787"
ACTIVITY_LOGIN, ACTIVITY_CAMPAIGN_LAUNCH = 1, 4
_SCHEDULE = {
    "schedules": [
        {
            "name": "Office hours",
            "timing": {"from": "09:00", "to": "17:00"},
            "days": {str(d): d < 5 for d in range(7)},
            "timezone": "Etc/GMT+12",
        }
    ]
}


@dataclass
class SeededWorkspace:
    """One seeded workspace: its ids, what it holds, and (for ``json`` only) its secrets."""

    name: str
    id: str
    owner_key: str
    security_token: str
    group_status: str | None = None
    campaigns: list[dict[str, str]] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Seeded:
    """What ``seed`` created: the agency and its clients by environment-variable prefix."""

    base_url: str
    agency: SeededWorkspace
    clients: dict[str, SeededWorkspace]


def api_client(base_url: str, key: str, workspace: str | None = None) -> httpx.Client:
    """A plain client of the sandbox's public API with ``key`` (acting in ``workspace``, if given)."""
    headers = {"Authorization": f"Bearer {key}"}
    if workspace:
        headers["x-as-workspace"] = workspace
    return httpx.Client(base_url=f"{base_url}/api/v2", headers=headers, timeout=30)


def post(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` and return the created object (raises on an error answer)."""
    resp = api.post(path, json=body)
    resp.raise_for_status()
    data: dict[str, Any] = resp.json()
    return data


def list_all(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list endpoint, following the cursor."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 100, **params}
    while True:
        resp = api.get(path, params=query)
        resp.raise_for_status()
        body = resp.json()
        items += body["items"]
        if not body.get("next_starting_after"):
            return items
        query["starting_after"] = body["next_starting_after"]


def create_campaign(api: httpx.Client, name: str) -> dict[str, Any]:
    """A campaign with an office-hours schedule (what a tag can be assigned to)."""
    return post(api, "/campaigns", {"name": name, "campaign_schedule": _SCHEDULE})


def _suffix(control: SandboxControl) -> str:
    """ "" on a fresh database; " 2", " 3", ... once the seed's names are taken."""
    taken = {w["workspace"]["name"] for w in control.state()["workspaces"].values() if "workspace" in w}
    n = 1
    while any(name + _nth(n) in taken for name in (AGENCY, HOOLI, PIED_PIPER)):
        n += 1
    return _nth(n)


def _nth(n: int) -> str:
    return "" if n == 1 else f" {n}"


def _workspace(control: SandboxControl, name: str) -> tuple[SeededWorkspace, dict[str, Any]]:
    ws, key = control.create_workspace(name)
    token = control.security_token(ws["id"])
    return SeededWorkspace(name=name, id=ws["id"], owner_key=key, security_token=token), ws


def create_account(api: httpx.Client, email: str) -> None:
    """An email account (what a tag can be assigned to; accounts are identified by email)."""
    local, _, domain = email.partition("@")
    post(
        api,
        "/accounts",
        {
            "email": email,
            "first_name": local.capitalize(),
            "last_name": "Sender",
            "provider_code": 1,
            "imap_username": email,
            "imap_password": secrets.token_hex(8),
            "imap_host": f"imap.{domain}",
            "imap_port": 993,
            "smtp_username": email,
            "smtp_password": secrets.token_hex(8),
            "smtp_host": f"smtp.{domain}",
            "smtp_port": 587,
        },
    )


def _catalog(api: httpx.Client, seeded: SeededWorkspace, campaigns: list[str], accounts: list[str]) -> None:
    for name in campaigns:
        campaign = create_campaign(api, name)
        seeded.campaigns.append({"id": campaign["id"], "name": name})
    for email in accounts:
        create_account(api, email)
        seeded.accounts.append(email)


def _hooli_team(control: SandboxControl, api: httpx.Client, hooli: SeededWorkspace) -> None:
    """An accepted admin, a pending editor invitation, a tag on a campaign and an account."""
    admin = post(api, "/workspace-members", {"email": "patrice@hooli.example", "role": "admin"})
    admin = control.accept_member(admin["id"])
    editor = post(
        api,
        "/workspace-members",
        {
            "email": "denpok@hooli.example",
            "role": "editor",
            "nickname": "Denpok (SDR lead)",
            "permissions": ["campaigns.view", "campaigns.edit", "analytics.view"],
        },
    )
    for m in (admin, editor):
        hooli.members.append(
            {"id": m["id"], "email": m["email"], "role": m["role"], "accepted": m["accepted"]}
        )
    tag = post(api, "/custom-tags", {"label": "Enterprise", "description": "Enterprise accounts sequence"})
    campaign, account = hooli.campaigns[0]["id"], hooli.accounts[0]
    for resource_type, rid in ((2, campaign), (1, account)):
        toggle = {
            "tag_ids": [tag["id"]],
            "resource_type": resource_type,
            "resource_ids": [rid],
            "assign": True,
        }
        post(api, "/custom-tags/toggle-resource", toggle)
    hooli.tags.append(
        {"id": tag["id"], "label": tag["label"], "campaigns": [campaign], "accounts": [account]}
    )


def seed(base_url: str = DEFAULT_BASE_URL, control: SandboxControl | None = None) -> Seeded:
    """Create the agency, Hooli (in the group) and Pied Piper (not yet) on the sandbox at ``base_url``
    (through ``control`` when given, else a control-plane client of its own)."""
    if control is None:
        own = SandboxControl(base_url)
        try:
            return seed(base_url, own)
        finally:
            own.close()
    suffix = _suffix(control)
    agency, agency_ws = _workspace(control, AGENCY + suffix)
    hooli, hooli_ws = _workspace(control, HOOLI + suffix)
    piper, piper_ws = _workspace(control, PIED_PIPER + suffix)
    with api_client(base_url, hooli.owner_key) as api:
        _catalog(
            api,
            hooli,
            ["Hooli Outbound Q1", "Hooli Enterprise Nurture"],
            ["gavin@mail.hooli.example", "nelson@mail.hooli.example"],
        )
        _hooli_team(control, api, hooli)
    with api_client(base_url, piper.owner_key) as api:
        _catalog(
            api,
            piper,
            ["Pied Piper Launch", "Pied Piper Beta Invites"],
            ["richard@mail.piedpiper.example", "dinesh@mail.piedpiper.example"],
        )
    with api_client(base_url, agency.owner_key) as api:
        invite = post(api, "/workspace-group-members", {"sub_workspace_id": hooli.id})
    hooli.group_status = control.accept_group_member(invite["id"])["status"]
    # A few realistic events, so the audit log has something to show.
    for seeded, ws in ((agency, agency_ws), (hooli, hooli_ws), (piper, piper_ws)):
        control.record_audit_log(
            seeded.id,
            ACTIVITY_LOGIN,
            user_id=ws["owner"],
            user_name=f"Owner {seeded.name}",
            user_agent="Mozilla/5.0 (sandbox seed)",
            audit_metadata={"method": "password"},
        )
    control.record_audit_log(
        hooli.id,
        ACTIVITY_CAMPAIGN_LAUNCH,
        user_id=hooli_ws["owner"],
        user_name=f"Owner {hooli.name}",
        campaign_id=hooli.campaigns[0]["id"],
        audit_metadata={"campaign_name": hooli.campaigns[0]["name"]},
    )
    return Seeded(base_url=base_url, agency=agency, clients={"HOOLI": hooli, "PIED_PIPER": piper})


def as_env(seeded: Seeded) -> str:
    """Shell lines for ``eval "$(instantly-sandbox seed --format env)"``."""
    values = {
        "INSTANTLY_BASE_URL": seeded.base_url,
        "INSTANTLY_API_KEY": seeded.agency.owner_key,
        "AGENCY_WORKSPACE_ID": seeded.agency.id,
    }
    for prefix, ws in seeded.clients.items():
        values[f"{prefix}_WORKSPACE_ID"] = ws.id
        values[f"{prefix}_CAMPAIGN_ID"] = ws.campaigns[0]["id"]
        values[f"{prefix}_ACCOUNT_EMAIL"] = ws.accounts[0]
    for tag in seeded.clients["HOOLI"].tags:
        values[f"HOOLI_{tag['label'].upper()}_TAG_ID"] = tag["id"]
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in values.items())


def as_json(seeded: Seeded) -> str:
    """Everything, including each workspace's owner key and security token."""
    doc = {
        "base_url": seeded.base_url,
        "agency": asdict(seeded.agency),
        "clients": {prefix.lower(): asdict(ws) for prefix, ws in seeded.clients.items()},
    }
    return json.dumps(doc, indent=2) + "\n"


def as_text(seeded: Seeded) -> str:
    """A readable summary: the agency key, the clients' ids, and a stack-file snippet."""
    a, hooli, piper = seeded.agency, seeded.clients["HOOLI"], seeded.clients["PIED_PIPER"]
    lines = [
        f"Seeded the sandbox at {seeded.base_url}",
        "",
        f"{a.name}  {a.id}  (the agency: admin of the workspace group)",
        f"  agency API key (all:all): {a.owner_key}",
    ]
    for ws in (hooli, piper):
        status = f"in the agency's group ({ws.group_status})" if ws.group_status else "not in the group yet"
        lines += ["", f"{ws.name}  {ws.id}  {status}"]
        lines += [f"  campaign  {c['id']}  {c['name']}" for c in ws.campaigns]
        lines += [f"  account   {email}" for email in ws.accounts]
        for m in ws.members:
            state = "accepted" if m["accepted"] else "invited"
            lines.append(f"  member    {m['email']}  {m['role']}, {state}")
        for t in ws.tags:
            on = f"campaign {t['campaigns'][0]} and account {t['accounts'][0]}"
            lines.append(f"  tag       {t['id']}  {t['label']} on {on}")
    lines += [
        "",
        f"A stack for {piper.name} (stacks/Pulumi.<client>.yaml; the key goes in as",
        "`pulumi config set --secret instantly:apiKey` or INSTANTLY_API_KEY):",
        "",
        "config:",
        f"  instantly:baseUrl: {seeded.base_url}",
        "  instantly-clients:client:",
        f"    workspace_id: {piper.id}",
        "    group_membership:",
        "      wait_for_acceptance: true",
        "    tags:",
        "      - label: Launch",
        f"        campaigns: [{piper.campaigns[0]['id']}]",
        f"        accounts: [{piper.accounts[0]}]",
        "",
        f"`pulumi up` invites {piper.name} and waits; play its owner and accept the invitation",
        "(its id is in GET /api/v2/workspace-group-members, with the agency key):",
        f"  curl -X POST {seeded.base_url}/_sandbox/workspace-group-members/<id>/accept",
        "",
        'The same values as shell variables: eval "$(instantly-sandbox seed --format env)"',
        "(that seeds another set).",
    ]
    return "\n".join(lines) + "\n"


FORMATS = {"text": as_text, "env": as_env, "json": as_json}
