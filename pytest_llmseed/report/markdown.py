"""The Markdown table appended to GitHub's job summary (``GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

from .escape import markdown, markdown_code
from .model import RunReport


def step_summary(report: RunReport) -> str:
    """A heading, the totals and a table of the drifted tests."""
    c = report.counts()
    out = [
        "### pytest-llmseed",
        "",
        f"{c['tests']} tests used `seeded_llm`; {c['drifted']} drifted; "
        f"{c['pending']} pending change(s).",
        "",
    ]
    if report.drifted:
        out += ["| test | seed | cassette | golden | triage |", "|---|---|---|---|---|"]
        for r in report.drifted:
            goldens = ", ".join(g.status for g in r.goldens) or "-"
            triage = markdown((r.triage or "").removeprefix("triage: "))
            out.append(
                f"| {markdown_code(r.nodeid)} | {r.seed} | {r.cassette_status} | {goldens} "
                f"| {triage} |"
            )
    for path in report.unused_cassettes:
        out.append(f"- unused cassette: {markdown_code(path)}")
    return "\n".join(out) + "\n"
