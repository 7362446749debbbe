"""Store facts that need no server: a database from before workspace settings existed."""

from __future__ import annotations

from pathlib import Path

from instantly_sandbox.store import Store
from instantly_sandbox.store.db import SETTINGS


def test_an_older_database_gets_settings_for_its_workspaces(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    store = Store(db)
    ws = store.create_workspace("Before settings")["workspace"]
    with store.db.tx():  # what a database written before the settings looks like
        store.db.execute("DELETE FROM objects WHERE kind=?", (SETTINGS,))
    store.close()
    reopened = Store(db)
    try:
        described = reopened.describe_workspace(ws["id"])
    finally:
        reopened.close()
    assert described["workspace"] == ws
    assert described["security_token"].startswith("sec_")
    assert described["plan"] == {"audit_logs": True}
