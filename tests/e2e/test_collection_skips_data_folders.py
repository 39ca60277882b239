"""pytest's collection leaves out the folders of cassettes and goldens.

A recorded suite keeps two files per test beside the test files; pytest would visit each
while collecting. The plugin's ``pytest_ignore_collect`` leaves a ``cassettes`` (or the
chosen cassette folder) or ``__snapshots__`` folder out, but only one that holds nothing
but data files: a test module, a conftest, a file of another kind or a link anywhere inside
keeps the folder collected as before, and paths given on the command line are collected.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import PARAMETRIZED_QUESTIONS
from llm_server import FakeOpenAIServer

from pytest_llmseed.files.data_folders import holds_only_data

PLAIN_TEST = "def test_plain():\n    assert True\n"


def _visited(pytester: pytest.Pytester, *args: str) -> tuple[list[Path], pytest.HookRecorder]:
    """Every file pytest offered to ``pytest_collect_file``, relative, and the recorder."""
    recorder = pytester.inline_run("-p", "no:randomly", "-p", "no:cacheprovider", *args)
    files = [call.file_path for call in recorder.getcalls("pytest_collect_file")]
    return sorted(p.relative_to(pytester.path) for p in files), recorder


def _data(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("version: 1\ninteractions: []\n", encoding="utf-8")


def test_a_recorded_suite_replays_without_its_files_being_collected(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_q=PARAMETRIZED_QUESTIONS.format(ns="[1, 2, 3]"))
    args = ("--llmseed-record-mode=once", "--snapshot-update")
    pytester.runpytest("-p", "no:randomly", *args).assert_outcomes(passed=3)
    assert len(list((pytester.path / "cassettes" / "test_q").iterdir())) == 3
    assert len(list((pytester.path / "__snapshots__" / "test_q").iterdir())) == 3
    requests = len(llm_env.requests)

    visited, recorder = _visited(pytester)
    recorder.assertoutcome(passed=3)
    assert visited == [Path("test_q.py")]
    assert len(llm_env.requests) == requests  # replayed, not sent again
    # Without the plugin pytest visits all seven files.
    visited, _ = _visited(pytester, "-p", "no:llmseed", "-p", "no:syrupy", "--co")
    assert len(visited) == 7


def test_a_folder_with_anything_else_inside_is_collected(pytester: pytest.Pytester) -> None:
    _data(pytester.path, "cassettes/test_a/one.yaml", "__snapshots__/test_a/one.llm.yaml")
    # A test module that happens to live in a folder named like ours.
    _data(pytester.path / "sub", "cassettes/test_b/one.yaml")
    (pytester.path / "sub" / "cassettes" / "test_in_cassettes.py").write_text(PLAIN_TEST)
    # A file of another kind deeper down: pytest or a plugin may collect it.
    _data(pytester.path / "other", "__snapshots__/test_c/one.llm.yaml")
    (pytester.path / "other" / "__snapshots__" / "test_c" / "notes.txt").write_text("x")
    pytester.makepyfile(test_a=PLAIN_TEST)

    visited, recorder = _visited(pytester)
    recorder.assertoutcome(passed=2)
    assert visited == [
        Path("other/__snapshots__/test_c/notes.txt"),
        Path("other/__snapshots__/test_c/one.llm.yaml"),
        Path("sub/cassettes/test_b/one.yaml"),
        Path("sub/cassettes/test_in_cassettes.py"),
        Path("test_a.py"),
    ]


def test_a_link_inside_keeps_the_folder_collected(pytester: pytest.Pytester) -> None:
    outside = pytester.mkdir("elsewhere")
    (outside / "test_linked.py").write_text(PLAIN_TEST)
    _data(pytester.path, "cassettes/test_a/one.yaml")
    (pytester.path / "cassettes" / "linked").symlink_to(outside, target_is_directory=True)
    pytester.makepyfile(test_a=PLAIN_TEST)

    visited, recorder = _visited(pytester, "--ignore=elsewhere")
    # pytest follows the linked folder and finds the test there.
    recorder.assertoutcome(passed=2)
    assert Path("cassettes/linked/test_linked.py") in visited


def test_the_chosen_cassette_folder_is_left_out_too(pytester: pytest.Pytester) -> None:
    _data(pytester.path, "recordings/test_a/one.yaml", "cassettes/test_a/one.yaml")
    pytester.makepyfile(test_a=PLAIN_TEST)
    visited, recorder = _visited(pytester, "--llmseed-cassette-dir=recordings")
    recorder.assertoutcome(passed=1)
    assert visited == [Path("test_a.py")]
    # Without the option, a folder of that name is collected as pytest always did.
    visited, _ = _visited(pytester)
    assert visited == [Path("recordings/test_a/one.yaml"), Path("test_a.py")]


def test_a_path_on_the_command_line_is_collected(pytester: pytest.Pytester) -> None:
    _data(pytester.path, "cassettes/test_a/one.yaml")
    visited, _ = _visited(pytester, "cassettes")
    assert visited == [Path("cassettes/test_a/one.yaml")]


def test_holds_only_data(tmp_path: Path) -> None:
    root = tmp_path / "cassettes"
    _data(root, "test_a/x.yaml", "test_a/y.yml", "test_b/deep/z.llm.yaml", "s.ambr", "s.json")
    (root / ".gitkeep").write_text("")
    (root / "test_a" / ".x.yaml.tmp").write_text("")  # an atomic write's leftover
    assert holds_only_data(root)
    assert holds_only_data(tmp_path / "missing") is False  # left to pytest
    (tmp_path / "cassettes.yaml").write_text("")
    assert holds_only_data(tmp_path / "cassettes.yaml") is False  # a file, not a folder
    for bad in ("test_a/conftest.py", "test_b/deep/.hidden.py", "test_b/readme.txt"):
        (root / bad).write_text("")
        assert not holds_only_data(root), bad
        (root / bad).unlink()
    assert holds_only_data(root)
    (root / "test_b" / "link.yaml").symlink_to(root / "s.ambr")
    assert not holds_only_data(root)
