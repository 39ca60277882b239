"""Pending changes written during a run: where each goes, and writing one.

The format is ``pending``'s (its module docstring describes the files); this is the side
the plugin uses while tests run, ``pending`` the side ``llmseed`` reads and applies.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pytest_llmseed.errors import SecretLeakError
from pytest_llmseed.files import confine, yamldump
from pytest_llmseed.redaction import secrets as scrub
from pytest_llmseed.review.pending import DIRNAME, FORMAT_VERSION, SUFFIX


def _under(path: Path, base: Path) -> Path | None:
    try:
        return path.resolve().relative_to(base.resolve())
    except ValueError:
        return None


def pending_path(target: Path, *, pending_dir: Path | None, rootdir: Path, base: Path) -> Path:
    """Where the pending version of ``target`` (a golden or a cassette) is written.

    ``base`` is the test module's directory: by default pending files mirror their target
    under ``base/.llmseed-pending/``; with ``pending_dir`` they mirror it from the rootdir.
    """
    anchor, root = (pending_dir, rootdir) if pending_dir is not None else (base / DIRNAME, base)
    relative = _under(target, root)
    if relative is None:
        # Outside the base: keep the absolute layout so nothing collides.
        relative = Path(*target.resolve().parts[1:])
    return anchor / relative.parent / (relative.name + SUFFIX)


def write_pending_golden(
    *,
    golden: Path,
    received: str,
    nodeid: str,
    triage: str,
    cassette: Path | None,
    cassette_pending: Path | None,
    pending_dir: Path | None,
    rootdir: Path,
    base: Path,
    secrets: list[str] | None = None,
) -> Path:
    """Record one received golden awaiting review; returns the file written.

    A file that would still hold one of ``secrets`` is refused (``SecretLeakError``).
    """
    path = pending_path(golden, pending_dir=pending_dir, rootdir=rootdir, base=base)
    data: dict[str, Any] = {
        "llmseed_pending": FORMAT_VERSION,
        "test": nodeid,
        "triage": triage,
        "cassette": os.path.relpath(cassette, golden.parent) if cassette else None,
        "cassette_pending": (
            os.path.relpath(cassette_pending, path.parent) if cassette_pending else None
        ),
        "received": received,
    }
    text = yamldump.dump(data)
    if secrets and scrub.leaks(text, secrets):
        raise SecretLeakError(path, "the pending change")
    return confine.project().write_text(path, text)
