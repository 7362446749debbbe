"""Which stacks a fleet runs: the project's stack files, names, shards; and how results are reported."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from instantly_cli.fleet.report import changes_text
from instantly_cli.fleet.runner import _masked, mask_credentials
from instantly_cli.fleet.stacks import Project, Shard, choose
from instantly_pulumi.errors import ConfigurationError


def project(tmp_path: Path, names: list[str], stack_dir: str | None = "stacks") -> Project:
    settings = "name: clients\nruntime: python\n"
    if stack_dir:
        settings += f"stackConfigDir: {stack_dir}\n"
    (tmp_path / "Pulumi.yaml").write_text(settings)
    folder = tmp_path / (stack_dir or ".")
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    return Project.find(tmp_path)


def test_the_project_is_found_from_a_subdirectory_and_lists_its_stack_files(tmp_path: Path) -> None:
    found = project(tmp_path, ["acme", "globex"])
    (tmp_path / "stacks" / "notes.txt").write_text("not a stack")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    assert Project.find(tmp_path / "deep" / "er") == found
    assert found.name == "clients"
    assert found.stack_dir == tmp_path / "stacks"
    assert list(found.stack_files()) == ["acme", "globex"]


def test_without_stack_config_dir_the_stack_files_are_beside_pulumi_yaml(tmp_path: Path) -> None:
    found = project(tmp_path, ["dev"], stack_dir=None)
    assert list(found.stack_files()) == ["dev"]  # Pulumi.yaml itself is not a stack


def test_no_project_is_an_error_saying_where_to_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"no Pulumi\.yaml in .* or above"):
        Project.find(tmp_path)


def test_named_stacks_must_have_files(tmp_path: Path) -> None:
    found = project(tmp_path, ["acme", "globex"])
    assert choose(found, ["globex", "acme", "globex"], None) == ["acme", "globex"]
    with pytest.raises(
        ConfigurationError, match=r"no stack file for initech in stacks/.*stacks: acme, globex"
    ):
        choose(found, ["initech"], None)


@pytest.mark.parametrize("text", ["", "2", "0/3", "4/3", "1/0", "a/b", "1/2/3", "-1/2"])
def test_a_bad_shard_says_what_to_give(text: str) -> None:
    with pytest.raises(ConfigurationError, match="--shard"):
        Shard.parse(text)


@pytest.mark.parametrize("stacks", [0, 1, 5, 20, 101])
@pytest.mark.parametrize("count", [1, 2, 3, 8])
def test_shards_cover_every_stack_exactly_once_evenly_whatever_the_order(stacks: int, count: int) -> None:
    names = [f"client-{i:03d}" for i in range(stacks)]
    shuffled = random.Random(stacks * count).sample(names, len(names))
    shards = [Shard.parse(f"{k}/{count}").take(shuffled) for k in range(1, count + 1)]
    taken = [name for shard in shards for name in shard]
    assert sorted(taken) == names  # every stack, none twice
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    assert shards == [Shard(k, count).take(names) for k in range(1, count + 1)]  # order does not matter


def test_a_shard_applies_to_the_named_stacks(tmp_path: Path) -> None:
    found = project(tmp_path, ["a", "b", "c", "d"])
    assert choose(found, [], Shard(2, 2)) == ["b", "d"]
    assert choose(found, ["a", "c", "d"], Shard(1, 2)) == ["a", "d"]


def test_changes_read_in_the_usual_order() -> None:
    assert changes_text({"same": 20, "create": 3, "delete": 1, "update": 0}) == "3 create, 1 delete, 20 same"
    assert changes_text({}) == ""


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgres://pulumi:s3cret@db:5432/state?sslmode=disable",
            "postgres://****@db:5432/state?sslmode=disable",
        ),
        ("file:///home/me/state", "file:///home/me/state"),
        ("s3://bucket/prefix", "s3://bucket/prefix"),
        (None, None),
    ],
)
def test_backend_credentials_are_masked(url: str | None, shown: str | None) -> None:
    assert _masked(url) == shown


def test_credentials_in_pulumi_errors_are_masked() -> None:
    text = 'error: unable to open state database "postgres://ops:hunter2@db:5432/state": refused'
    assert mask_credentials(text) == text.replace("ops:hunter2", "****")
    assert mask_credentials("see https://example.com/a@b") == "see https://example.com/a@b"
