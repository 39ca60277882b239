"""syrupy's ``exclude=``, ``include=`` and ``matcher=`` on ``seeded_llm.snapshot(...)`` shape
the golden document (paths as the golden shows them), with syrupy's own ``props`` /
``paths`` / ``paths_include`` filters and ``path_type`` / ``path_value`` matchers.

Each test module is recorded with one seed, then re-recorded with another (other words,
same requests) and compared with the goldens of the first: what an option leaves out or
replaces no longer fails the test; a control assertion without options does.
"""

from __future__ import annotations

import pytest
from llm_server import FakeOpenAIServer

pytestmark = pytest.mark.sdk

OPTIONS = """
from syrupy.filters import paths, paths_include, props
from syrupy.matchers import path_type, path_value

def ask(client, text):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}])

def test_exclude_a_path(seeded_llm):
    answer = ask(seeded_llm.client, "Exclude")
    assert answer == seeded_llm.snapshot(exclude=paths("output.0.content"))

def test_exclude_props_across_calls(seeded_llm):
    ask(seeded_llm.client, "one")
    ask(seeded_llm.client, "two")
    assert seeded_llm.calls == seeded_llm.snapshot(exclude=props("content", "usage"))

def test_include(seeded_llm):
    answer = ask(seeded_llm.client, "Include")
    kept = paths_include(["endpoint"], ["output", "0", "finish_reason"])
    assert answer == seeded_llm.snapshot(include=kept)

def test_matcher_path_type(seeded_llm):
    answer = ask(seeded_llm.client, "Type")
    assert answer == seeded_llm.snapshot(matcher=path_type({"output.0.content": (str,)}))

def test_matcher_path_value(seeded_llm):
    answer = ask(seeded_llm.client, "Value")
    words = path_value({"output.0.content": r"\\[Value\\] (.*)"}, types=(str,), regex=True,
                       replacer=lambda data, match: data.replace(match[1], "<words>"))
    assert answer == seeded_llm.snapshot_with(compare="normalized")(matcher=words)

def test_without_options(seeded_llm):
    assert ask(seeded_llm.client, "Control") == seeded_llm.snapshot
"""

PASSING = (
    "test_exclude_a_path",
    "test_exclude_props_across_calls",
    "test_include",
    "test_matcher_path_type",
    "test_matcher_path_value",
)


def _golden(pytester: pytest.Pytester, name: str) -> str:
    return (pytester.path / "__snapshots__" / "test_options" / f"{name}.llm.yaml").read_text()


def test_options_shape_goldens_and_what_they_leave_out_may_change(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_options=OPTIONS)
    record = ("--llmseed-record-mode=all", "-p", "no:randomly")
    pytester.runpytest(*record, "--snapshot-update").assert_outcomes(passed=6)

    excluded = _golden(pytester, "test_exclude_a_path")
    assert "output:\n- finish_reason: stop\nmeta:\n" in excluded
    assert "  - content: Exclude\n" in excluded  # the request's content: another path
    calls = _golden(pytester, "test_exclude_props_across_calls")
    assert "content" not in calls
    assert "usage" not in calls
    assert "seed: 1234" in calls
    included = _golden(pytester, "test_include")
    assert included.endswith(
        "llmseed_golden: 1\nkind: answer\nendpoint: chat.completions\n"
        "output:\n- finish_reason: stop\n"
    )
    assert "  content: str\n" in _golden(pytester, "test_matcher_path_type")
    assert "  content: '[Value] <words>'\n" in _golden(pytester, "test_matcher_path_value")

    # Other words for the same requests: only the assertion without options sees them.
    result = pytester.runpytest(*record, "--llmseed-seed=99")
    result.assert_outcomes(passed=len(PASSING), failed=1)
    result.stdout.fnmatch_lines(["FAILED test_options.py::test_without_options*"])


def test_a_matcher_that_refuses_a_value_fails_the_assertion_naming_the_path(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(
        test_strict="""
        from syrupy.matchers import path_type

        def test_strict(seeded_llm):
            answer = seeded_llm.client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "Strict"}])
            assert answer == seeded_llm.snapshot(matcher=path_type({"output.0.content": (int,)}))
        """
    )
    result = pytester.runpytest("--llmseed-record-mode=all", "--snapshot-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*at 'output.0.content' of type <class 'str'> does not match*"])
