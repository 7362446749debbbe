"""The bad-input matrix (issue 9.6): every case a user can get wrong, where it is refused, and what
the message says. ``test_bad_input.py`` runs each case through the real CLI; this table is also
the one in docs/reliability.md, generated from here::

    .venv/bin/python -m tests.e2e.bad_inputs --update     # rewrite the section
    .venv/bin/python -m tests.e2e.bad_inputs              # exit 1 when it is stale

A case edits an :class:`Attempt` (the client value, config, environment, the stack file) that
starts as a valid stack; ``expect`` are fragments the CLI output must contain (``{name}``
placeholders are filled in at run time). This module needs neither Pulumi nor a sandbox.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .conftest import ClientStack, World

# Where a case is refused.
FILE = "preview: stack file"
"""By the program, before any resource exists: no request at all."""
PULUMI = "preview: Pulumi"
"""By Pulumi itself, before the program runs: no request at all."""
CHECK = "preview: check"
"""By a resource's check, after reads only (no write)."""
API = "up: API answer"
"""By the API: the failing write is the only write."""
PROVIDER_UP = "up: provider"
"""By the provider before it calls the API (no request)."""
PROVIDER_DESTROY = "destroy: provider"


@dataclass
class Attempt:
    """One run of the CLI: what the stack file holds and how the CLI is called."""

    world: World
    client: Any
    """The ``instantly-clients:client`` value (``MISSING`` leaves it out)."""
    config: dict[str, Any] = field(default_factory=dict)
    """Other config values (a None value leaves the key out)."""
    agency_key: bool = True
    """Keep the encrypted agency key (``instantly:apiKey``) in the stack file."""
    env: dict[str, str] = field(default_factory=dict)
    top: dict[str, Any] = field(default_factory=dict)
    """Extra top-level keys of the stack file."""
    raw: str | None = None
    """The whole stack file instead of the above."""
    command: tuple[str, ...] = ("preview",)
    stack: str = "matrix"
    """The stack (in the shared project and backend) the case runs in."""
    setup: Callable[[ClientStack, Attempt], None] | None = None
    """Runs before the command (after the stack file is written), e.g. an `up` that must succeed."""
    cleanup: Callable[[ClientStack, Attempt], None] | None = None
    values: dict[str, str] = field(default_factory=dict)
    """Run-time values for the ``{name}`` placeholders of ``expect``."""


MISSING = object()


@dataclass(frozen=True)
class Case:
    """One bad input."""

    id: str
    what: str
    """The bad input, as a user would describe it."""
    where: str
    expect: tuple[str, ...]
    """Fragments of the message: the field (or the scope) and what to do."""
    change: Callable[[Attempt], None]
    writes: tuple[str, ...] = ()
    """The writes the sandbox logs (only the failing one, for API cases)."""


def valid_client(world: World) -> dict[str, Any]:
    """The valid client value each case starts from (its preview passes)."""
    return {
        "workspace_id": world.client_id,
        "members": [{"email": "ana@client.example", "role": "editor"}],
        "api_keys": [{"name": "reader", "scopes": ["campaigns:read"]}],
        "tags": [{"label": "Outbound", "campaigns": world.campaigns[:1], "accounts": world.accounts[:1]}],
    }


def _member(**kw: Any) -> Callable[[Attempt], None]:
    return lambda a: a.client["members"][0].update(kw)


def _key(**kw: Any) -> Callable[[Attempt], None]:
    return lambda a: a.client["api_keys"][0].update(kw)


def _tag(**kw: Any) -> Callable[[Attempt], None]:
    return lambda a: a.client["tags"][0].update(kw)


def _client(**kw: Any) -> Callable[[Attempt], None]:
    return lambda a: a.client.update(kw)


def _config(**kw: Any) -> Callable[[Attempt], None]:
    return lambda a: a.config.update({k.replace("__", ":"): v for k, v in kw.items()})


def _append(kind: str, item: dict[str, Any]) -> Callable[[Attempt], None]:
    return lambda a: a.client[kind].append(item)


def _no_key(a: Attempt) -> None:
    a.agency_key = False


def _env_key(value: Callable[[Attempt], str]) -> Callable[[Attempt], None]:
    def change(a: Attempt) -> None:
        a.agency_key = False
        a.env["INSTANTLY_API_KEY"] = value(a)

    return change


