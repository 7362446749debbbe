"""Which stacks a fleet command runs: the project's stack files, the names given, one shard.

The project is found as Pulumi finds it (``Pulumi.yaml`` in the working
directory or above); its stacks are the ``Pulumi.<stack>.yaml`` files in its
``stackConfigDir`` (``stacks/`` here). A shard ``K/N`` takes every N-th stack
of the sorted names, starting at the K-th: the split depends only on the set
of names (not on the machine, the file system's order or the time), the N
shards are disjoint and together hold every stack once, and their sizes
differ by at most one, so N CI machines given the same checkout split the
fleet evenly between them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from instantly_pulumi import validation
from instantly_pulumi.errors import ConfigurationError

__all__ = ["Project", "Shard", "choose"]

_STACK_FILE = re.compile(r"^Pulumi\.(?P<name>[^/]+)\.ya?ml$")


@dataclass(frozen=True)
class Project:
    """A Pulumi project on disk: its root (where ``Pulumi.yaml`` is), name and stack folder."""

    root: Path
    """The directory holding ``Pulumi.yaml``; every stack runs there, as ``pulumi`` would."""
    name: str
    """The project's name (``instantly-clients``)."""
    stack_dir: Path
    """Where the stack files are (``stackConfigDir``, else the root)."""

    @classmethod
    def find(cls, start: Path) -> Project:
        """The project containing ``start`` (this directory or the nearest above with a Pulumi.yaml)."""
        start = start.resolve()
        for folder in (start, *start.parents):
            settings = folder / "Pulumi.yaml"
            if settings.is_file():
                try:
                    doc = yaml.safe_load(settings.read_text()) or {}
                except yaml.YAMLError as exc:
                    raise ConfigurationError(f"{settings} is not valid YAML: {exc}") from None
                if not isinstance(doc, dict) or not doc.get("name"):
                    raise ConfigurationError(f"{settings} has no project name")
                stack_dir = folder / str(doc.get("stackConfigDir") or ".")
                return cls(root=folder, name=str(doc["name"]), stack_dir=stack_dir)
        raise ConfigurationError(
            f"no Pulumi.yaml in {start} or above: run the fleet in the project directory"
        )

    def stack_files(self) -> dict[str, Path]:
        """Every stack with a file, by name (``stacks/Pulumi.acme.yaml`` → ``acme``)."""
        found: dict[str, Path] = {}
        if self.stack_dir.is_dir():
            for path in sorted(self.stack_dir.iterdir()):
                match = _STACK_FILE.match(path.name)
                if match and path.is_file():
                    found.setdefault(match["name"], path)
        return found


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based, as CI matrices count): every count-th stack."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` → the second of four shards; a clear :class:`ConfigurationError` otherwise."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise ConfigurationError(f"--shard {text!r}: give K/N, e.g. 2/4 (the 2nd of 4 shards)")
        index, count = int(match[1]), int(match[2])
        if count < 1 or not 1 <= index <= count:
            raise ConfigurationError(f"--shard {text!r}: K must be between 1 and N (and N at least 1)")
        return cls(index, count)

    def take(self, names: Iterable[str]) -> list[str]:
        """This shard's stacks among ``names`` (sorted; round-robin over the sorted list)."""
        return [name for i, name in enumerate(sorted(set(names))) if i % self.count == self.index - 1]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def choose(project: Project, names: Sequence[str], shard: Shard | None) -> list[str]:
    """The stacks to run: ``names`` (all stack files when empty), then ``shard`` of them.

    A name without a stack file is an error naming the ones that exist.
    """
    files = project.stack_files()
    if names:
        unknown = [n for n in names if n not in files]
        if unknown:
            where = project.stack_dir.relative_to(project.root) if project.stack_dir != project.root else "."
            known = ", ".join(files) or "none"
            hint = validation.did_you_mean(unknown, files)
            raise ConfigurationError(
                f"no stack file for {', '.join(unknown)} in {where}/ (Pulumi.<stack>.yaml); stacks: {known}"
                + (f"; {hint}" if hint else "")
            )
        chosen = sorted(set(names))
    else:
        chosen = sorted(files)
    return shard.take(chosen) if shard else chosen
