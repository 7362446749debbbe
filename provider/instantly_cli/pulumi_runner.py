"""Run the real Pulumi CLI in an isolated, offline environment, and find it.

The demo, the end-to-end tests and the benchmarks drive ``pulumi`` the same
way: a private ``PULUMI_HOME``, a ``file://`` backend in a folder of their own,
passphrase secrets, no update checks, no plugin downloads, and
``--non-interactive`` on every call. :class:`PulumiCLI` owns that setup so no
caller repeats it. (The fleet runs in the user's own environment and backend;
it only uses :func:`find_pulumi_bin`.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PulumiCLI", "PulumiError", "find_pulumi_bin"]

# Commands that change or may change state need --yes to run unattended.
_NEEDS_YES = {"up", "refresh", "destroy", "import"}


def file_backend_url(folder: Path) -> str:
    """The ``file://`` URL of a state folder, without the sidecar files that a kill can tear.

    Pulumi's local backend (gocloud's ``fileblob``) writes a ``<stack>.json.attrs`` sidecar beside
    each checkpoint *without* the temp-file-and-rename it uses for the checkpoint itself, so a run
    killed during that write leaves it empty and every later command fails with ``failed to load
    checkpoint: EOF``. ``metadata=skip`` tells ``fileblob`` not to write sidecars at all (Pulumi reads
    checkpoints without them). docs/reliability.md, and the README's ``pulumi login``.
    """
    return folder.resolve().as_uri() + "?metadata=skip"


class PulumiError(RuntimeError):
    """A ``pulumi`` command exited non-zero; carries its output for the report."""

    def __init__(self, args: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        tail = (stderr.strip() or stdout.strip())[-2000:]
        super().__init__(f"`pulumi {' '.join(args)}` exited with {returncode}:\n{tail}")


def find_pulumi_bin(repo_root: Path | None = None) -> Path | None:
    """Return the directory holding the ``pulumi`` CLI to use.

    Prefers the folder recorded by ``make cli`` (``.tools/pulumi-bin-dir``),
    then a ``pulumi`` on PATH; ``None`` when neither exists.
    """
    root = repo_root or Path(__file__).resolve().parents[2]
    recorded = root / ".tools" / "pulumi-bin-dir"
    if recorded.is_file():
        candidate = Path(recorded.read_text().strip())
        if (candidate / "pulumi").is_file():
            return candidate
    on_path = shutil.which("pulumi")
    return Path(on_path).parent if on_path else None


@dataclass
class PulumiCLI:
    """One isolated Pulumi environment rooted at ``state_dir``.

    ``project_dir`` holds ``Pulumi.yaml``; ``state_dir`` receives the
    ``file://`` backend (``backend/``) and ``PULUMI_HOME`` (``home/``).
    ``env`` adds or overrides environment variables for every call (for
    example ``INSTANTLY_BASE_URL``). The repr shows neither the passphrase
    nor ``env`` (which may hold an API key or a backend URL's password).
    """

    project_dir: Path
    state_dir: Path
    passphrase: str = field(repr=False)
    bin_dir: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.bin_dir = self.bin_dir or find_pulumi_bin()
        if self.bin_dir is None:
            raise FileNotFoundError("no Pulumi CLI found: run `make cli` (builds it from Go modules)")
        (self.state_dir / "backend").mkdir(parents=True, exist_ok=True)
        (self.state_dir / "home").mkdir(parents=True, exist_ok=True)

    @property
    def backend_url(self) -> str:
        """The ``file://`` URL of this environment's state backend."""
        return file_backend_url(self.state_dir / "backend")

    def environment(self) -> dict[str, str]:
        """The full process environment a ``pulumi`` call runs with."""
        env = dict(os.environ)
        env.update(
            {
                "PATH": f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}",
                "PULUMI_HOME": str((self.state_dir / "home").resolve()),
                "PULUMI_BACKEND_URL": self.backend_url,
                "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_SKIP_CONFIRMATIONS": "true",
                "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
                "NO_COLOR": "1",
            }
        )
        # A passphrase file from the caller's shell would override ours.
        env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
        env.pop("PULUMI_ACCESS_TOKEN", None)
        env.update(self.env)
        return env

    def run(
        self,
        *args: str,
        stack: str | None = None,
        check: bool = True,
        stdin: str | None = None,
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``pulumi <args>`` non-interactively and return the finished process.

        ``stack`` adds ``--stack``; ``check`` raises :class:`PulumiError` on a
        non-zero exit.
        """
        argv = [*args, "--non-interactive"]
        if args and args[0] in _NEEDS_YES:
            argv.append("--yes")
        if stack is not None:
            argv += ["--stack", stack]
        proc = subprocess.run(
            [str(Path(str(self.bin_dir)) / "pulumi"), *argv],
            cwd=self.project_dir,
            env=self.environment(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise PulumiError(argv, proc.returncode, proc.stdout, proc.stderr)
        return proc

    def ensure_stack(self, stack: str) -> None:
        """Select ``stack``, creating it in this backend if it does not exist yet (one CLI call)."""
        self.run("stack", "select", "--create", stack)
