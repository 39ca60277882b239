"""Run reports: terminal summary, JSON (schema-checked), HTML, GitHub summary, JUnit, xdist."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from helpers import report_schema
from llm_server import FakeOpenAIServer

SUITE = """
import pytest

@pytest.mark.parametrize("topic", ["spring", "autumn", "winter"])
def test_x(seeded_llm, topic):
    out = seeded_llm.client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": f"Tell me about {topic}"}],
        max_tokens=20,
    )
    assert out == seeded_llm.snapshot

def test_plain():
    pass
"""


@pytest.fixture
def drifted(
    pytester: pytest.Pytester, llm_server: FakeOpenAIServer, llm_env: FakeOpenAIServer
) -> Path:
    """Three recorded tests; the backend then changes its fingerprint and one answer."""
    pytester.makepyfile(test_r=SUITE)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=4)
    llm_server.system_fingerprint = "fp_test_0002"
    return pytester.path


def rerecord_winter(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # Only "winter" is re-recorded live (with another seed so its text changes).
    return pytester.runpytest(
        "--llmseed-record-mode=all", "--llmseed-seed=9", "-k", "winter or plain", *args
    )


def test_terminal_summary_lists_drift_with_seed_cassette_golden_triage(
    drifted: Path, pytester: pytest.Pytester
) -> None:
    result = rerecord_winter(pytester)
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*- llmseed summary -*",
            "1 test used seeded_llm: 1 recorded, 1 golden drifted",
            "test_r.py::test_x[[]winter[]]: seed=9 cassette=recorded golden=changed "
            "severity=rewording",
            "    triage: request changed: seed 1234 → 9 — severity: rewording",
            "    pending: .llmseed-pending/__snapshots__/test_r/test_x[[]winter[]].llm.yaml.llmseed-pending",
            "1 pending change(s): review with `llmseed review`",
        ]
    )
    # A clean replay prints a one-line summary of what happened.
    clean = pytester.runpytest("-k", "spring")
    clean.assert_outcomes(passed=1)
    clean.stdout.fnmatch_lines(["1 test used seeded_llm: 1 replayed, 1 golden matched"])


def test_summary_of_a_first_recording_and_of_misses_says_what_happened(
    pytester: pytest.Pytester, llm_env: FakeOpenAIServer
) -> None:
    pytester.makepyfile(test_r=SUITE)
    first = pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update")
    first.assert_outcomes(passed=4)
    first.stdout.fnmatch_lines(["3 tests used seeded_llm: 3 recorded, 3 new goldens"])
    first.stdout.no_fnmatch_line("*drifted*")
    first.stdout.no_fnmatch_line("*cassette=recorded*")  # a recording is no finding
    pytester.makepyfile(test_r=SUITE.replace("Tell me about", "Tell me all about"))
    missed = pytester.runpytest()
    missed.assert_outcomes(failed=3, passed=1)
    missed.stdout.fnmatch_lines(
        ["3 tests used seeded_llm: 3 cassette misses", "test_r.py::test_x[[]autumn[]]: *=miss*"]
    )
    missed.stdout.no_fnmatch_line("*drifted*")


def test_json_report_is_valid_against_its_schema(drifted: Path, pytester: pytest.Pytester) -> None:
    report = drifted / "out" / "llmseed.json"
    rerecord_winter(pytester, f"--llmseed-report={report}")
    data = json.loads(report.read_text())
    jsonschema.validate(data, report_schema())
    assert data["summary"]["drifted"] == 1
    (test,) = data["tests"]
    assert test["nodeid"] == "test_r.py::test_x[winter]"
    assert test["outcome"] == "failed"
    assert test["seed"] == 9
    assert test["cassette"] == {
        "path": "cassettes/test_r/test_x[winter].yaml",
        "status": "recorded",
    }
    assert test["goldens"][0]["status"] == "changed"
    assert "seed: 9" in test["goldens"][0]["received"]
    # The full replay run: every test matched, still schema-valid.
    pytester.runpytest(f"--llmseed-report={report}", "-p", "no:randomly")
    data = json.loads(report.read_text())
    jsonschema.validate(data, report_schema())
    assert {t["cassette"]["status"] for t in data["tests"]} == {"hit"}
    assert data["summary"]["tests"] == 3


def test_json_report_from_ini_and_under_xdist_merges_workers(
    drifted: Path, pytester: pytest.Pytester
) -> None:
    pytester.makeini("[pytest]\nllmseed_report = reports/run.json\n")
    result = pytester.runpytest("-n", "2", "--llmseed-record-mode=all", "--llmseed-seed=9")
    result.assert_outcomes(failed=3, passed=1)
    result.stdout.fnmatch_lines(["3 tests used seeded_llm: 3 recorded, 3 goldens drifted"])
    data = json.loads((drifted / "reports" / "run.json").read_text())
    jsonschema.validate(data, report_schema())
    assert sorted(t["nodeid"] for t in data["tests"]) == [
        "test_r.py::test_x[autumn]",
        "test_r.py::test_x[spring]",
        "test_r.py::test_x[winter]",
    ]
    assert data["summary"]["pending"] == 3


def test_rerecording_where_only_meta_changed_passes_and_says_recorded(
    drifted: Path, pytester: pytest.Pytester
) -> None:
    # Same seed, new fingerprint: only meta changes, which is not compared.
    report = drifted / "r.json"
    result = pytester.runpytest(
        "--llmseed-record-mode=all", "-k", "spring", f"--llmseed-report={report}"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["1 test used seeded_llm: 1 recorded, 1 golden matched"])
    result.stdout.no_fnmatch_line("*drifted*")
    (test,) = json.loads(report.read_text())["tests"]
    assert test["goldens"][0]["status"] == "matched"
    assert test["pending"] == []


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith("#"):
                self.external.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_page_is_self_contained_with_side_by_side_diffs(
    drifted: Path, pytester: pytest.Pytester
) -> None:
    page = drifted / "drift.html"
    rerecord_winter(pytester, f"--llmseed-html={page}")
    parser = _Page()
    parser.feed(page.read_text())
    text = " ".join(parser.text)
    assert parser.external == []  # no external assets
    assert parser.tags.count("section") == 1
    assert "table" in parser.tags
    assert "test_r.py::test_x[winter]" in text
    assert "request changed: seed 1234 → 9" in text
    assert '<span class="severity rewording">rewording</span>' in page.read_text()
    assert "stored golden" in text
    assert "received" in text


def test_github_step_summary_and_junit_properties(
    drifted: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = drifted / "step_summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    junit = drifted / "junit.xml"
    rerecord_winter(pytester, f"--junitxml={junit}")
    text = summary.read_text()
    assert text.startswith("# earlier step\n")  # appended, not overwritten
    assert (
        "| rewording | `test_r.py::test_x[winter]` | 9 | recorded | changed "
        "| request changed\\: seed 1234 → 9 |" in text
    )
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    props = {p.get("name"): p.get("value") for p in cases["test_x[winter]"].iter("property")}
    assert props == {
        "llmseed_seed": "9",
        "llmseed_triage": "triage: request changed: seed 1234 → 9 — severity: rewording",
    }
    assert not list(cases["test_plain"].iter("property"))
