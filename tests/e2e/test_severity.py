"""Drift severity on changed goldens and ``--llmseed-fail-on``, end to end.

Each test records real answers once, then edits the stored golden the way a later
recording would differ: the replayed answer is then a cosmetic, rewording or breaking
change from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import SEVERITY_CASES, llmseed
from llm_server import FakeOpenAIServer

from pytest_llmseed.goldens.fileformat import dump_golden, load_golden

TESTS = (
    SEVERITY_CASES
    + """
def test_cut_off(seeded_llm):
    assert ask(seeded_llm.client, "four", max_tokens=3) == seeded_llm.snapshot
"""
)


def _upper(choice: dict[str, Any]) -> None:
    choice["content"] = "  " + choice["content"].upper().replace(" ", "   ") + "\n"


def _reword(choice: dict[str, Any]) -> None:
    choice["content"] = "Something else entirely."


def _other_arguments(choice: dict[str, Any]) -> None:
    choice["tool_calls"][0]["arguments"] = {"city": "Atlantis"}


def _was_complete(choice: dict[str, Any]) -> None:
    choice["finish_reason"] = "stop"
    choice["content"] += " and the rest of the answer."


EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "test_cosmetic": _upper,
    "test_rewording": _reword,
    "test_tool_arguments": _other_arguments,
    "test_cut_off": _was_complete,
}
EXPECTED = {
    "test_cosmetic": "cosmetic",
    "test_rewording": "rewording",
    "test_tool_arguments": "breaking",
    "test_cut_off": "breaking",
}


@pytest.fixture
def drifting(pytester: pytest.Pytester, llm_env: FakeOpenAIServer) -> Path:
    """Recorded goldens, each then edited into an older version the replay differs from."""
    pytester.makepyfile(test_app=TESTS)
    pytester.runpytest("--llmseed-record-mode=once", "--snapshot-update").assert_outcomes(passed=4)
    for name, edit in EDITS.items():
        path = pytester.path / f"__snapshots__/test_app/{name}.llm.yaml"
        document = load_golden(path.read_text())
        edit(document["output"][0])
        path.write_text(dump_golden(document))
    return pytester.path


def report(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / "r.json").read_text())
    return data


def severities(data: dict[str, Any]) -> dict[str, str]:
    return {t["nodeid"].split("::")[1]: t["goldens"][0]["severity"] for t in data["tests"]}


def test_each_class_in_triage_report_and_html(pytester: pytest.Pytester, drifting: Path) -> None:
    result = pytester.runpytest("--llmseed-report=r.json", "--llmseed-html=d.html")
    result.assert_outcomes(failed=4)
    result.stdout.fnmatch_lines(
        [
            "E  *triage: output changed at the same request and backend "
            "(sampling noise or a real regression) — severity: *",
        ]
    )
    result.stdout.fnmatch_lines(["test_app.py::test_cosmetic: * golden=changed severity=cosmetic"])
    data = report(drifting)
    assert severities(data) == EXPECTED
    for test in data["tests"]:
        golden = test["goldens"][0]
        assert not golden["triage"].startswith("triage:")
        assert "severity" not in golden["triage"]
        assert golden["tolerated"] is False
    page = (drifting / "d.html").read_text()
    for severity in ("cosmetic", "rewording", "breaking"):
        assert f'<span class="severity {severity}">{severity}</span>' in page


def test_fail_on_breaking_lets_cosmetic_and_rewording_pass(
    pytester: pytest.Pytester, drifting: Path
) -> None:
    result = pytester.runpytest("--llmseed-fail-on=breaking", "--llmseed-report=r.json")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "llmseed: seed=1234 record-mode=none fail-on=breaking",
            "FAILED test_app.py::test_tool_arguments*",
            "FAILED test_app.py::test_cut_off*",
        ],
        consecutive=False,
    )
    result.stdout.fnmatch_lines(
        [
            "test_app.py::test_cosmetic: * golden=changed severity=cosmetic",
            "    triage: * — severity: cosmetic",
            "    passed: below --llmseed-fail-on=breaking (still pending)",
        ]
    )
    result.stdout.fnmatch_lines(
        ["2 changed golden(s) passed under --llmseed-fail-on=breaking (cosmetic or rewording)*"]
    )
    data = report(drifting)
    assert severities(data) == EXPECTED
    tolerated = {t["nodeid"].split("::")[1]: t["goldens"][0]["tolerated"] for t in data["tests"]}
    assert tolerated == {
        "test_cosmetic": True,
        "test_rewording": True,
        "test_tool_arguments": False,
        "test_cut_off": False,
    }
    assert data["summary"]["goldens_changed"] == 4
    assert data["summary"]["goldens_tolerated"] == 2
    # Still pending, every one: the stored goldens are untouched until reviewed.
    pending = sorted(p.name for p in (drifting / ".llmseed-pending").rglob("*.llmseed-pending"))
    assert len(pending) == 4
    status = llmseed(drifting, "status")
    assert status.returncode == 1
    assert "rewording (1)" in status.stdout


def test_review_shows_the_severity(pytester: pytest.Pytester, drifting: Path) -> None:
    pytester.runpytest().assert_outcomes(failed=4)
    review = llmseed(drifting, "review", input="s\ns\ns\ns\n")
    found = [line.strip() for line in review.stdout.splitlines() if "severity:" in line]
    assert "severity: breaking" in found
    assert "severity: cosmetic" in found


def test_only_non_breaking_drift_exits_zero(pytester: pytest.Pytester, drifting: Path) -> None:
    result = pytester.runpytest("--llmseed-fail-on=breaking", "-k", "cosmetic or rewording")
    result.assert_outcomes(passed=2, deselected=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["2 pending change(s): review with `llmseed review`"])


def test_snapshot_update_still_writes_tolerated_changes(
    pytester: pytest.Pytester, drifting: Path
) -> None:
    before = (drifting / "__snapshots__/test_app/test_rewording.llm.yaml").read_text()
    result = pytester.runpytest("--llmseed-fail-on=breaking", "--snapshot-update")
    result.assert_outcomes(passed=4)
    after = (drifting / "__snapshots__/test_app/test_rewording.llm.yaml").read_text()
    assert after != before
    assert "Something else entirely." not in after
    pytester.runpytest().assert_outcomes(passed=4)


def test_ini_twin_and_bad_values(pytester: pytest.Pytester, drifting: Path) -> None:
    pytester.makeini("[pytest]\nllmseed_fail_on = breaking\n")
    pytester.runpytest().assert_outcomes(passed=2, failed=2)
    bad = pytester.runpytest("--llmseed-fail-on=cosmetic")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--llmseed-fail-on: invalid choice: 'cosmetic'*"])
    pytester.makeini("[pytest]\nllmseed_fail_on = some\n")
    bad_ini = pytester.runpytest()
    assert bad_ini.ret == pytest.ExitCode.USAGE_ERROR
    bad_ini.stderr.fnmatch_lines(
        ["*llmseed_fail_on = 'some' in *fail-on must be one of any, breaking*"]
    )


def test_under_xdist_same_verdicts(pytester: pytest.Pytester, drifting: Path) -> None:
    result = pytester.runpytest("-n", "2", "--llmseed-fail-on=breaking", "--llmseed-report=r.json")
    result.assert_outcomes(passed=2, failed=2)
    data = report(drifting)
    assert severities(data) == EXPECTED
    assert data["summary"]["goldens_tolerated"] == 2
