"""What reviewers see of one drifted run: severity first in every report, triage from the
test's calls for plain goldens, and hints that carry the run's pending dir.

The run records four tests once, then edits each stored golden the way an older recording
would differ, so the replay is one breaking, two rewording and one cosmetic change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import SEVERITY_CASES
from llm_server import FakeOpenAIServer

from pytest_llmseed.goldens.fileformat import HEADER, dump_golden, load_golden

TESTS = (
    SEVERITY_CASES
    + """
def test_plain(seeded_llm):
    first = ask(seeded_llm.client, "four").choices[0].message.content
    second = ask(seeded_llm.client, "five").choices[0].message.content
    assert first + " / " + second == seeded_llm.snapshot
"""
)


def _edit(path: Path, name: str) -> None:
    document: dict[str, Any] = load_golden(path.read_text())
    if name == "test_plain":
        # An older recording: other words, and the second call from another backend.
        document["output"] = "Something else entirely."
        document["meta"]["calls"][1]["system_fingerprint"] = "fp_older"
    else:
        choice = document["output"][0]
        if name == "test_cosmetic":
            choice["content"] = "  " + choice["content"].upper() + "\n"
        elif name == "test_rewording":
            choice["content"] = "Something else entirely."
        else:
            choice["tool_calls"][0]["arguments"] = {"city": "Atlantis"}
    path.write_text(dump_golden(document))


@pytest.fixture
def drifted(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> pytest.RunResult:
    """The replay of four edited goldens, its pending changes in ``art/``."""
    pytester.makepyfile(test_app=TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=4)
    for name in ("test_cosmetic", "test_rewording", "test_tool_arguments", "test_plain"):
        _edit(pytester.path / f"__snapshots__/test_app/{name}.llm.yaml", name)
    result = pytester.runpytest(
        "--llmseed-pending-dir=art", "--llmseed-report=r.json", "--llmseed-html=d.html"
    )
    result.assert_outcomes(failed=4)
    return result


ORDER = ["test_tool_arguments", "test_plain", "test_rewording", "test_cosmetic"]


def _in_order(text: str, names: list[str]) -> bool:
    places = [text.index(f"test_app.py::{n}") for n in names]
    return places == sorted(places)


def test_plain_golden_triage_names_the_call_whose_backend_changed(
    pytester: pytest.Pytester, drifted: pytest.RunResult
) -> None:
    stored = load_golden((pytester.path / "__snapshots__/test_app/test_plain.llm.yaml").read_text())
    assert [c["endpoint"] for c in stored["meta"]["calls"]] == ["chat.completions"] * 2
    drifted.stdout.fnmatch_lines(
        ["E  *triage: backend changed: call 2: system_fingerprint fp_older → fp_* — severity: *"]
    )
    data = json.loads((pytester.path / "r.json").read_text())
    plain = next(t for t in data["tests"] if t["nodeid"].endswith("test_plain"))
    assert plain["triage"].startswith("backend changed: call 2: system_fingerprint fp_older")


def test_terminal_summary_is_severity_first_with_the_runs_from(
    drifted: pytest.RunResult,
) -> None:
    text = drifted.stdout.str()
    summary = text[text.index("llmseed summary") :]
    assert "drift by severity: 1 breaking, 2 rewording, 1 cosmetic" in summary
    assert _in_order(summary, ORDER)
    assert "4 pending change(s): review with `llmseed review --from art`" in summary


def test_json_report_counts_by_severity_with_bare_fields(
    pytester: pytest.Pytester, drifted: pytest.RunResult
) -> None:
    data = json.loads((pytester.path / "r.json").read_text())
    summary = data["summary"]
    assert (summary["goldens_breaking"], summary["goldens_rewording"]) == (1, 2)
    assert summary["goldens_cosmetic"] == 1
    for test in data["tests"]:
        assert not test["triage"].startswith("triage:")
        assert all(not os.path.isabs(p) and p.startswith("art/") for p in test["pending"])


def test_html_page_sorts_breaking_first_and_says_each_triage_once(
    pytester: pytest.Pytester, drifted: pytest.RunResult
) -> None:
    page = (pytester.path / "d.html").read_text()
    totals = page.index('class="totals"')
    assert totals < page.index('class="overview"')
    assert _in_order(page, ORDER)
    sentence = "output changed at the same request and backend"
    overview = page[page.index('class="overview"') : page.index("</table>")]
    # Three tests share the sentence, one per severity group: said once per group.
    assert overview.count(sentence) == 3
    assert overview.count('<tr class="group">') == 4
    assert HEADER.splitlines()[0] not in page
    assert "llmseed review --from art" in page


def test_step_summary_has_a_severity_column_and_breaking_diffs(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = pytester.path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    pytester.makepyfile(test_app=TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=4)
    for name in ("test_cosmetic", "test_rewording", "test_tool_arguments", "test_plain"):
        _edit(pytester.path / f"__snapshots__/test_app/{name}.llm.yaml", name)
    pytester.runpytest("--llmseed-pending-dir=art").assert_outcomes(failed=4)
    text = summary.read_text()
    assert "| severity | test |" in text
    assert _in_order(text, ORDER)
    assert "| **breaking** | `test_app.py::test_tool_arguments`" in text
    assert text.count("<details>") == 1
    details = text[text.index("<details>") : text.index("</details>")]
    assert "Atlantis" in details
    assert "```diff" in details
    assert "`llmseed review --from art`" in text


def test_status_groups_by_severity_and_keeps_the_from(
    pytester: pytest.Pytester, drifted: pytest.RunResult
) -> None:
    status = subprocess.run(
        [sys.executable, "-m", "pytest_llmseed.cli", "status", "--from", "art"],
        cwd=pytester.path,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert status.returncode == 1, status.stderr
    out = status.stdout
    assert _in_order(out, ORDER)
    assert "— severity:" not in out  # each group says it once
    groups = [out.index(g) for g in ("breaking (1", "rewording (2", "cosmetic (1")]
    assert groups == sorted(groups)
    assert out.rstrip().endswith(
        "4 pending change(s) (1 breaking, 2 rewording, 1 cosmetic): "
        "review with `llmseed review --from art`"
    )


MARKED = """
import pytest

