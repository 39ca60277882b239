"""files/confine.Area.resolve: the real path os.path.realpath gives, its directory remembered.

A replayed test resolves its cassette and its golden; each directory's real path is worked
out once per area. These check that the shortcut gives what ``realpath`` gives, and refuses
what it refuses, for every shape of path a hostile working tree or artifact can hold.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_llmseed.errors import ConfinementError
from pytest_llmseed.files.confine import Area


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "cassettes" / "test_m").mkdir(parents=True)
    (root / "cassettes" / "test_m" / "t.yaml").write_text("x")
    (root / "real").mkdir()
    (root / "real" / "f.yaml").write_text("x")
    (root / "linkdir").symlink_to(root / "real", target_is_directory=True)
    (root / "cassettes" / "test_m" / "inner.yaml").symlink_to(root / "real" / "f.yaml")
    (tmp_path / "outside.yaml").write_text("secret")
    (root / "cassettes" / "test_m" / "escape.yaml").symlink_to(tmp_path / "outside.yaml")
    (root / "outdir").symlink_to(tmp_path, target_is_directory=True)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("x")
    return root


@pytest.mark.parametrize(
    "inside",
    [
        "cassettes/test_m/t.yaml",
        "cassettes/test_m/missing.yaml",
        "cassettes/test_m/inner.yaml",
        "linkdir/f.yaml",
        "cassettes/test_m/../test_m/t.yaml",
        "cassettes/test_m/..",
        "cassettes/./test_m/t.yaml",
        "cassettes",
        ".",
    ],
)
def test_the_real_path_is_realpaths_answer(tree: Path, inside: str) -> None:
    area = Area([tree])
    for _ in range(2):  # the second time from the remembered directory
        assert area.resolve(tree / inside) == Path(os.path.realpath(tree / inside))


@pytest.mark.parametrize(
    ("inside", "problem"),
    [
        ("cassettes/test_m/escape.yaml", "it is outside the project"),
        ("outdir/outside.yaml", "it is outside the project"),
        ("../outside.yaml", "it is outside the project"),
        (".git/config", "it is inside .git/"),
    ],
)
def test_what_leaves_the_area_is_refused_every_time(tree: Path, inside: str, problem: str) -> None:
    area = Area([tree])
    area.resolve(tree / "cassettes" / "test_m" / "t.yaml")  # its directory remembered
    for _ in range(2):
        with pytest.raises(ConfinementError, match=problem):
            area.resolve(tree / inside)


def test_a_file_turned_into_a_link_later_is_still_seen(tree: Path) -> None:
    area = Area([tree])
    target = tree / "cassettes" / "test_m" / "t.yaml"
    assert area.resolve(target) == target
    target.unlink()
    target.symlink_to(tree.parent / "outside.yaml")
    with pytest.raises(ConfinementError, match="outside the project"):
        area.resolve(target)


def test_relative_paths_follow_the_working_directory(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    area = Area([tree])
    monkeypatch.chdir(tree / "cassettes")
    assert area.resolve(Path("test_m/t.yaml")) == tree / "cassettes" / "test_m" / "t.yaml"
    monkeypatch.chdir(tree / "real")
    # The same relative text in another directory is another file.
    assert area.resolve(Path("f.yaml")) == tree / "real" / "f.yaml"
    monkeypatch.chdir(tree.parent)
    with pytest.raises(ConfinementError, match="outside the project"):
        area.resolve(Path("outside.yaml"))


def test_a_sibling_named_like_the_root_is_outside(tree: Path) -> None:
    sibling = tree.parent / (tree.name + "-other")
    sibling.mkdir()
    with pytest.raises(ConfinementError, match="outside the project"):
        Area([tree]).resolve(sibling / "x.yaml")


def test_resolve_parent_keeps_a_link_itself(tree: Path) -> None:
    link = tree / "cassettes" / "test_m" / "escape.yaml"
    assert Area([tree]).resolve_parent(link) == link
    with pytest.raises(ConfinementError, match="outside the project"):
        Area([tree]).resolve_parent(tree / "outdir" / "outside.yaml")
