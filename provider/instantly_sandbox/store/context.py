"""Who is calling: the key, its own workspace, and the workspace it acts in."""

from __future__ import annotations

from instantly_sandbox.store.db import Doc


class Context:
    """The caller of one request.

    ``key`` is the API key document, ``key_workspace`` the workspace that owns it
    and ``workspace`` the one the request acts in (``x-as-workspace``, or the
    key's own).
    """

    def __init__(self, key_doc: Doc, key_workspace: str, workspace: str) -> None:
        self.key = key_doc
        self.key_workspace = key_workspace
        self.workspace = workspace