@pytest.mark.llmseed(record_mode="once")
def test_x(seeded_llm):
    assert seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "ci"}]
    ) == seeded_llm.snapshot
"""


def test_ci_names_the_record_mode_it_ignored_and_why(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(test_ci=MARKED)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*  record mode: none (the marker's record_mode='once' is ignored: under CI=true "
            "nothing records unless the command line asks (--llmseed-record-mode))"
        ]
    )
    assert llm_env.requests == []


def test_header_shows_probe_only_when_it_can_probe(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_ci=MARKED.replace('record_mode="once"', ""))
    replay = pytester.runpytest("--llmseed-probe=3")
    replay.stdout.fnmatch_lines(["llmseed: seed=1234 record-mode=none"])
    live = pytester.runpytest("--llmseed-probe=3", "--llmseed-record-mode=once", "--co")
    live.stdout.fnmatch_lines(["llmseed: seed=1234 record-mode=once probe=3 (3 requests per call)"])


def _review(root: Path, keys: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_llmseed.cli", "review", *extra],
        cwd=root,
        input=keys,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_review_confirms_each_key_and_names_an_unknown_one(
    pytester: pytest.Pytester, drifted: pytest.RunResult
) -> None:
    review = _review(pytester.path, "x\na\nr\ns\nq\n", "--from", "art")
    out = review.stdout
    assert review.returncode == 0, review.stderr
    assert "unknown key x: press a to accept, r to reject, s to skip, q to quit" in out
    assert out.count("accept (a), reject (r), skip (s), quit (q)?") == 5
    confirmations = [
        line for line in out.splitlines() if line.startswith(("accepted ", "rejected ", "skipped "))
    ]
    assert len(confirmations) == 4  # three keys, then the closing totals
    assert confirmations[0].startswith("accepted test_app.py::")
    assert confirmations[1].startswith("rejected test_app.py::")
    assert confirmations[2].endswith("(still pending)")
    # Severity said once per change: on its own line, not at the end of the triage line.
    assert "— severity:" not in out
    assert out.count("  severity: ") == 4  # the fourth is shown, then quit
    # Breaking first, as everywhere else.
    assert out.index("[1/4] test_app.py::test_tool_arguments") < out.index("test_cosmetic")


def test_one_line_change_has_its_words_coloured() -> None:
    import io

    from pytest_llmseed.report.console import Out

    stream = io.StringIO()
    Out(stream, color=True).diff_line('  ~ output[0].content: "a red fox" → "a blue fox"')
    text = stream.getvalue()
    assert "\033[31mred\033[0m" in text
    assert "\033[32mblue\033[0m" in text
    assert '"a ' in text  # the words that did not change stay uncoloured
    plain = io.StringIO()
    Out(plain, color=False).diff_line('  ~ output[0].content: "a red fox" → "a blue fox"')
    assert plain.getvalue() == '  ~ output[0].content: "a red fox" → "a blue fox"\n'


def test_a_breaking_diff_cannot_break_out_of_its_block() -> None:
    from pytest_llmseed.records import (
        CassetteStatus,
        GoldenRecord,
        GoldenStatus,
        Severity,
        TestRecord,
    )
    from pytest_llmseed.report.markdown import step_summary
    from pytest_llmseed.report.run import RunReport

    def golden(arguments: str) -> str:
        call = {"tool_calls": [{"name": "f", "arguments": {"x": arguments}}]}
        return dump_golden({"llmseed_golden": 1, "kind": "text", "output": call})

    evil = "```\n</details>\n## forged <img src=x>\n```"
    record = TestRecord(
        nodeid="t.py::test_x",
        seed=1,
        record_mode="none",
        cassette="c.yaml",
        cassette_status=CassetteStatus.HIT,
        goldens=(
            GoldenRecord(
                name="g",
                path="g.llm.yaml",
                status=GoldenStatus.CHANGED,
                triage="output changed",
                stored=golden("fine"),
                received=golden(evil),
                severity=Severity.BREAKING,
            ),
        ),
    )
    report = RunReport()
    report.add(record)
    text = step_summary(report)
    lines = text.splitlines()
    # The payload stays one line inside the fence (code, not HTML): one block, one end.
    assert sum(line.startswith("<details>") for line in lines) == 1
    assert lines.count("</details>") == 1
    fences = [line for line in text.splitlines() if line.lstrip().startswith("```")]
    assert fences == ["```diff", "```"]
    assert "\n## forged" not in text
