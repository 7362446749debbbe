"""The isolated Pulumi environment: every call offline, private, non-interactive."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from instantly_cli.pulumi_runner import PulumiCLI, PulumiError, find_pulumi_bin


@pytest.fixture
def fake_pulumi(tmp_path: Path) -> Path:
    """A stand-in `pulumi` that records its argv and environment, and fails on demand."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(
        "#!/bin/sh\n"
        'printf "%s\\n" "$@" > "$RECORD.args"\n'
        'env > "$RECORD.env"\n'
        '[ "$1" = "fail" ] && { echo "boom: details" >&2; exit 3; }\n'
        "echo ok\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def make_cli(tmp_path: Path, bin_dir: Path) -> PulumiCLI:
    return PulumiCLI(
        project_dir=tmp_path,
        state_dir=tmp_path / "state",
        passphrase="pw",
        bin_dir=bin_dir,
        env={"RECORD": str(tmp_path / "rec"), "INSTANTLY_BASE_URL": "http://127.0.0.1:1"},
    )


def test_every_call_is_isolated_and_offline(tmp_path: Path, fake_pulumi: Path, monkeypatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", "/elsewhere")
    monkeypatch.setenv("PULUMI_ACCESS_TOKEN", "pul-token")
    cli = make_cli(tmp_path, fake_pulumi)
    cli.run("preview", stack="acme")
    env = dict(line.split("=", 1) for line in (tmp_path / "rec.env").read_text().splitlines() if "=" in line)
    assert env["PULUMI_HOME"] == str((tmp_path / "state" / "home").resolve())
    assert env["PULUMI_BACKEND_URL"] == (tmp_path / "state" / "backend").resolve().as_uri() + "?metadata=skip"
    assert env["PULUMI_BACKEND_URL"].startswith("file://")
    assert env["PULUMI_CONFIG_PASSPHRASE"] == "pw"
    assert env["PULUMI_SKIP_UPDATE_CHECK"] == "true"
    assert env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] == "true"
    assert env["INSTANTLY_BASE_URL"] == "http://127.0.0.1:1"
    assert env["PATH"].split(os.pathsep)[0] == str(fake_pulumi)
    assert "PULUMI_CONFIG_PASSPHRASE_FILE" not in env
    assert "PULUMI_ACCESS_TOKEN" not in env
    assert (tmp_path / "rec.args").read_text().split() == ["preview", "--non-interactive", "--stack", "acme"]


@pytest.mark.parametrize("command", ["up", "refresh", "destroy"])
def test_state_changing_commands_run_unattended(tmp_path: Path, fake_pulumi: Path, command: str) -> None:
    make_cli(tmp_path, fake_pulumi).run(command)
    assert (tmp_path / "rec.args").read_text().split() == [command, "--non-interactive", "--yes"]


def test_failure_raises_with_the_output_tail(tmp_path: Path, fake_pulumi: Path) -> None:
    cli = make_cli(tmp_path, fake_pulumi)
    with pytest.raises(PulumiError, match="boom: details") as info:
        cli.run("fail")
    assert info.value.returncode == 3
    assert cli.run("fail", check=False).returncode == 3


def test_find_pulumi_bin_prefers_the_recorded_build(tmp_path: Path, fake_pulumi: Path, monkeypatch) -> None:
    (tmp_path / ".tools").mkdir()
    (tmp_path / ".tools" / "pulumi-bin-dir").write_text(f"{fake_pulumi}\n")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert find_pulumi_bin(tmp_path) == fake_pulumi
    (tmp_path / ".tools" / "pulumi-bin-dir").unlink()
    assert find_pulumi_bin(tmp_path) is None
    monkeypatch.setenv("PATH", str(fake_pulumi))
    assert find_pulumi_bin(tmp_path) == fake_pulumi


def test_missing_cli_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("instantly_cli.pulumi_runner.find_pulumi_bin", lambda *_: None)
    with pytest.raises(FileNotFoundError, match="make cli"):
        PulumiCLI(project_dir=tmp_path, state_dir=tmp_path / "s", passphrase="pw")
