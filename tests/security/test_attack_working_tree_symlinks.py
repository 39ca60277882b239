"""Attack: symlinks in the working tree (a golden, a cassette folder) lead out of the project.

A branch can commit symlinks. The plugin resolves every path it reads or writes and refuses
one that leaves the rootdir (or the folders the command line chose): the test fails naming
the file, the file outside is never touched, the other tests record and pass as usual.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_server import FakeOpenAIServer

TESTS = """
def ask(llm, text):
    return llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}]
    )

def test_x(seeded_llm):
    assert ask(seeded_llm, "trapped") == seeded_llm.snapshot

def test_other(seeded_llm):
    assert ask(seeded_llm, "bystander") == seeded_llm.snapshot
"""


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the project, with a file an attacker wants overwritten."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "victim.txt").write_text("precious\n")
    return folder


def test_a_golden_symlinked_out_of_the_project_is_not_written(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, outside: Path
) -> None:
    pytester.makepyfile(test_t=TESTS)
    golden = pytester.path / "__snapshots__" / "test_t" / "test_x.llm.yaml"
    golden.parent.mkdir(parents=True)
    golden.symlink_to(outside / "victim.txt")
    result = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
    assert (outside / "victim.txt").read_text() == "precious\n"
    result.stdout.fnmatch_lines(["*refused*test_x.llm.yaml: it is outside the project*"])
    assert (pytester.path / "__snapshots__" / "test_t" / "test_other.llm.yaml").is_file()


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
@pytest.mark.parametrize("which", ["snapshots", "cassettes"])
def test_a_folder_symlinked_out_of_the_project_is_not_written(
    which: str,
    xdist: list[str],
    pytester: pytest.Pytester,
    llm_env: FakeOpenAIServer,
    outside: Path,
) -> None:
    pytester.makepyfile(test_t=TESTS)
    name = "__snapshots__" if which == "snapshots" else "cassettes"
    (pytester.path / name).mkdir()
    (pytester.path / name / "test_t").symlink_to(outside, target_is_directory=True)
    result = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update", *xdist)
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]
    result.stdout.fnmatch_lines(["*it is outside the project (it resolves to*"])
    assert result.ret != 0


def test_a_cassette_symlinked_out_is_not_read(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, outside: Path
) -> None:
    """A replayed cassette pointing at a file outside: refused, never read into a test."""
    pytester.makepyfile(test_t=TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    cassette = pytester.path / "cassettes" / "test_t" / "test_x.yaml"
    moved = outside / "test_x.yaml"
    cassette.rename(moved)
    cassette.symlink_to(moved)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)  # the fixture's set-up refuses the cassette
    result.stdout.fnmatch_lines(["*cannot use cassette*test_x.yaml: refused: it is outside*"])


def test_a_cassette_dir_chosen_outside_the_rootdir_still_works(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, outside: Path
) -> None:
    """A folder the command line names is the user's choice, not the artifact's."""
    pytester.makepyfile(test_t=TESTS)
    chosen = outside / "shared-cassettes"
    result = pytester.runpytest(
        "--llmseed-record-mode=once", "--snapshot-update", f"--llmseed-cassette-dir={chosen}"
    )
    result.assert_outcomes(passed=2)
    assert len(list(chosen.rglob("*.yaml"))) == 2
    pytester.runpytest(f"--llmseed-cassette-dir={chosen}").assert_outcomes(passed=2)


def test_an_honest_project_with_inner_symlinks_works(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    """A symlink that stays inside the project is followed as before."""
    pytester.makepyfile(test_t=TESTS)
    (pytester.path / "stored").mkdir()
    (pytester.path / "cassettes").symlink_to(pytester.path / "stored", target_is_directory=True)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    assert len(list((pytester.path / "stored").rglob("*.yaml"))) == 2
    pytester.runpytest().assert_outcomes(passed=2)
