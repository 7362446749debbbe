"""What `fleet up --changed` compares: each part of a stack's fingerprint changes with what it stands
for and with nothing else, the secrets only as a hash, and what a file backend recorded is read
without the Pulumi CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from instantly_cli.fleet.fingerprints import (
    PARTS,
    TAG,
    Recorded,
    read_recorded,
    shared_parts,
    why_run,
    with_file,
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "program").mkdir(parents=True)
    (root / "program" / "__main__.py").write_text("print('program')\n")
    (root / "stacks").mkdir()
    (root / "stacks" / "Pulumi.acme.yaml").write_text("config: {}\n")
    (root / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": "p", "main": "program", "stackConfigDir": "stacks"})
    )
    return root


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {k for k in before if before[k] != after[k]}


def test_each_part_follows_what_it_stands_for(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANTLY_API_KEY", "key-one")
    base = shared_parts(project, "3.276.0")
    (project / "stacks" / "Pulumi.acme.yaml").write_text("config: {a: 1}\n")
    assert changed(base, shared_parts(project, "3.276.0")) == set()  # a stack file is no shared part

    settings = yaml.safe_load((project / "Pulumi.yaml").read_text())
    settings["config"] = {"instantly-clients:agency": {"value": {"team": []}}}
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    agency = shared_parts(project, "3.276.0")
    assert changed(base, agency) == {"project"}

    (project / "program" / "__main__.py").write_text("print('program, changed')\n")
    program = shared_parts(project, "3.276.0")
    assert changed(agency, program) == {"program"}
    assert changed(program, shared_parts(project, "3.277.0")) == {"program"}  # another Pulumi CLI

    monkeypatch.setenv("INSTANTLY_API_KEY", "key-two")
    rotated = shared_parts(project, "3.276.0")
    assert changed(program, rotated) == {"secrets"}
    assert "key-two" not in json.dumps(rotated)

    pack = project.parent / "policy"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    checked = shared_parts(project, "3.276.0", [pack])
    assert changed(rotated, checked) == {"policies"}
    (pack / "rules.py").write_text("# a new rule\n")
    assert changed(checked, shared_parts(project, "3.276.0", [pack])) == {"policies"}


def test_layout_and_comments_of_pulumi_yaml_do_not_count(project: Path) -> None:
    base = shared_parts(project, None)
    text = (project / "Pulumi.yaml").read_text()
    (project / "Pulumi.yaml").write_text("# the agency's clients\n" + text + "\n\n")
    assert shared_parts(project, None) == base


def test_a_recorded_fingerprint_reads_back_and_says_what_changed(project: Path) -> None:
    stack_file = project / "stacks" / "Pulumi.acme.yaml"
    now = with_file(shared_parts(project, None), stack_file)
    recorded = Recorded.parse(now.tag_value(1_800_000_000.25))
    assert recorded is not None
    assert recorded.at == 1_800_000_000.25
    assert why_run(now, recorded, datetime.fromtimestamp(1_800_000_000, UTC).replace(tzinfo=None)) == []

    stack_file.write_text("config: {b: 2}\n")
    assert why_run(with_file(shared_parts(project, None), stack_file), recorded, None) == [PARTS["file"]]
    later = datetime.fromtimestamp(1_800_000_100, UTC).replace(tzinfo=None)  # as `pulumi stack ls` says
    assert why_run(now, recorded, later)[0].startswith("its state was written since")
    assert why_run(now, None, None) == ["no successful fleet up recorded"]
    assert Recorded.parse("set by hand") is None


def test_a_file_backend_is_read_directly_and_anything_else_through_the_cli(tmp_path: Path) -> None:
    stacks = tmp_path / "backend" / ".pulumi" / "stacks" / "p"
    stacks.mkdir(parents=True)
    for name in ("tagged", "untagged"):
        (stacks / f"{name}.json").write_text("{}")
    tags = {"version": 1, "tags": {TAG: "at=5 file=f project=p program=g secrets=s"}}
    (stacks / "tagged.pulumi-tags").write_text(json.dumps(tags))
    asked: list[str] = []

    def cli(name: str) -> str | None:
        asked.append(name)
        return "at=7 file=x"

    found = read_recorded((tmp_path / "backend").as_uri(), "p", ["tagged", "untagged", "elsewhere"], cli, 2)
    assert found["tagged"] == Recorded({"file": "f", "project": "p", "program": "g", "secrets": "s"}, 5.0)
    assert found["untagged"] is None
    assert asked == ["elsewhere"]  # no checkpoint where expected: the CLI knows better
    assert found["elsewhere"] == Recorded({"file": "x"}, 7.0)

    asked.clear()
    read_recorded("postgres://db/pulumi", "p", ["a", "b"], cli, 2)
    assert sorted(asked) == ["a", "b"]
