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
from pytest_llmseed.review.binding import pending_path
from pytest_llmseed.review.pending import FORMAT_VERSION


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
