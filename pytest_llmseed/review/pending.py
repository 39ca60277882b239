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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pytest_llmseed.errors import CassetteFileError, ConfinementError, GoldenFileError, PendingError
from pytest_llmseed.files import yamlio
from pytest_llmseed.files.confine import Area, relative, require_kind
from pytest_llmseed.goldens.fileformat import SUFFIX as GOLDEN_SUFFIX
from pytest_llmseed.review import binding
from pytest_llmseed.review.binding import DIRNAME, SUFFIX

__all__ = ["DIRNAME", "SUFFIX", "PendingChange", "Project"]

GOLDEN_GLOB = f"*{GOLDEN_SUFFIX}{SUFFIX}"
FORMAT_VERSION = 1
MAX_GOLDEN = 8 * 1024 * 1024
"""Largest received golden accepted, in characters (a golden is a few KB)."""


@dataclass(frozen=True)
class Project:
    """Where a review reads pending files from and writes their targets to, confined."""

    targets: Area
    """The project root first, then the cassette folders named on the command line."""
    sources: Area
    """The artifact (``--from``), else the project root (pending files in ``.llmseed-pending``)."""
    from_artifact: bool

    @classmethod
    def at(cls, root: Path, *, source: Path | None, cassette_dirs: Sequence[Path] = ()) -> Project:
        """The project at ``root``, its pending changes in ``source`` or beside the goldens."""
        targets = Area([root, *(root / d for d in cassette_dirs)])
        if source is None:
            return cls(targets, Area([root]), from_artifact=False)
        return cls(targets, Area([source], name="the artifact (--from)"), from_artifact=True)


@dataclass(frozen=True)
class PendingChange:
    """One pending golden as found on disk, with the files it would change (all confined)."""

    file: Path
    test: str
    triage: str
    received: str
    golden: Path
    """The golden this change replaces (may not exist yet: a new golden)."""
    cassette: Path | None
    """The cassette re-recorded with it, if any."""
    cassette_pending: Path | None
    project: Project = field(compare=False, repr=False)

    @property
    def current(self) -> str | None:
        """The golden's text today, or None when the change creates it."""
        try:
            return self.project.targets.read_text(self.golden, limit=yamlio.MAX_TEXT)
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
    raise PendingError(file, f"not inside a {DIRNAME}/ directory; use --from DIR")


