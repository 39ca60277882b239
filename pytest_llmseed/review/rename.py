"""``llmseed rename OLD NEW``: a renamed test's cassette, goldens and pending changes moved
together to the names its new node id gives them.

Every move is checked before the first is made (confined, of the right kind, nothing in
the way); then every file is written at its new place before any old one is removed, so
an interruption leaves the old set or both, never half of each.
"""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from pytest_llmseed.errors import ConfinementError, RenameError
from pytest_llmseed.files import yamldump, yamlio
from pytest_llmseed.files.confine import Area, require_kind
from pytest_llmseed.files.escape import for_terminal
from pytest_llmseed.files.paths import relative_path
from pytest_llmseed.goldens.fileformat import SUFFIX as GOLDEN_SUFFIX
from pytest_llmseed.report.console import Out
from pytest_llmseed.review import binding


@dataclass(frozen=True)
class Move:
    """One file to move; ``text`` is what is written at ``target`` (a pending change's
    labels name the new test and files)."""

    kind: str
    source: Path
    target: Path
    text: str


def _files(nodeid: str, root: Path, cassette_dirs: Sequence[Path]) -> binding.TestFiles:
    try:
        return binding.files_of(nodeid, root, cassette_dirs)
    except ValueError as exc:
        raise RenameError(None, str(exc)) from None


def plan(old: str, new: str, area: Area) -> list[Move]:
    """Every move renaming ``old`` to ``new``, checked; RenameError says what is in the way."""
    root, dirs = area.bases[0], area.bases[1:]
    before, after = _files(old, root, dirs), _files(new, root, dirs)
    cassette = next((c for c in before.cassettes if c.is_file()), None)
    new_cassette = None
    moves: list[Move] = []
    if cassette is not None:
        index = before.cassettes.index(cassette)
        new_cassette = after.cassettes[0 if index < 2 else index]
        moves.append(Move("cassette", cassette, new_cassette, _read(cassette, area)))
    for golden in _goldens(before):
        suffix = golden.name[len(before.golden_stem) :]
        target = after.golden_dir / (after.golden_stem + suffix)
        if golden.is_file():
            moves.append(Move("golden", golden, target, _read(golden, area)))
        moves += _pending(
            golden,
            target,
            before=before,
            after=after,
            cassettes=(cassette, new_cassette),
            area=area,
        )
    moves = list({move.source: move for move in moves}.values())  # a shared pending cassette
    if not moves:
        raise RenameError(
            None,
            f"nothing to move: no cassette, golden or pending change of {old} "
            f"(looked for {before.cassettes[0]} and {before.golden})",
        )
    for move in moves:
        _check(move, area)
    return moves


def _goldens(test: binding.TestFiles) -> list[Path]:
    """The test's goldens: committed ones, and those only a pending change creates."""
    base = test.module.parent
    pattern = f"{glob.escape(test.golden_stem)}*{GOLDEN_SUFFIX}"
    pending_dir = binding.pending_path(test.golden, pending_dir=None, rootdir=base, base=base)
    names = {p.name for p in test.golden_dir.glob(pattern)}
    names |= {
        p.name.removesuffix(binding.SUFFIX)
        for p in pending_dir.parent.glob(pattern + binding.SUFFIX)
    }
    found = [test.golden_dir / name for name in sorted(names)]
    return [g for g in found if test.owns_golden(Path(os.path.realpath(g)))]


def _read(path: Path, area: Area) -> str:
    try:
        return area.read_text(path, limit=yamlio.MAX_TEXT)
    except ConfinementError as exc:
        raise RenameError(path, f"refused: {exc.problem}; nothing was moved") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RenameError(path, f"cannot be read ({exc}); nothing was moved") from None


def _pending(
    golden: Path,
    target: Path,
    *,
    before: binding.TestFiles,
    after: binding.TestFiles,
    cassettes: tuple[Path | None, Path | None],
    area: Area,
) -> list[Move]:
    """The pending change of ``golden`` (beside the goldens), relabelled for the new test."""
    base, new_base = before.module.parent, after.module.parent
    file = binding.pending_path(golden, pending_dir=None, rootdir=base, base=base)
    if not file.is_file():
        return []
    new_file = binding.pending_path(target, pending_dir=None, rootdir=new_base, base=new_base)
    try:
        data = yamlio.load(_read(file, area))
    except (yaml.YAMLError, yamlio.RefusedYAML):
        data = None
    if not isinstance(data, dict):
        raise RenameError(file, "not a pytest-llmseed pending change; nothing was moved")
    moves = []
    data["test"] = after.nodeid
    cassette, new_cassette = cassettes
    if data.get("cassette") and cassette is not None and new_cassette is not None:
        pending = binding.pending_path(cassette, pending_dir=None, rootdir=base, base=base)
        new_pending = binding.pending_path(
            new_cassette, pending_dir=None, rootdir=new_base, base=new_base
        )
        data["cassette"] = os.path.relpath(new_cassette, target.parent)
        data["cassette_pending"] = os.path.relpath(new_pending, new_file.parent)
        if pending.is_file():
            moves.append(Move("pending", pending, new_pending, _read(pending, area)))
    return [Move("pending", file, new_file, yamldump.dump(data)), *moves]


def _check(move: Move, area: Area) -> None:
    try:
        real = area.resolve(move.target)
        if move.kind != "pending":
            require_kind(move.target, real, move.kind, area)
    except ConfinementError as exc:
        raise RenameError(move.target, f"refused: {exc.problem}; nothing was moved") from None
    if os.path.lexists(real):
        raise RenameError(
            move.target,
            f"is in the way (the new test's {move.kind} exists already): move or delete it "
            "first; nothing was moved",
        )


def apply(moves: list[Move], area: Area) -> None:
    """Write every new file, then remove every old one (and pending folders left empty)."""
    done: set[Path] = set()
    for move in moves:
        if move.target not in done:  # two goldens share one pending cassette
            area.write_text(move.target, move.text)
            done.add(move.target)
    for move in moves:
        area.delete(move.source)
    for move in moves:
        if move.kind == "pending":
            _prune(move.source.parent, area)


def _prune(directory: Path, area: Area) -> None:
    for folder in (directory, *directory.parents):
        if not folder.is_dir() or any(folder.iterdir()):
            return
        area.resolve(folder).rmdir()
        if folder.name == binding.DIRNAME:
            return


def rename_command(old: str, new: str, area: Area, out: Out) -> int:
    """``llmseed rename``: the moves made, one line each; 2 and why when nothing was moved."""
    try:
        moves = plan(old, new, area)
        apply(moves, area)
    except RenameError as exc:
        out.stream.flush()
        print(f"llmseed: {for_terminal(str(exc))}", file=sys.stderr)
        return 2
    for move in moves:
        root = area.bases[0]
        shown = f"{relative_path(move.source, root)} -> {relative_path(move.target, root)}"
        out.line(f"moved {move.kind + ':':9} {for_terminal(shown)}")
    out.line(f"renamed {for_terminal(old)} to {for_terminal(new)} ({len(moves)} file(s))", "bold")
    return 0
