"""Pending changes: a received golden (and the cassette re-recorded with it) awaiting review.

Pending files wait in a ``.llmseed-pending/`` directory beside the test module's
``__snapshots__/`` and ``cassettes/``, at the same relative path as the file they would
replace plus ``.llmseed-pending`` (with ``--llmseed-pending-dir DIR``: under DIR at the path
relative to the rootdir, for upload as a CI artifact). syrupy never sees them: it only scans
``__snapshots__/``, where an unknown file would count as an unused snapshot.

A pending golden is a small YAML mapping: the test id, the triage line, the received golden
text and, when the run recorded live, where the re-recorded cassette waits (relative to this
file) and where it goes (relative to the golden). Accepting applies both, rejecting discards
both.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import PendingError
from ..files import yamlio
from ..files.atomic import atomic_write_text
from ..goldens.fileformat import SUFFIX as GOLDEN_SUFFIX

SUFFIX = ".llmseed-pending"
DIRNAME = ".llmseed-pending"
GOLDEN_GLOB = f"*{GOLDEN_SUFFIX}{SUFFIX}"
FORMAT_VERSION = 1


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
) -> Path:
    """Record one received golden awaiting review; returns the file written."""
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
    atomic_write_text(path, yamlio.dump(data))
    return path


@dataclass(frozen=True)
class PendingChange:
    """One pending golden as found on disk, with the files it would change."""

    file: Path
    test: str
    triage: str
    received: str
    golden: Path
    """The golden this change replaces (may not exist yet: a new golden)."""
    cassette: Path | None
    """The cassette re-recorded with it, if any."""
    cassette_pending: Path | None

    @property
    def current(self) -> str | None:
        """The golden's text today, or None when the change creates it."""
        try:
            return self.golden.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None


def _target(file: Path, source: Path | None, root: Path) -> Path:
    """The golden a pending file stands for: mirrored from its ``.llmseed-pending`` anchor."""
    relative_name = file.name[: -len(SUFFIX)]
    if source is not None:
        return root / file.parent.relative_to(source) / relative_name
    for anchor in file.parents:
        if anchor.name == DIRNAME:
            return anchor.parent / file.parent.relative_to(anchor) / relative_name
    raise PendingError(f"not inside a {DIRNAME}/ directory; use --from DIR", file)


def load(file: Path, *, source: Path | None = None, root: Path | None = None) -> PendingChange:
    """Read a pending golden file; PendingError says what is wrong with it."""
    root = root or Path.cwd()
    try:
        data = yamlio.load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PendingError(f"cannot read this pending change ({exc})", file) from None
    if not isinstance(data, dict) or not isinstance(data.get("received"), str):
        raise PendingError("not a pytest-llmseed pending change; delete it", file)
    if not isinstance(data.get("llmseed_pending"), int) or data["llmseed_pending"] > FORMAT_VERSION:
        raise PendingError("written by a newer pytest-llmseed; upgrade to review it", file)
    golden = _target(file, source, root)
    cassette = cassette_pending = None
    if data.get("cassette"):
        cassette = Path(os.path.normpath(golden.parent / str(data["cassette"])))
    if data.get("cassette_pending"):
        cassette_pending = Path(os.path.normpath(file.parent / str(data["cassette_pending"])))
    return PendingChange(
        file=file,
        test=str(data.get("test", "?")),
        triage=str(data.get("triage", "")),
        received=data["received"],
        golden=golden,
        cassette=cassette,
        cassette_pending=cassette_pending,
    )


def find(
    paths: Iterable[Path], *, source: Path | None = None, root: Path | None = None
) -> list[PendingChange]:
    """Every pending golden under ``paths`` (or under ``source`` for a CI artifact), sorted."""
    bases = [source] if source is not None else list(paths)
    files: set[Path] = set()
    for base in bases:
        if base.is_file() and base.name.endswith(SUFFIX):
            files.add(base)
        elif base.is_dir():
            files.update(
                p
                for p in base.rglob(GOLDEN_GLOB)
                if ".git" not in p.parts and (source is not None or DIRNAME in p.parts)
            )
    changes = [load(f, source=source, root=root) for f in sorted(files)]
    return sorted(changes, key=lambda c: (c.test, str(c.golden)))


def accept(change: PendingChange) -> None:
    """Apply the received golden and its cassette, then drop the pending files."""
    atomic_write_text(change.golden, change.received)
    change.file.unlink(missing_ok=True)
    if (
        change.cassette is not None
        and change.cassette_pending is not None
        and change.cassette_pending.exists()
    ):
        text = change.cassette_pending.read_text(encoding="utf-8")
        atomic_write_text(change.cassette, text)
        change.cassette_pending.unlink()
        _prune(change.cassette_pending.parent)
    _prune(change.file.parent)


def reject(change: PendingChange, *, keep_cassette: bool = False) -> None:
    """Discard the received golden and the cassette recorded with it."""
    if change.cassette_pending is not None and not keep_cassette:
        change.cassette_pending.unlink(missing_ok=True)
        _prune(change.cassette_pending.parent)
    change.file.unlink(missing_ok=True)
    _prune(change.file.parent)


def _prune(directory: Path) -> None:
    """Remove folders left empty inside a ``.llmseed-pending`` directory (and it, if empty)."""
    if not any(p.name == DIRNAME for p in (directory, *directory.parents)):
        return  # a --from artifact directory: not ours to tidy
    for folder in (directory, *directory.parents):
        if not folder.is_dir() or any(folder.iterdir()):
            return
        folder.rmdir()
        if folder.name == DIRNAME:
            return
