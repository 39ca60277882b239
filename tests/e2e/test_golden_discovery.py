"""Golden discovery and syrupy's assertions, one per test, across folders.

- ``LLMSnapshotExtension.discover_snapshots`` finds goldens with two ``scandir`` levels
  instead of syrupy's ``rglob`` walk; it must find exactly what syrupy's own discovery
  finds, on any tree (hidden files, sidecars, deeper or shallower files, links).
- ``seeded_llm.snapshot`` is one syrupy assertion per test (a copy of the first test's in
  its folder, not ``snapshot.use_extension`` per test): each test's goldens still land at
  its own location, ``--snapshot-update`` reaches every test, unused goldens are found in
  every folder, and old ``.ambr`` files no test uses are still deleted in every folder
  (the migration path of docs/migrating.md).
"""

from __future__ import annotations

import pytest
from helpers import PARAMETRIZED_QUESTIONS
from llm_server import FakeOpenAIServer

# Run inside a pytester session: the discovery needs a real test location. It builds a
# hostile tree beside itself and compares our discovery with syrupy's base class's.
DISCOVERY_TEST = """
import os
from pathlib import Path

import pytest
from syrupy.extensions.base import SnapshotCollectionStorage
from syrupy.location import PyTestLocation

from pytest_llmseed.goldens.extension import LLMSnapshotExtension


def _tree(root):
    snaps = root / "__snapshots__"
    files = [
        "test_d/a.llm.yaml",
        "test_d/b[1].llm.yaml",
        "test_d/.hidden.llm.yaml",
        "test_d/c.llm.yaml.lock",
        "test_d/c.llm.yaml.tmp",
        "test_d/other.json",
        "test_d/deeper/x.llm.yaml",
        "test_gone/orphan.llm.yaml",
        ".hidden_dir/h.llm.yaml",
        "top.llm.yaml",
        "test_d.ambr",
    ]
    for name in files:
        path = snaps / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    (snaps / "test_d" / "folder.llm.yaml").mkdir()
    outside = root / "outside"
    outside.mkdir()
    (outside / "linked.llm.yaml").write_text("x", encoding="utf-8")
    (snaps / "linked_dir").symlink_to(outside, target_is_directory=True)
    (snaps / "test_d" / "file_link.llm.yaml").symlink_to(outside / "linked.llm.yaml")
    (snaps / "test_d" / "broken.llm.yaml").symlink_to(root / "nowhere.llm.yaml")


def _found(collections):
    return sorted(
        (c.location, sorted(s.name for s in c), c.has_snapshots) for c in collections
    )


@pytest.mark.parametrize("ignore", [None, [], ["json"], ["yaml"]])
def test_same_as_syrupy(request, ignore):
    root = Path(request.node.path).parent
    if not (root / "__snapshots__").exists():
        _tree(root)
    location = PyTestLocation(request.node)
    extension = LLMSnapshotExtension()
    ours = extension.discover_snapshots(test_location=location, ignore_extensions=ignore)
    theirs = SnapshotCollectionStorage.discover_snapshots(
        extension, test_location=location, ignore_extensions=ignore
    )
    assert _found(ours) == _found(theirs)
    names = {os.path.basename(c.location) for c in ours}
    if ignore == ["yaml"]:
        assert names == set()
    else:
        # Hidden folders are walked (only hidden files are skipped), linked folders are not.
        assert names == {
            "a.llm.yaml", "b[1].llm.yaml", "orphan.llm.yaml", "file_link.llm.yaml", "h.llm.yaml"
        }

"""

EMPTY_TEST = """
from pathlib import Path

from syrupy.location import PyTestLocation

from pytest_llmseed.goldens.extension import LLMSnapshotExtension


def test_no_snapshot_dir_yet(request):
    extension = LLMSnapshotExtension()
    location = PyTestLocation(request.node)
    location_dir = Path(extension.discovery_dirname(test_location=location))
    assert not location_dir.exists()
    assert list(extension.discover_snapshots(test_location=location)) == []
"""


def test_discovery_finds_what_syrupys_walk_finds(pytester: pytest.Pytester) -> None:
    pytester.mkdir("tree")
    pytester.makepyfile(**{"tree/test_d": DISCOVERY_TEST})
    pytester.mkdir("empty")
    pytester.makepyfile(**{"empty/test_e": EMPTY_TEST})
    result = pytester.runpytest("-p", "no:randomly", "--snapshot-warn-unused")
    result.assert_outcomes(passed=5)


def test_one_assertion_per_test_across_directories(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    code = PARAMETRIZED_QUESTIONS
    for folder in ("a", "b"):
        pytester.mkdir(folder)
        pytester.makepyfile(**{f"{folder}/test_{folder}": code.format(ns="[1, 2, 3]")})
    args = ("-p", "no:randomly", "--llmseed-record-mode=once")
    pytester.runpytest(*args, "--snapshot-update").assert_outcomes(passed=6)
    for folder in ("a", "b"):
        goldens = pytester.path / folder / "__snapshots__" / f"test_{folder}"
        # Every test's golden at its own location, from the update flag of the first test.
        assert sorted(p.name for p in goldens.iterdir()) == [
            f"test_x[{n}].llm.yaml" for n in (1, 2, 3)
        ]
    pytester.runpytest(*args).assert_outcomes(passed=6)
    # Old amber snapshots from before a migration to seeded_llm, in both folders.
    for folder in ("a", "b"):
        ambr = pytester.path / folder / "__snapshots__" / f"test_{folder}.ambr"
        ambr.write_text("# name: test_x\n  1\n# ---\n", encoding="utf-8")
    # A test removed in the second directory: its golden is unused there too.
    pytester.makepyfile(**{"b/test_b": code.format(ns="[1, 2]")})
    result = pytester.runpytest(*args, "--snapshot-details")
    result.stdout.fnmatch_lines(["*3 snapshots unused*"])
    assert "test_b/test_x[3].llm.yaml" in result.stdout.str()
    assert result.ret == 1
    pytester.runpytest(*args, "--snapshot-update").stdout.fnmatch_lines(
        ["*3 unused snapshots deleted*"]
    )
    for folder in ("a", "b"):
        assert not (pytester.path / folder / "__snapshots__" / f"test_{folder}.ambr").exists()
    assert not (pytester.path / "b" / "__snapshots__" / "test_b" / "test_x[3].llm.yaml").exists()
    assert (pytester.path / "a" / "__snapshots__" / "test_a" / "test_x[3].llm.yaml").exists()
    pytester.runpytest(*args).assert_outcomes(passed=5)
