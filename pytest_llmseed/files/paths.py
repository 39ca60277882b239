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
    if real == base:
        return os.curdir
    # Both are real paths: under the root, the rest of the string is the relative path
    # (os.path.relpath would normalize both again, for the same answer).
    prefix = base.rstrip(os.sep) + os.sep
    if real.startswith(prefix):
        return real[len(prefix) :]
    return str(path)


@functools.lru_cache(maxsize=256)
def _real(directory: str) -> str:
    return os.path.realpath(directory)
