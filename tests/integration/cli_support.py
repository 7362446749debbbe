"""Run the installed ``instantly-pulumi`` console script as a user would, and populate
workspaces through the API by hand (the commands' tests share these)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from instantly_sandbox import seed

CONSOLE_SCRIPT = Path(sys.executable).parent / "instantly-pulumi"


@dataclass
class Run:
    """A finished command: exit code and both streams."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(
    *args: str,
    key: str | None,
    base_url: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    secrets: tuple[str, ...] = (),
    script: Path = CONSOLE_SCRIPT,
) -> Run:
    """``instantly-pulumi <args>`` (the installed console ``script``) with the key and origin in
    the environment, no terminal on stdin; asserts that neither the key nor any of ``secrets``
    appears in its output."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("INSTANTLY_", "PULUMI_"))}
    environ.update({"INSTANTLY_BASE_URL": base_url, "COLUMNS": "200", **(env or {})})
    if key is not None:
        environ["INSTANTLY_API_KEY"] = key
    proc = subprocess.run(
        [str(script), *args],
        cwd=cwd,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    for secret in (key, *secrets):
        if secret:
            assert secret not in proc.stdout, "a secret was printed"
            assert secret not in proc.stderr, "a secret was printed"
    return Run(proc.returncode, proc.stdout, proc.stderr)


class Api:
    """The API as a person with ``key`` (acting in ``workspace`` when given) calls it."""

    def __init__(self, base_url: str, key: str, workspace: str | None = None) -> None:
        self.http = seed.api_client(base_url, key, workspace)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return seed.post(self.http, path, body)

    def delete(self, path: str) -> None:
        self.http.delete(path).raise_for_status()

    def get(self, path: str) -> dict[str, Any]:
        resp = self.http.get(path)
        resp.raise_for_status()
        result: dict[str, Any] = resp.json()
        return result

    def member(self, email: str, role: str, **extra: Any) -> dict[str, Any]:
        return self.post("/workspace-members", {"email": email, "role": role, **extra})

    def tag(self, label: str, description: str | None = None, **assign: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"label": label}
        if description is not None:
            body["description"] = description
        tag = self.post("/custom-tags", body)
        for kind, ids in assign.items():
            self.post(
                "/custom-tags/toggle-resource",
                {
                    "tag_ids": [tag["id"]],
                    "resource_type": 1 if kind == "accounts" else 2,
                    "resource_ids": ids,
                    "assign": True,
                },
            )
        return tag

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def writes(requests: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The requests of a request log that are not reads."""
    return [(r["method"], r["path"]) for r in requests if r["method"] != "GET"]


@dataclass
class Agency:
    """An agency and one client workspace accepted into its group, with campaigns and accounts."""

    base_url: str
    agency_id: str
    agency_key: str
    client_id: str
    client_key: str
    campaigns: list[str]
    accounts: list[str]

    def as_client(self) -> Api:
        """The agency key acting in the client workspace."""
        return Api(self.base_url, self.agency_key, self.client_id)


def make_agency(control: Any, base_url: str, name: str, *, accept: bool = True) -> Agency:
    """A fresh agency and client; the client accepts the group invitation unless ``accept`` is False."""
    from instantly_sandbox.seed import create_account, create_campaign

    agency, agency_key = control.create_workspace(f"{name} Agency")
    client, client_key = control.create_workspace(f"{name} Client")
    own = Api(base_url, client_key)
    campaigns = [create_campaign(own.http, f"{name} campaign {i}")["id"] for i in range(3)]
    accounts = []
    for local in ("sdr1", "sdr2"):
        email = f"{local}@{name.lower()}.example"
        create_account(own.http, email)
        accounts.append(email)
    own.close()
    with Api(base_url, agency_key) as api:
        invite = api.post("/workspace-group-members", {"sub_workspace_id": client["id"]})
    if accept:
        control.accept_group_member(invite["id"])
    return Agency(base_url, agency["id"], agency_key, client["id"], client_key, campaigns, accounts)
