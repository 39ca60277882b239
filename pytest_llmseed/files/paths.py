"""Paths as reports and messages show them: relative to the rootdir when under it."""

from __future__ import annotations

import functools
import os
from pathlib import Path


def relative_path(path: Path, root: Path) -> str:
    """``path`` relative to the rootdir when under it (reports stay portable), else as is."""
    # Strings and a cache of resolved directories: this runs for several paths of every test.
    directory, name = os.path.split(os.fspath(path))
    real, base = os.path.join(_real(directory or os.curdir), name), _real(os.fspath(root))
    if real == base or real.startswith(base.rstrip(os.sep) + os.sep):
        return os.path.relpath(real, base)
    return str(path)


@functools.lru_cache(maxsize=256)
def _real(directory: str) -> str:
    return os.path.realpath(directory)
