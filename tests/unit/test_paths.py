"""files/paths.relative_path: what reports show, the same as os.path.relpath would give."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_llmseed.files.paths import relative_path


@pytest.mark.parametrize(
    "inside",
    ["t.yaml", "cassettes/test_m/test_x[1].yaml", "__snapshots__/a b/c.llm.yaml", "deep/er/f"],
)
def test_a_file_under_the_root_is_relative_to_it(tmp_path: Path, inside: str) -> None:
    target = tmp_path / inside
    assert relative_path(target, tmp_path) == os.path.relpath(target, tmp_path)
    assert relative_path(target, Path(str(tmp_path) + os.sep)) == inside


def test_the_root_itself_and_paths_outside_it(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    assert relative_path(root, root) == "."
    # A sibling whose name starts like the root's is outside it.
    outside = tmp_path / "project-other" / "x.yaml"
    assert relative_path(outside, root) == str(outside)


def test_symlinked_directories_are_resolved(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "cassettes").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert relative_path(link / "cassettes" / "c.yaml", real) == "cassettes/c.yaml"
    assert relative_path(real / "cassettes" / "c.yaml", link) == "cassettes/c.yaml"
