"""Nothing is deleted by a run that did not run, to completion, every test that owns a golden
or a cassette: usage and collection errors, interruptions, -x / --maxfail, selections.

Each case records a small suite, breaks or narrows the next run in one way, and compares
every golden and cassette on disk, byte for byte, before and after; a complete run then
still deletes what is truly unused (so the protection is not simply "never delete").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_server import FakeOpenAIServer

TWO_TESTS = """
def test_{name}_one(seeded_llm):
    assert seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "{name} one"}}]
    ) == seeded_llm.snapshot

def test_{name}_two(seeded_llm):
    assert seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{{"role": "user", "content": "{name} two"}}]
    ) == seeded_llm.snapshot
"""

TYPO = """
import pytest

@pytest.mark.llmseed(sead=7)
def test_typo(seeded_llm):
    pass
"""

FAILS_FIRST = """
def test_a_fails():
    assert False
"""

RECORD = ("--llmseed-record-mode=once", "--snapshot-update", "-p", "no:randomly")
# syrupy's and the plugin's words for deleting, or advising to delete, unused files.
DELETE_ADVICE = (
    "to delete unused",
    "snapshot deleted",
    "snapshots deleted",
    "Deleted",
    "delete them",
)


def files(root: Path) -> dict[str, bytes]:
    """Every golden and cassette under ``root``, by path, with its bytes."""
    found = [*root.rglob("__snapshots__/**/*.llm.yaml"), *root.rglob("cassettes/**/*.yaml")]
    return {str(p.relative_to(root)): p.read_bytes() for p in found}


@pytest.fixture
def suite(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> dict[str, bytes]:
    """Two recorded modules (four goldens, four cassettes); test_b's second test then
    removed, so a complete ``--snapshot-update`` run would delete its golden."""
    pytester.makepyfile(test_a=TWO_TESTS.format(name="a"), test_b=TWO_TESTS.format(name="b"))
    pytester.runpytest(*RECORD).assert_outcomes(passed=4)
    before = files(pytester.path)
    assert len(before) == 8
    pytester.makepyfile(test_b=TWO_TESTS.format(name="b").split("def test_b_two")[0])
    return before


def assert_nothing_deleted(
    pytester: pytest.Pytester, before: dict[str, bytes], result: pytest.RunResult, why: str
) -> None:
    assert files(pytester.path) == before
    out = result.stdout.str() + result.stderr.str()
    assert not [line for line in out.splitlines() if any(a in line for a in DELETE_ADVICE)], out
    result.stdout.fnmatch_lines([f"nothing deleted: {why}*"])


XDIST = pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])


@XDIST
@pytest.mark.parametrize("update", [True, False], ids=["update", "no-update"])
def test_a_marker_typo_deletes_nothing_and_names_the_test(
    pytester: pytest.Pytester, suite: dict[str, bytes], xdist: tuple[str, ...], update: bool
) -> None:
    pytester.makepyfile(test_typo=TYPO)
    args = [*RECORD] if update else ["-p", "no:randomly"]
    result = pytester.runpytest(*args, *xdist)
    out = result.stdout.str() + result.stderr.str()
    assert "test_typo.py::test_typo: @pytest.mark.llmseed:" in out
    assert "sead" in out
    assert result.ret != pytest.ExitCode.OK
    assert_nothing_deleted(pytester, suite, result, "a bad @pytest.mark.llmseed marker")


@pytest.mark.parametrize("flag", [(), ("--continue-on-collection-errors",)], ids=["stop", "go-on"])
def test_a_syntax_error_in_one_module_deletes_nothing(
    pytester: pytest.Pytester, suite: dict[str, bytes], flag: tuple[str, ...]
) -> None:
    pytester.makepyfile(test_broken="def test_x(:\n    pass\n")
    result = pytester.runpytest(*RECORD, *flag)
    assert result.ret != pytest.ExitCode.OK
    assert_nothing_deleted(pytester, suite, result, "1 error(s) during collection")


@XDIST
@pytest.mark.parametrize("stop", [("-x",), ("--maxfail=1",)], ids=["x", "maxfail"])
def test_stopping_after_a_failure_deletes_nothing(
    pytester: pytest.Pytester,
    suite: dict[str, bytes],
    xdist: tuple[str, ...],
    stop: tuple[str, ...],
) -> None:
    # Collected first (test_0...), it fails before any test that owns a golden runs.
    pytester.makepyfile(test_0=FAILS_FIRST)
    dist = ("--dist=loadfile",) if xdist else ()
    result = pytester.runpytest(*RECORD, *stop, *xdist, *dist)
    assert result.ret != pytest.ExitCode.OK
    # xdist stops its workers with an interruption; a serial run counts the tests left.
    why = "the run was interrupted" if xdist else "3 test(s) did not run (stopping after 1 fail*"
    assert_nothing_deleted(pytester, suite, result, why)


@pytest.mark.parametrize(
    ("selection", "why"),
    [
        (("-k", "test_b"), "2 test(s) deselected"),
        (("-m", "not slow"), "1 test(s) deselected"),
        (("--deselect", "test_a.py::test_a_two"), "1 test(s) deselected"),
        (("test_b.py::test_b_one", "test_a.py"), "single tests were selected"),
    ],
    ids=["k", "m", "deselect", "node-id"],
)
def test_a_selection_deletes_nothing(
    pytester: pytest.Pytester,
    suite: dict[str, bytes],
    selection: tuple[str, ...],
    why: str,
) -> None:
    if selection[0] == "-m":  # one test marked slow, so -m deselects it
        code = TWO_TESTS.format(name="a").replace(
            "def test_a_two", "import pytest\n@pytest.mark.slow\ndef test_a_two"
        )
        pytester.makepyfile(test_a=code)
        pytester.makeini("[pytest]\nmarkers =\n    slow: slow\n")
    result = pytester.runpytest(*RECORD, *selection)
    assert_nothing_deleted(pytester, suite, result, why)


def test_an_interrupted_run_deletes_nothing(
    pytester: pytest.Pytester, suite: dict[str, bytes]
) -> None:
    pytester.makeconftest(
        "def pytest_runtest_call(item):\n"
        "    if item.name == 'test_a_two':\n"
        "        raise KeyboardInterrupt\n"
    )
    result = pytester.runpytest(*RECORD, no_reraise_ctrlc=True)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert_nothing_deleted(pytester, suite, result, "the run was interrupted")


@XDIST
def test_a_test_erroring_before_seeded_llm_keeps_its_golden(
    pytester: pytest.Pytester, suite: dict[str, bytes], xdist: tuple[str, ...]
) -> None:
    # A fixture the test asks for first fails: seeded_llm never starts, its goldens unknown.
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(autouse=True)\ndef broken(request):\n"
        "    if request.node.name == 'test_a_two':\n"
        "        raise RuntimeError('database down')\n"
    )
    result = pytester.runpytest(*RECORD, *xdist)
    result.assert_outcomes(passed=2, errors=1)
    assert_nothing_deleted(pytester, suite, result, "test_a.py::test_a_two failed before")


@XDIST
def test_a_complete_run_still_deletes_what_is_unused(
    pytester: pytest.Pytester, suite: dict[str, bytes], xdist: tuple[str, ...]
) -> None:
    result = pytester.runpytest(*RECORD, *xdist)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*1 unused snapshot deleted*"])
    after = files(pytester.path)
    assert set(suite) - set(after) == {"__snapshots__/test_b/test_b_two.llm.yaml"}
    assert "nothing deleted" not in result.stdout.str()


def test_a_crashed_xdist_worker_deletes_nothing(
    pytester: pytest.Pytester, suite: dict[str, bytes]
) -> None:
    pytester.makepyfile(test_0="import os\n\ndef test_crash():\n    os._exit(1)\n")
    result = pytester.runpytest(*RECORD, "-n", "2")
    assert result.ret != pytest.ExitCode.OK
    assert_nothing_deleted(pytester, suite, result, "*xdist worker(s) ended early*")