def _only(**client: Any) -> Callable[[Attempt], None]:
    """A client value with only these keys besides workspace_id: one failing resource, nothing else
    (API cases: one write; check cases: Pulumi stops at once, with no other registration pending)."""

    def change(a: Attempt) -> None:
        a.client = {"workspace_id": a.world.client_id, **client}

    return change


def _closed_port(a: Attempt) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    a.values["closed_url"] = f"http://127.0.0.1:{port}"
    a.config["instantly:baseUrl"] = a.values["closed_url"]
    # One resource: the program's proof of access is the read that meets the closed port.
    a.client = {
        "workspace_id": a.world.client_id,
        "members": [{"email": "ana@client.example", "role": "view"}],
    }


def _limited_key(a: Attempt) -> str:
    """An agency key that may read but not invite members."""
    with a.world.api(as_client=False) as api:
        resp = api.post("/api-keys", json={"name": "read-only", "scopes": ["all:read"]})
        resp.raise_for_status()
        return str(resp.json()["key"])


def _in_another_group(a: Attempt) -> None:
    control = a.world.control
    _, other_key = control.create_workspace("other agency")
    taken, _ = control.create_workspace("taken client")
    with a.world.api(other_key) as api:
        api.post("/workspace-group-members", json={"sub_workspace_id": taken["id"]}).raise_for_status()
    a.client = {"workspace_id": taken["id"], "group_membership": {"wait_for_acceptance": False}}


def _existing(kind: str) -> Callable[[Attempt], None]:
    def change(a: Attempt) -> None:
        with a.world.api() as api:
            if kind == "member":
                api.post("/workspace-members", json={"email": "exists@client.example", "role": "view"})
                a.client = {
                    "workspace_id": a.world.client_id,
                    "members": [{"email": "exists@client.example", "role": "view"}],
                }
            else:
                api.post("/custom-tags", json={"label": "Exists"})
                a.client = {"workspace_id": a.world.client_id, "tags": [{"label": "Exists"}]}

    return change


def _self_revocation(command: str) -> Callable[[Attempt], None]:
    """The stack creates a full-access key, then runs with that key as its own (INSTANTLY_API_KEY)
    and is told to revoke it: by dropping it from the file (up) or by destroy."""

    def change(a: Attempt) -> None:
        ops = {"name": "ops", "scopes": ["all:all"], "allow_full_access": True}
        a.stack = f"selfrev-{command}"
        a.client = {"workspace_id": a.world.client_id, "api_keys": [ops]}
        a.command = (command,)

        def setup(stack: ClientStack, attempt: Attempt) -> None:
            stack.run("up")
            own = stack.outputs()["api_keys"]["ops"]["key"]
            attempt.env["INSTANTLY_API_KEY"] = own
            attempt.agency_key = False
            if command == "up":
                attempt.client = {"workspace_id": attempt.world.client_id}

        def cleanup(stack: ClientStack, attempt: Attempt) -> None:
            stack.run("destroy")  # with the agency key again

        a.setup, a.cleanup = setup, cleanup

    return change


def _raw(text: str) -> Callable[[Attempt], None]:
    def change(a: Attempt) -> None:
        a.raw = text

    return change


UUID_HINT = "(a UUID such as 019a8c3e-0000-7000-8000-00000000ac3e)"
NO_CAMPAIGN = "019a8c3e-0000-7000-8000-0000000000c0"

