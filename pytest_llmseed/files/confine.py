"""Confinement: every file the plugin and ``llmseed`` read, write or delete goes through here.

Pending changes, cassettes and goldens can come from a pull request (its branch, its CI
artifact): their paths are untrusted. A path is resolved (symlinks included) and must stay
inside one of the allowed directories (the project root and the directories the command
line or ini file chose), out of ``.git/``, and for a target inside the folder of its kind
(``__snapshots__/`` for goldens). Files are written with ordinary modes: no execute bit is
ever carried over from a file replaced.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_llmseed.errors import ConfinementError

GOLDEN_DIRNAME = "__snapshots__"
CASSETTE_DIRNAME = "cassettes"
_FORBIDDEN_DIRNAMES = (".git",)


def _refused(path: Path | None, why: str) -> ConfinementError:
    # Imported on the way to a refusal: every pytest start-up imports this module (the
    # plugin sets the project's area), and most runs never refuse a path or write a file.
    from pytest_llmseed.errors import ConfinementError

    return ConfinementError(path, why)


class Area:
    """The directories files may be read from, written to or deleted in."""

    def __init__(self, bases: Iterable[Path], *, name: str = "the project") -> None:
        self.bases = tuple(dict.fromkeys(Path(os.path.realpath(b)) for b in bases))
        self.name = name
        self._prefixes = tuple((str(base), os.path.join(str(base), "")) for base in self.bases)
        # Each directory's real path, worked out once: every test reads files (its cassette,
        # its golden) in directories other tests share, and resolving every part of their
        # paths again would lstat each part each time. The files themselves are checked on
        # every call.
        self._real_dirs: dict[str, str] = {}

    def resolve(self, path: Path) -> Path:
        """``path`` with every symlink resolved; ConfinementError if it leaves the area."""
        return self._check(path, self._realpath(os.fspath(path)))

    def resolve_parent(self, path: Path) -> Path:
        """``path`` with its directory resolved, the last part kept (to delete a link itself)."""
        real = os.path.join(self._real_dir(os.path.abspath(path.parent)), path.name)
        return self._check(path, real)

    def _real_dir(self, directory: str) -> str:
        real = self._real_dirs.get(directory)
        if real is None:
            if len(self._real_dirs) >= 4096:
                self._real_dirs.clear()
            real = self._real_dirs[directory] = os.path.realpath(directory)
        return real

    def _realpath(self, path: str) -> str:
        """``os.path.realpath(path)``, with the directory's part remembered (by its
        absolute path: a test may change the working directory)."""
        directory, name = os.path.split(os.path.abspath(path))
        if name in ("", os.curdir, os.pardir):
            return os.path.realpath(path)
        real = os.path.join(self._real_dir(directory), name)
        try:
            link = stat.S_ISLNK(os.lstat(real).st_mode)
        except OSError:
            return real  # not there (yet): nothing to follow, as realpath says too
        return os.path.realpath(real) if link else real

    def _check(self, path: Path, real: str) -> Path:
        for base, prefix in self._prefixes:
            if real == base:
                relative = ""
            elif real.startswith(prefix):
                relative = real[len(prefix) :]
            else:
                continue
            if any(part in _FORBIDDEN_DIRNAMES for part in relative.split(os.sep)):
                raise _refused(path, "it is inside .git/")
            return Path(real)
        shown = f" (it resolves to {real})" if real != os.path.abspath(path) else ""
        raise _refused(path, f"it is outside {self.name}{shown}")

    def write_text(self, path: Path, text: str) -> Path:
        """Write ``text`` atomically at ``path``, once it is confined; returns the real path."""
        from pytest_llmseed.files.atomic import atomic_write_text  # see _refused

        real = self.resolve(path)
        atomic_write_text(real, text)
        return real

    def read_text(self, path: Path, *, limit: int) -> str:
        """The UTF-8 text of a confined file of at most ``limit`` bytes."""
        real = self.resolve(path)
        with open(real, encoding="utf-8") as handle:
            if os.fstat(handle.fileno()).st_size > limit:
                raise _refused(path, f"it is larger than {limit // (1024 * 1024)} MB")
            return handle.read()

    def delete(self, path: Path) -> None:
        """Remove ``path`` (a symlink itself, never what it points to) if it is confined."""
        self.resolve_parent(path).unlink(missing_ok=True)


def relative(stored: object, field: str) -> Path:
    """A relative path read from an untrusted file; absolute ones (or odd values) refused."""
    if not isinstance(stored, str) or not stored or "\0" in stored:
        raise _refused(None, f"{field} is not a path")
    if PurePosixPath(stored).is_absolute() or PureWindowsPath(stored).drive or stored[0] in "\\/":
        raise _refused(None, f"{field} is an absolute path ({stored!r})")
    return Path(stored)


def require_kind(path: Path, real: Path, kind: str, area: Area) -> None:
    """Refuse a golden target outside ``__snapshots__/``, a cassette outside its folders.

    ``kind`` is ``golden`` or ``cassette``; ``area.bases`` after the first are the cassette
    folders the command line named (any folder named ``cassettes`` is one too).
    """
    root = area.bases[0]
    parts = real.relative_to(root).parts if real.is_relative_to(root) else real.parts
    if kind == "golden":
        if GOLDEN_DIRNAME not in parts[:-1] or not real.name.endswith(".llm.yaml"):
            raise _refused(
                path, f"a golden must be a *.llm.yaml file inside a {GOLDEN_DIRNAME}/ folder"
            )
        return
    in_named = CASSETTE_DIRNAME in parts[:-1]
    in_chosen = any(real.is_relative_to(base) for base in area.bases[1:])
    if not real.name.endswith(".yaml") or real.name.endswith(".llm.yaml"):
        raise _refused(path, "a cassette must be a *.yaml file (not a golden)")
    if not (in_named or in_chosen):
        raise _refused(
            path,
            f"a cassette must be inside a {CASSETTE_DIRNAME}/ folder "
            "(or the folder given with --cassette-dir)",
        )


_PROJECT: list[Area] = []


def set_project(area: Area | None) -> None:
    """Make ``area`` the one the plugin's own reads and writes are confined to (per run)."""
    _PROJECT[:] = [area] if area is not None else []


def project() -> Area:
    """The running session's area; the current directory outside a pytest-llmseed run."""
    return _PROJECT[0] if _PROJECT else Area([Path.cwd()])
