"""The Markdown table appended to GitHub's job summary (``GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

from pytest_llmseed.files.escape import for_markdown, for_markdown_code
from pytest_llmseed.records import RunReport
from pytest_llmseed.report.terminal import totals


def step_summary(report: RunReport) -> str:
    """A heading, the totals and a table of the drifted or missed tests."""
    c = report.counts()
    out = [
        "### pytest-llmseed",
        "",
        totals(report).replace("seeded_llm", "`seeded_llm`", 1)
        + f"; {c['pending']} pending change(s).",
        "",
    ]
    if report.attention:
        out += ["| test | seed | cassette | golden | triage |", "|---|---|---|---|---|"]
        for r in report.attention:
            goldens = ", ".join(g.status for g in r.goldens) or "-"
            triage = for_markdown((r.triage or "").removeprefix("triage: "))
            out.append(
                f"| {for_markdown_code(r.nodeid)} | {r.seed} | {r.cassette_status} | {goldens} "
                f"| {triage} |"
            )
    for path in report.unused_cassettes:
        out.append(f"- unused cassette: {for_markdown_code(path)}")
    return "\n".join(out) + "\n"
