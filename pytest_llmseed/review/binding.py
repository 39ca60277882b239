"""A change bound to its test: the golden and cassette files a test's node id names.

A pending change says which test it is for; an artifact can say anything. Its files are
therefore worked out from the node id with the plugin's own naming (syrupy's golden name,
the cassette's name beside it), and a change whose files are not that test's is refused.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_llmseed.cassettes import naming
from pytest_llmseed.files.confine import GOLDEN_DIRNAME
from pytest_llmseed.goldens.fileformat import SUFFIX as GOLDEN_SUFFIX

SUFFIX = ".llmseed-pending"
DIRNAME = ".llmseed-pending"


def pending_path(target: Path, *, pending_dir: Path | None, rootdir: Path, base: Path) -> Path:
    """Where the pending version of ``target`` (a golden or a cassette) is written.

    ``base`` is the test module's directory: by default pending files mirror their target
    under ``base/.llmseed-pending/``; with ``pending_dir`` they mirror it from the rootdir.
    """
    anchor, root = (pending_dir, rootdir) if pending_dir is not None else (base / DIRNAME, base)
    try:
        relative = target.resolve().relative_to(root.resolve())
    except ValueError:
        # Outside the base: keep the absolute layout so nothing collides.
        relative = Path(*target.resolve().parts[1:])
    return anchor / relative.parent / (relative.name + SUFFIX)


@dataclass(frozen=True)
class TestFiles:
    """Where one test's golden(s) and cassette live, as its node id names them."""

    __test__ = False  # not a test class, whatever pytest's collection thinks of the name

    nodeid: str
    module: Path
    golden_dir: Path
    golden_stem: str
    """syrupy's name for the test's first assertion; later ones add ``.1``, ``.name``."""
    cassettes: tuple[Path, ...]
    """Its cassette: the default place first, the earlier name, each ``--cassette-dir``."""

    @property
    def golden(self) -> Path:
        """The golden of the test's first assertion."""
        return self.golden_dir / f"{self.golden_stem}{GOLDEN_SUFFIX}"

    def owns_golden(self, golden: Path) -> bool:
        """``golden`` (resolved) is one of this test's: its folder, its name (``.N`` after)."""
        if not golden.name.endswith(GOLDEN_SUFFIX) or golden.parent != _real(self.golden_dir):
            return False
        stem = golden.name[: -len(GOLDEN_SUFFIX)]
        return stem == self.golden_stem or stem.startswith(self.golden_stem + ".")

    def owns_cassette(self, cassette: Path) -> bool:
        """``cassette`` (resolved) is where this test's cassette is."""
        return any(cassette == _real(c) for c in self.cassettes)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def split_nodeid(nodeid: str) -> tuple[str, list[str]]:
    """A node id's file and its names (classes, then the test with its parameters), split
    as syrupy splits it; ValueError for what is not a test's node id."""
    file, _sep, rest = nodeid.partition("::")
    names = rest.split("::") if rest else []
    if not file.endswith(".py") or not names or not all(names):
        raise ValueError(f"{nodeid!r} is not a test's node id (path/test_file.py::test_name)")
    return file, names


def root_of(nodeid: str, golden: Path) -> Path | None:
    """The rootdir under which ``nodeid``'s module keeps ``golden`` (resolved), if it does:
    node ids are relative to pytest's rootdir, which ``llmseed`` may be run below."""
    file = Path(split_nodeid(nodeid)[0])
    snapshots = golden.parent.parent
    if snapshots.name != GOLDEN_DIRNAME or golden.parent.name != file.stem:
        return None
    root, parts = snapshots.parent, file.parent.parts
    if parts and root.parts[-len(parts) :] != parts:
        return None
    return Path(*root.parts[: len(root.parts) - len(parts)])


def files_of(nodeid: str, root: Path, cassette_dirs: Sequence[Path] = ()) -> TestFiles:
    """The files a test's node id names (relative to ``root``, the project's rootdir)."""
    file, names = split_nodeid(nodeid)
    module = root / file
    # syrupy names a golden after every class around the test; the cassette after the
    # innermost class only (the name pytest-recording gave it).
    golden_stem = naming.cassette_name(".".join(names[:-1]) or None, names[-1])
    cls = names[-2] if len(names) > 1 else None
    cassettes = list(naming.cassette_names(module, cls, names[-1], None))
    cassettes += [naming.cassette_names(module, cls, names[-1], Path(d))[0] for d in cassette_dirs]
    return TestFiles(
        nodeid=nodeid,
        module=module,
        golden_dir=module.parent / GOLDEN_DIRNAME / module.stem,
        golden_stem=golden_stem,
        cassettes=tuple(dict.fromkeys(cassettes)),
    )
