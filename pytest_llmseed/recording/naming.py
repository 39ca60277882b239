"""Where a test's cassette lives, and which cassettes no collected test uses."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

# Characters pytest-recording replaces, so migrated cassettes keep their names.
_FORBIDDEN = re.compile(r"[<>?%*:|\"'/\\\x00-\x1f\x7f]")
_MAX_NAME = 150


def cassette_name(class_name: str | None, test_name: str) -> str:
    """``Class.test[param]`` with characters unsafe in file names replaced, as pytest-recording."""
    name = f"{class_name}.{test_name}" if class_name else test_name
    name = _FORBIDDEN.sub("-", name)
    if len(name) > _MAX_NAME:
        # Keep long parametrized ids unique and within file-system limits.
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        name = f"{name[: _MAX_NAME - 11]}-{digest}"
    return name


def cassette_path(
    test_file: Path, class_name: str | None, test_name: str, cassette_dir: Path | None
) -> Path:
    """``<dir>/cassettes/<module>/<test name>.yaml``, or under ``cassette_dir`` if given."""
    base = cassette_dir if cassette_dir is not None else test_file.parent / "cassettes"
    return base / test_file.stem / f"{cassette_name(class_name, test_name)}.yaml"


def unused_cassettes(
    directories: dict[Path, str],
    *,
    expected: set[Path],
    skip_modules: set[str],
    rootdir: Path,
) -> list[str]:
    """Cassettes in the modules' default directories that no collected test uses.

    ``directories`` maps each module's cassette directory (resolved) to its test file, and
    ``expected`` holds resolved directories joined with file names; modules with
    deselected tests are skipped, since their other tests' cassettes are not unused.
    """
    from ..files.paths import relative_path

    # Both sides are a resolved directory joined with the file name.
    return [
        relative_path(path, rootdir)
        for directory, module in sorted(directories.items())
        if module not in skip_modules and directory.is_dir()
        for path in sorted(directory.glob("*.yaml"))
        if path not in expected
    ]
