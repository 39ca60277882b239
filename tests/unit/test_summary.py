"""The summary's totals say what happened: recorded, replayed, new, drifted, missed."""

from __future__ import annotations

import pytest

from pytest_llmseed.records import CassetteStatus, GoldenRecord, GoldenStatus, TestRecord
from pytest_llmseed.report.markdown import step_summary
from pytest_llmseed.report.run import RunReport
from pytest_llmseed.report.terminal import summary_lines, totals


def run(*tests: tuple[CassetteStatus, GoldenStatus | None]) -> RunReport:
    report = RunReport()
    for index, (cassette, golden) in enumerate(tests):
        goldens = (GoldenRecord("g", "g.llm.yaml", golden),) if golden else ()
        report.add(
            TestRecord(
                nodeid=f"t.py::test_{index}",
                seed=1234,
                record_mode="none",
                cassette="c.yaml",
                cassette_status=cassette,
                goldens=goldens,
            )
        )
    return report


R, H, M = CassetteStatus.RECORDED, CassetteStatus.HIT, CassetteStatus.MISS


@pytest.mark.parametrize(
    ("tests", "expected"),
    [
        ([(R, GoldenStatus.NEW)] * 3, "3 tests used seeded_llm: 3 recorded, 3 new goldens"),
        ([(H, GoldenStatus.MATCHED)], "1 test used seeded_llm: 1 replayed, 1 golden matched"),
        (
            [(H, GoldenStatus.MATCHED), (R, GoldenStatus.CHANGED), (M, None)],
            "3 tests used seeded_llm: 1 replayed, 1 recorded, 1 cassette miss, "
            "1 golden matched, 1 golden drifted",
        ),
        ([(R, GoldenStatus.UPDATED)], "1 test used seeded_llm: 1 recorded, 1 golden updated"),
        ([(H, GoldenStatus.MISSING)] * 2, "2 tests used seeded_llm: 2 replayed, 2 goldens missing"),
        ([(CassetteStatus.NO_CALLS, None)], "1 test used seeded_llm: no LLM calls"),
    ],
)
def test_totals_name_only_what_happened(
    tests: list[tuple[CassetteStatus, GoldenStatus | None]], expected: str
) -> None:
    assert totals(run(*tests)) == expected


def test_a_first_recording_lists_no_test_and_no_drift() -> None:
    report = run(*[(R, GoldenStatus.NEW)] * 3)
    assert summary_lines(report) == ["3 tests used seeded_llm: 3 recorded, 3 new goldens"]
    assert report.counts()["drifted"] == 0
    assert "| test |" not in step_summary(report)


def test_drift_and_misses_are_listed_recordings_are_not() -> None:
    report = run((R, GoldenStatus.NEW), (R, GoldenStatus.CHANGED), (M, None))
    listed = [line.split(": seed=")[0] for line in summary_lines(report)[1:]]
    assert listed == ["t.py::test_1", "t.py::test_2"]
    assert [r.nodeid for r in report.attention] == ["t.py::test_1", "t.py::test_2"]
    assert [r.nodeid for r in report.drifted] == ["t.py::test_1"]