CASES: tuple[Case, ...] = (
    # --- members -------------------------------------------------------------------------------
    Case("email-malformed", "a member's email without @", FILE,
         ("client.members[0].email: 'ana-at-client.example' is not an email address",),
         _member(email="ana-at-client.example")),
    Case("email-blank", "a blank member email", FILE,
         ("client.members[0].email: '' is not an email address",), _member(email="   ")),
    Case("email-duplicate", "the same member twice", FILE,
         ("members[1].email 'ana@client.example' repeats members[0] (they must be unique)",),
         _append("members", {"email": "ana@client.example", "role": "view"})),
    Case("email-duplicate-case", "the same member twice, differing in case", FILE,
         ("members[1].email 'ana@client.example' repeats members[0] (they must be unique)",),
         _append("members", {"email": "ANA@Client.example", "role": "view"})),
    Case("role-unknown", "an unknown role", FILE,
         ("client.members[0].role: 'superuser' is not a role the API can grant: use admin, editor or view",),
         _member(role="superuser")),
    Case("role-owner", "the owner role", FILE,
         ("client.members[0].role: 'owner' is not a role the API can grant",
          "(owner and client exist but cannot be assigned through the API)"),
         _member(role="owner")),
    Case("role-and-access", "both a role and an access preset", FILE,
         ("client.members[0]: give either access (a preset) or role and permissions, not both",),
         _member(access="sdr")),
    Case("no-role", "a member with neither role nor access", FILE,
         ("client.members[0]: needs a role (admin, editor, view) or an access preset",),
         lambda a: a.client["members"][0].pop("role")),
    Case("access-unknown", "an unknown access preset", FILE,
         ("client.members[0].access: 'boss' is not an access preset: use admin, manager, sdr, viewer",),
         lambda a: a.client["members"][0].update(access="boss", role=None)),
    Case("access-typo", "a mistyped access preset (mangaer)", FILE,
         ("client.members[0].access: 'mangaer' is not an access preset", "did you mean 'manager'?"),
         lambda a: a.client["members"][0].update(access="mangaer", role=None)),
    Case("permission-unknown", "an unknown permission", FILE,
         ("client.members[0].permissions: ['campaigns.fly'] is not an Instantly permission",
          "(see docs/reference/permissions.md)"),
         _member(permissions=["campaigns.fly"])),
    Case("permission-typo", "a mistyped permission (campaign.view)", FILE,
         ("client.members[0].permissions: ['campaign.view'] is not an Instantly permission",
          "did you mean 'campaigns.view'?"),
         _member(permissions=["campaign.view"])),
    Case("nickname-too-long", "a nickname over 80 characters", FILE,
         ("client.members[0].nickname: is 81 characters long: at most 80 are allowed",),
         _member(nickname="n" * 81)),
    Case("member-typo", "a typo'd member field (emial)", FILE,
         ("client.members[0].emial: unknown key (did you mean 'email'?)",),
         lambda a: a.client["members"][0].update(emial=a.client["members"][0].pop("email"))),
    Case("nickname-wrong-type", "a number where text goes", FILE,
         ("client.members[0].nickname: Input should be a valid string",), _member(nickname=42)),
    # --- API keys ------------------------------------------------------------------------------
    Case("scope-unknown", "an unknown scope", FILE,
         ("client.api_keys[0].scopes: ['campaigns:reed'] is not a documented scope",
          "(see docs/reference/scopes.md)"),
         _key(scopes=["campaigns:reed"])),
    Case("scope-typo", "a mistyped scope (campaign:read)", FILE,
         ("client.api_keys[0].scopes: ['campaign:read'] is not a documented scope",
          "did you mean 'campaigns:read'?"),
         _key(scopes=["campaign:read"])),
    Case("scopes-empty", "a key with no scopes", FILE,
         ("client.api_keys[0].scopes: must list at least one scope",), _key(scopes=[])),
    Case("scopes-not-a-list", "scopes given as one string", FILE,
         ("client.api_keys[0].scopes: Input should be a valid list",), _key(scopes="campaigns:read")),
    Case("scope-all-unallowed", "an all:* scope without allow_full_access", FILE,
         ("client.api_keys[0]: ['all:read'] grant access to every resource of the workspace",
          "set allow_full_access: true to allow it"),
         _key(scopes=["all:read"])),
    Case("key-name-blank", "a blank key name", FILE,
         ("client.api_keys[0].name: must not be blank",), _key(name="  ")),
    Case("key-name-control", "a key name with a control character", FILE,
         ("client.api_keys[0].name: holds a control character (U+0009 at position 3)",),
         _key(name="crm\tsync")),
    Case("key-name-duplicate", "two keys with one name", FILE,
         ("api_keys[1].name 'reader' repeats api_keys[0] (they must be unique)",),
         _append("api_keys", {"name": "reader", "scopes": ["leads:read"]})),
    # --- tags ----------------------------------------------------------------------------------
    Case("label-blank", "a blank tag label", FILE, ("client.tags[0].label: must not be blank",),
         _tag(label=" ")),
    Case("label-too-long", "a tag label over 255 characters", FILE,
         ("client.tags[0].label: is 256 characters long: at most 255 are allowed",), _tag(label="L" * 256)),
    Case("label-two-lines", "a tag label with a newline inside", FILE,
         ("client.tags[0].label: holds a control character (U+000A at position 3): it must be one line",),
         _tag(label="Out\nbound")),
    Case("label-duplicate-after-trim", "two tags whose labels differ only by spaces", FILE,
         ("tags[1].label 'Outbound' repeats tags[0] (they must be unique)",),
         _append("tags", {"label": "  Outbound "})),
    Case("campaign-id-malformed", "a campaign id that is not a UUID", FILE,
         ("client.tags[0].campaigns: item 0 'campaign-1' is not a campaign id (a UUID)",),
         _tag(campaigns=["campaign-1"])),
    Case("campaign-id-repeated", "a campaign listed twice", FILE,
         ("client.tags[0].campaigns: item 1", "repeats an earlier campaign id"),
         lambda a: a.client["tags"][0].update(campaigns=a.world.campaigns[:1] * 2)),
    Case("account-malformed", "an account that is not an email", FILE,
         ("client.tags[0].accounts: item 0 'sdr1' is not an email account",), _tag(accounts=["sdr1"])),
    Case("account-repeated-case", "an account listed twice, differing in case", FILE,
         ("client.tags[0].accounts: item 1", "repeats an earlier account"),
         lambda a: a.client["tags"][0].update(accounts=[a.world.accounts[0], a.world.accounts[0].upper()])),
    Case("tag-unknown-key", "an unknown tag field (colour)", FILE,
         ("client.tags[0].colour: unknown key",), _tag(colour="red")),
    # --- the client value ------------------------------------------------------------------------
    Case("workspace-id-malformed", "a workspace id that is not a UUID", FILE,
         (f"client.workspace_id: 'not-a-uuid' is not a workspace id {UUID_HINT}",),
         _client(workspace_id="not-a-uuid")),
    Case("workspace-id-missing", "no workspace id", FILE, ("client.workspace_id: Field required",),
         lambda a: a.client.pop("workspace_id")),
    Case("client-typo", "a typo'd client field (memebers)", FILE,
         ("client.memebers: unknown key (did you mean 'members'?)",),
         lambda a: a.client.update(memebers=a.client.pop("members"))),
    Case("members-not-a-list", "members given as one string", FILE,
         ("client.members: Input should be a valid list",), _client(members="ana@client.example")),
    Case("adopt-not-bool", "adopt: sometimes", FILE, ("client.adopt: Input should be a valid boolean",),
         _client(adopt="sometimes")),
    Case("acceptance-timeout-text", "acceptance_timeout: soon", FILE,
         ("client.group_membership.acceptance_timeout: Input should be a valid number",),
         _client(group_membership={"acceptance_timeout": "soon"})),
    Case("acceptance-timeout-negative", "a negative acceptance_timeout", FILE,
         ("client.group_membership.acceptance_timeout: -3.0 must be a positive number of seconds",),
         _client(group_membership={"acceptance_timeout": -3})),
    Case("on-destroy-unknown", "on_destroy: archive", FILE,
         ("client.on_destroy: 'archive' must be 'keep' or 'delete'",), _client(on_destroy="archive")),
    Case("on-destroy-typo", "on_destroy: delet", FILE,
         ("client.on_destroy: 'delet' must be 'keep' or 'delete'; did you mean 'delete'?",),
         _client(on_destroy="delet")),
    Case("client-not-a-mapping", "the client value is a list", FILE,
         ("client: must be a mapping of keys (workspace_id, members, ...)",),
         lambda a: setattr(a, "client", ["ana@client.example"])),
    Case("client-not-yaml", "the client value is text that is not YAML", FILE,
         ("instantly-clients:client: is not a structured value",
          "client: must be a mapping of keys (workspace_id, members, ...)"),
         lambda a: setattr(a, "client", "[unclosed")),
    Case("client-missing", "no client value", FILE,
         ("the stack has no `instantly-clients:client` value describing the client: add one",),
         lambda a: setattr(a, "client", MISSING)),
    # --- the stack file and config ---------------------------------------------------------------
    Case("stack-file-empty", "an empty stack file", FILE,
         ("no Instantly API key: run `pulumi config set --secret instantly:apiKey`",
          "the stack has no `instantly-clients:client` value"),
         _raw("")),
    Case("stack-file-not-yaml", "a stack file that is not YAML", PULUMI,
         ("error: getting stack configuration: invalid YAML file: yaml: line 1:",),
         _raw("config: [unclosed\n  - {\n")),
    Case("stack-file-top-level-key", "client: at the top of the stack file", FILE,
         ("Pulumi.matrix.yaml: unknown top-level key 'client'",
          "the client goes under config: instantly-clients:client"),
         lambda a: a.top.update(client={"workspace_id": a.world.client_id})),
    Case("config-key-unknown", "instantly:apikey (a typo'd config key)", FILE,
         ("config: unknown key 'instantly:apikey' (did you mean 'instantly:apiKey'?)",),
         _config(instantly__apikey="x")),
    Case("api-key-missing", "no API key (neither config nor environment)", FILE,
         ("no Instantly API key: run `pulumi config set --secret instantly:apiKey`",
          "or export INSTANTLY_API_KEY"),
         _no_key),
    Case("base-url-http-remote", "http:// to a remote host", FILE,
         ("instantly:baseUrl (or INSTANTLY_BASE_URL) 'http://api.instantly.ai'",
          "uses plain http to a remote host", "use https://api.instantly.ai"),
         _config(instantly__baseUrl="http://api.instantly.ai")),
    Case("base-url-not-a-url", "a base URL that is not a URL", FILE,
         ("instantly:baseUrl (or INSTANTLY_BASE_URL) 'api.instantly.ai'",
          "is not a URL: give the API's origin, e.g. https://api.instantly.ai"),
         _config(instantly__baseUrl="api.instantly.ai")),
    Case("base-url-api-v2", "a base URL ending in /api/v2", FILE,
         ("must be the API's origin without a path (the client adds /api/v2 itself): use https://api.instantly.ai",),
         _config(instantly__baseUrl="https://api.instantly.ai/api/v2")),
    Case("timeout-invalid", "instantly:timeout: -5", FILE,
         ("instantly:timeout (or INSTANTLY_TIMEOUT) '-5' must be a positive number of seconds",),
         _config(instantly__timeout="-5")),
    # --- refused at check, after reads -----------------------------------------------------------
    Case("agency-workspace-as-client", "the agency's own workspace as the client", CHECK,
         ("workspace_id: {agency_id} is the API key's own workspace (the agency's), not a client's",
          "set agency_workspace: true in the stack file"),
         lambda a: setattr(a, "client", {"workspace_id": a.world.agency_id, "members": a.client["members"]})),
    Case("agency-workspace-as-sub", "the agency's workspace in its own group (agency_workspace: true)", CHECK,
         ("sub_workspace_id: {agency_id} is the API key's own workspace (the agency's)",
          "give the client's workspace id"),
         lambda a: setattr(a, "client", {"workspace_id": a.world.agency_id, "agency_workspace": True,
                                         "group_membership": {}})),
    Case("campaign-not-found", "a tag on a campaign id that does not exist", CHECK,
         (f"resource_ids: {NO_CAMPAIGN}: no such campaign in workspace {{client_id}}",
          "check the campaign ids (nothing was changed)"),
         _only(tags=[{"label": "Outbound", "campaigns": [NO_CAMPAIGN]}])),
    Case("account-not-found", "a tag on an account email that does not exist", CHECK,
         ("resource_ids: nobody@client.example: no such account in workspace {client_id}",
          "check the account emails (nothing was changed)"),
         _only(tags=[{"label": "Outbound", "accounts": ["nobody@client.example"]}])),
    Case("api-key-wrong", "a wrong API key (401)", CHECK,
         ("the API refused the agency key (401: a wrong, revoked or missing key all answer so)",
          "pulumi config set --secret instantly:apiKey", "or export INSTANTLY_API_KEY"),
         lambda a: (_only(members=a.client["members"])(a), _env_key(lambda _: "not-a-real-key-0000")(a))),
    Case("base-url-unreachable", "an unreachable base URL", CHECK,
         ("no answer from the Instantly API at {closed_url} (ConnectError",
          "2 attempts): check that instantly:baseUrl (or INSTANTLY_BASE_URL) is the API's origin"),
         _closed_port),
    # --- refused by the API at up ----------------------------------------------------------------
    Case("scope-missing", "an agency key lacking a scope (403)", API,
         ("create workspace member", "HTTP 403",
          "API key is missing one of the scopes: workspace_members:create",
          "give the agency key the missing scope"),
         lambda a: (_only(members=[{"email": "ana@client.example", "role": "view"}])(a),
                    _env_key(_limited_key)(a), setattr(a, "command", ("up",)))[-1],
         writes=("POST /workspace-members 403",)),
    Case("sub-workspace-taken", "a sub-workspace already in another agency's group", API,
         ("create group membership", "HTTP 409: The sub workspace already has an active parent or invitation",
          "if the membership is this agency's, set adopt: true"),
         lambda a: (_in_another_group(a), setattr(a, "command", ("up",)))[-1],
         writes=("POST /workspace-group-members 409",)),
    Case("member-exists", "a member that exists already, without adopt", API,
         ("create workspace member", "HTTP 400: A member with this email already exists",
          "set adopt: true to take it over"),
         lambda a: (_existing("member")(a), setattr(a, "command", ("up",)))[-1],
         writes=("POST /workspace-members 400",)),
    Case("tag-exists", "a tag label that exists already, without adopt", API,
         ("create custom tag", "HTTP 409: A tag with this name already exists.",
          "set adopt: true to take it over"),
         lambda a: (_existing("tag")(a), setattr(a, "command", ("up",)))[-1],
         writes=("POST /custom-tags 409",)),
    # --- the provider's own key ------------------------------------------------------------------
    Case("self-revocation-removal", "dropping the key the stack authenticates with from the file",
         PROVIDER_UP,
         ("delete API key 'ops'", "refused: it is the key this provider authenticates with",
          "Point instantly:apiKey at another key"),
         _self_revocation("up")),
    Case("self-revocation-destroy", "destroying the key the stack authenticates with", PROVIDER_DESTROY,
         ("delete API key 'ops'", "refused: it is the key this provider authenticates with",
          "set on_destroy: keep"),
         _self_revocation("destroy")),
)  # fmt: skip