def _read(file: Path, project: Project) -> dict[str, Any]:
    real = project.sources.resolve(file)
    if not project.from_artifact and DIRNAME not in real.parts:
        raise ConfinementError(file, f"it is not inside a {DIRNAME}/ directory")
    try:
        data = yamlio.load(project.sources.read_text(file, limit=yamlio.MAX_TEXT))
    except UnicodeDecodeError:
        raise PendingError(file, "cannot read this pending change (it is not UTF-8 text)") from None
    except (OSError, yaml.YAMLError) as exc:
        raise PendingError(file, f"cannot read this pending change ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("received"), str):
        raise PendingError(file, "not a pytest-llmseed pending change; delete it")
    if not isinstance(data.get("llmseed_pending"), int) or data["llmseed_pending"] > FORMAT_VERSION:
        raise PendingError(file, "written by a newer pytest-llmseed; upgrade to review it")
    return data


def load(file: Path, project: Project, *, root: Path, source: Path | None = None) -> PendingChange:
    """Read a pending golden file; PendingError says what is wrong with it (or refused).

    Its golden, cassette and pending cassette are the files its test's node id names
    (``binding``): a change whose files belong to another test is refused.
    """
    try:
        data = _read(file, project)
        golden = project.targets.resolve(_target(file, source, root))
        require_kind(golden, golden, "golden", project.targets)
        test = data.get("test")
        bound = _bound(test, golden, project)
        cassette = cassette_pending = None
        if data.get("cassette") or data.get("cassette_pending"):
            joined = golden.parent / relative(data.get("cassette"), "'cassette'")
            cassette = project.targets.resolve(Path(os.path.normpath(joined)))
            require_kind(cassette, cassette, "cassette", project.targets)
            if not bound.owns_cassette(cassette):
                raise ConfinementError(
                    cassette, f"it is not the cassette of {test} (that is {bound.cassettes[0]})"
                )
            cassette_pending = _pending_cassette(
                file, cassette=cassette, data=data, project=project, root=root, source=source
            )
        change = PendingChange(
            file=file,
            test=str(test),
            triage=str(data.get("triage", "")),
            received=data["received"],
            golden=golden,
            cassette=cassette,
            cassette_pending=cassette_pending,
            project=project,
        )
        check_content(change)
    except ConfinementError as exc:
        raise PendingError(file, f"nothing of this change is applied: {exc}") from None
    return change


def _bound(test: object, golden: Path, project: Project) -> binding.TestFiles:
    """The files of the test the change names, once its golden is checked to be one."""
    try:
        if not isinstance(test, str):
            raise ValueError("it names no test")
        root = binding.root_of(test, golden) or project.targets.bases[0]
        bound = binding.files_of(test, root, project.targets.bases[1:])
    except ValueError as exc:
        raise ConfinementError(None, f"its test label is not usable ({exc})") from None
    if not bound.owns_golden(golden):
        raise ConfinementError(
            golden,
            f"it is not a golden of {test} (that is {bound.golden}): file and label disagree",
        )
    return bound


def _pending_cassette(
    file: Path,
    *,
    cassette: Path,
    data: dict[str, Any],
    project: Project,
    root: Path,
    source: Path | None,
) -> Path:
    """Where the cassette recorded with the change waits: beside it as the run put it,
    checked against what the file says; a missing one refuses the whole change."""
    if source is not None:
        base = project.targets.bases[0]
        derived = binding.pending_path(cassette, pending_dir=source, rootdir=base, base=base)
    else:
        anchor = next(p for p in file.parents if p.name == DIRNAME)
        derived = binding.pending_path(cassette, pending_dir=None, rootdir=root, base=anchor.parent)
    derived = project.sources.resolve(derived)
    joined = file.parent / relative(data.get("cassette_pending"), "'cassette_pending'")
    if project.sources.resolve(Path(os.path.normpath(joined))) != derived:
        raise ConfinementError(None, f"its pending cassette should be {derived}, not {joined}")
    if not derived.is_file():
        raise ConfinementError(
            None,
            f"its pending cassette {derived} is missing (the golden was recorded with it): "
            "copy the whole artifact, or run the test again to record both",
        )
    return derived


def check_content(change: PendingChange) -> str | None:
    """Refuse a received golden that is not a golden, a pending cassette not a cassette.

    Returns the pending cassette's text (None when the change has none).
    """
    from pytest_llmseed.cassettes.storage import check_cassette_text
    from pytest_llmseed.goldens.fileformat import load_golden

    if len(change.received) > MAX_GOLDEN:
        raise ConfinementError(None, f"the received golden is larger than {MAX_GOLDEN} bytes")
    try:
        load_golden(change.received)
    except GoldenFileError as exc:
        raise ConfinementError(None, f"the received text is not a golden ({exc})") from None
    if change.cassette_pending is None or not change.cassette_pending.exists():
        return None
    try:
        text = change.project.sources.read_text(change.cassette_pending, limit=yamlio.MAX_TEXT)
    except (OSError, UnicodeDecodeError) as exc:
        problem = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror
        raise ConfinementError(None, f"the pending cassette cannot be read ({problem})") from None
    try:
        check_cassette_text(change.cassette_pending, text)
    except CassetteFileError as exc:
        problem = f"the pending cassette is not a cassette ({exc.problem})"
        raise ConfinementError(None, problem) from None
    return text


def find(
    paths: Iterable[Path], project: Project, *, root: Path, source: Path | None = None
) -> Found:
    """Every pending golden under ``paths`` (or ``source``, an artifact), sorted, and the
    files that cannot be reviewed, each with its error."""
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
    found = Found([], [])
    for file in sorted(files):
        try:
            found.changes.append(load(file, project, root=root, source=source))
        except PendingError as exc:
            found.errors.append(exc)
    found.changes.sort(key=lambda c: (c.test, str(c.golden)))
    return found


@dataclass
class Found:
    """What ``find`` gives: the changes to review and the pending files refused or unreadable."""

    changes: list[PendingChange]
    errors: list[PendingError]


def find_in_artifacts(
    sources: Sequence[Path], *, root: Path, cassette_dirs: Sequence[Path] = ()
) -> Found:
    """Every pending golden of several artifacts (CI shards' ``--llmseed-pending-dir``).

    Each test runs in one shard, so two artifacts never change the same golden; if they
    do with different text, which one to apply is the reviewer's call: PendingError.
    """
    found = Found([], [])
    by_golden: dict[Path, PendingChange] = {}
    for source in sources:
        project = Project.at(root, source=source, cassette_dirs=cassette_dirs)
        part = find([], project, root=root, source=source)
        found.errors += part.errors
        for change in part.changes:
            seen = by_golden.setdefault(change.golden, change)
            if seen is not change and seen.received != change.received:
                raise PendingError(
                    change.file,
                    f"two artifacts change the golden {change.golden} differently "
                    f"(the other one: {seen.file}); review them one --from at a time",
                )
    found.changes = sorted(by_golden.values(), key=lambda c: (c.test, str(c.golden)))
    return found


def accept(change: PendingChange, *, keep_cassette: bool = False) -> None:
    """Apply the received golden and its cassette (checked again), then drop the pending files
    (the pending cassette stays while ``keep_cassette``: another golden of the test needs it)."""
    targets, sources = change.project.targets, change.project.sources
    try:
        cassette_text = check_content(change)
        if change.cassette_pending is not None and cassette_text is None:
            raise ConfinementError(change.cassette_pending, "this pending cassette is missing")
    except ConfinementError as exc:
        raise PendingError(change.file, f"nothing of this change is applied: {exc}") from None
    targets.write_text(change.golden, change.received)
    sources.delete(change.file)
    if change.cassette is not None and change.cassette_pending is not None and cassette_text:
        targets.write_text(change.cassette, cassette_text)
        if not keep_cassette:
            sources.delete(change.cassette_pending)
            _prune(change.cassette_pending.parent, sources)
    _prune(change.file.parent, sources)


def reject(change: PendingChange, *, keep_cassette: bool = False) -> None:
    """Discard the received golden and the cassette recorded with it."""
    sources = change.project.sources
    if change.cassette_pending is not None and not keep_cassette:
        sources.delete(change.cassette_pending)
        _prune(change.cassette_pending.parent, sources)
    sources.delete(change.file)
    _prune(change.file.parent, sources)


def _prune(directory: Path, sources: Area) -> None:
    """Remove folders left empty inside a ``.llmseed-pending`` directory (and it, if empty)."""
    if not any(p.name == DIRNAME for p in (directory, *directory.parents)):
        return  # a --from artifact directory: not ours to tidy
    for folder in (directory, *directory.parents):
        if not folder.is_dir() or any(folder.iterdir()):
            return
        sources.resolve(folder).rmdir()
        if folder.name == DIRNAME:
            return
