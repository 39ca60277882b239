"""CI=true: nothing recorded unless asked, nothing created silently, unused files fail."""

from __future__ import annotations

import pytest
from helpers import PARAMETRIZED_QUESTIONS
from llm_server import FakeOpenAIServer

MARKED = """
import pytest

@pytest.mark.llmseed(record_mode="once")
def test_x(seeded_llm):
    assert seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "ci"}]
    ) == seeded_llm.snapshot
"""


@pytest.fixture
def ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")


def test_marker_and_ini_record_modes_are_ignored_in_ci(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, ci: None
) -> None:
    pytester.makeini("[pytest]\nllmseed_record_mode = all\n")
    pytester.makepyfile(test_ci=MARKED)
    result = pytester.runpytest("--snapshot-update")
    result.stdout.fnmatch_lines(["llmseed: seed=1234 record-mode=none ci=true"])
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*llmseed: no recorded answer for this request*"])
    assert llm_env.requests == []
    assert not (pytester.path / "cassettes").exists()
    # Asked for on the command line, it records.
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    assert len(llm_env.requests) == 1


def test_a_marker_cannot_record_in_ci_over_a_command_line_none(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, ci: None
) -> None:
    # The marker wins over the command line everywhere but here: in CI only the command
    # line can turn recording on.
    pytester.makepyfile(test_ci=MARKED)
    result = pytester.runpytest("--llmseed-record-mode=none", "--snapshot-update")
    result.assert_outcomes(failed=1)
    assert llm_env.requests == []


@pytest.mark.parametrize("value", ["1", "yes", "True"])
def test_ci_values(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    pytester.makepyfile("def test_x(): pass")
    pytester.runpytest().stdout.fnmatch_lines(["llmseed: seed=1234 record-mode=none ci=true"])


def test_missing_golden_fails_and_is_left_pending_not_created(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, ci: None
) -> None:
    pytester.makepyfile(test_ci=MARKED)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    # The golden is lost (say, never committed): CI must not write it back silently.
    (pytester.path / "__snapshots__" / "test_ci" / "test_x.llm.yaml").unlink()
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*golden=missing*", "*triage: new golden: nothing stored yet*"])
    assert not (pytester.path / "__snapshots__" / "test_ci" / "test_x.llm.yaml").exists()
    assert list((pytester.path / ".llmseed-pending").rglob("test_x.llm.yaml.llmseed-pending"))


def test_unused_goldens_and_cassettes_fail_the_run_in_ci(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = PARAMETRIZED_QUESTIONS
    pytester.makepyfile(test_u=code.format(ns="[1, 2]"))
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=2)
    pytester.makepyfile(test_u=code.format(ns="[1]"))
    # Outside CI an unused cassette is reported (syrupy fails the run for the golden anyway).
    local = pytester.runpytest("--snapshot-warn-unused")
    local.stdout.fnmatch_lines(["unused cassette: cassettes/test_u/test_x[[]2[]].yaml"])
    assert local.ret == pytest.ExitCode.OK
    monkeypatch.setenv("CI", "true")
    for args in ([], ["-n", "2"]):
        result = pytester.runpytest("--snapshot-warn-unused", *args)
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(
            [
                "unused cassette: cassettes/test_u/test_x[[]2[]].yaml",
                "CI: unused cassettes fail the run (delete them).",
            ]
        )
        assert result.ret == pytest.ExitCode.TESTS_FAILED
    # Selecting part of the module does not judge the rest.
    partial = pytester.runpytest("--snapshot-warn-unused", "test_u.py::test_x[1]")
    assert partial.ret == pytest.ExitCode.OK
    (pytester.path / "cassettes" / "test_u" / "test_x[2].yaml").unlink()
    assert pytester.runpytest("--snapshot-warn-unused").ret == pytest.ExitCode.OK


def test_a_failing_test_keeps_its_golden_when_snapshots_are_updated(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_keep=MARKED.replace('"ci"', '"keep"'))
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=1)
    golden = pytester.path / "__snapshots__" / "test_keep" / "test_x.llm.yaml"
    before = golden.read_bytes()
    # The prompt changes: replay misses before the assertion; syrupy would delete the golden.
    pytester.makepyfile(
        test_keep=MARKED.replace('"ci"', '"changed"').replace(
            '@pytest.mark.llmseed(record_mode="once")', ""
        )
    )
    result = pytester.runpytest("--snapshot-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["kept the golden of a failing test: __snapshots__/test_keep/test_x.llm.yaml"]
    )
    assert golden.read_bytes() == before