# --- the table in docs/reliability.md ----------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
BEGIN, END = "<!-- bad-input:begin -->", "<!-- bad-input:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    # A fragment that holds backticks needs a longer fence.
    return f"`` {_cell(text)} ``" if "`" in text else f"`{_cell(text)}`"


def render(cases: tuple[Case, ...] = CASES) -> str:
    """The Markdown table of the cases (between the markers)."""
    lines = [
        BEGIN,
        f"{len(cases)} cases, each run through the real Pulumi CLI against the sandbox by "
        "`tests/e2e/test_bad_input.py`; generated from its table (`tests/e2e/bad_inputs.py`) by "
        "`.venv/bin/python -m tests.e2e.bad_inputs --update`. Every case fails, its output has no "
        "traceback, no `an unhandled error occurred` and no `Exception calling application:`, and "
        "the sandbox logs no write (for the API's refusals: only the refused write).",
        "",
        "| # | bad input | refused at | the message says (asserted fragments) |",
        "|---|---|---|---|",
    ]
    for i, case in enumerate(cases, 1):
        said = " … ".join(_code(e) for e in case.expect)
        lines.append(f"| {i} | {_cell(case.what)} | {case.where} | {said} |")
    lines.append(END)
    return "\n".join(lines)


def updated(text: str) -> str:
    """``text`` (docs/reliability.md) with the section replaced (or appended)."""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + render() + rest.split(END, 1)[1]
    return text.rstrip("\n") + "\n\n## Bad input\n\n" + render() + "\n"


def main(argv: list[str]) -> int:
    text = DOC.read_text() if DOC.exists() else "# Reliability\n"
    new = updated(text)
    if "--update" in argv:
        DOC.write_text(new)
        return 0
    if new != text:
        print(f"{DOC} is stale: run python -m tests.e2e.bad_inputs --update", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
