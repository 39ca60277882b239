"""The Markdown table appended to GitHub's job summary (``GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

from pytest_llmseed.files.escape import for_markdown, for_markdown_code, for_terminal
from pytest_llmseed.records import GoldenRecord, Severity
from pytest_llmseed.report.run import RunReport
from pytest_llmseed.report.terminal import severity_totals, totals

DIFF_LINES = 20
"""How much of a breaking change's diff the step summary shows (the HTML page has it all)."""


def _breaking_diff(nodeid: str, golden: GoldenRecord) -> list[str]:
    """A collapsible block with the first lines of a breaking change's word diff."""
    # Imported for a breaking change only: the diff machinery (deepdiff, word diffs).
    from pytest_llmseed.errors import GoldenFileError
    from pytest_llmseed.goldens.fileformat import load_golden
    from pytest_llmseed.goldens.triage import describe_change

    try:
        lines = describe_change(
            load_golden(golden.stored or ""), load_golden(golden.received or "")
        )
    except GoldenFileError as exc:
        lines = ["", f"cannot diff: {exc}"]
    shown = lines[1:]  # the triage sentence is in the table already
    if len(shown) > DIFF_LINES:
        shown = [*shown[:DIFF_LINES], f"... {len(shown) - DIFF_LINES} more line(s)"]
    # A fenced block shows the text as it is (control characters made visible); only a
    # fence inside it could end it early.
    body = [for_terminal(line).replace("```", "`\u200b``") for line in shown]
    return [
        "",
        f"<details><summary>breaking: {for_markdown(nodeid)}</summary>",
        "",
        "```diff",
        *body,
        "```",
        "",
        "</details>",
    ]


def step_summary(report: RunReport) -> str:
    """A heading, the totals (by severity too), a table of the drifted or missed tests,
    breaking first, and the diff of each breaking change."""
    c = report.counts()
    out = [
        "### pytest-llmseed",
        "",
        totals(report).replace("seeded_llm", "`seeded_llm`", 1)
        + f"; {c['pending']} pending change(s).",
        "",
    ]
    if report.swap:
        from pytest_llmseed.report.whatif import markdown_lines, what_if

        found = what_if(report)
        out += markdown_lines(found) if found else []
    by_severity = severity_totals(report)
    if by_severity:
        out += [f"**{for_markdown(by_severity)}**", ""]
    details: list[str] = []
    if report.attention:
        out += [
            "| severity | test | seed | cassette | golden | triage |",
            "|---|---|---|---|---|---|",
        ]
        for r in report.attention:
            goldens = ", ".join(g.status for g in r.goldens) or "not compared"
            triage = for_markdown(r.triage or "")
            severity = f"**{r.severity}**" if r.severity is Severity.BREAKING else r.severity
            out.append(
                f"| {severity or '-'} | {for_markdown_code(r.nodeid)} | {r.seed} "
                f"| {r.cassette_status} | {goldens} | {triage} |"
            )
            for golden in r.goldens:
                if golden.severity is Severity.BREAKING and golden.stored and golden.received:
                    details += _breaking_diff(r.nodeid, golden)
    out += details
    for path in report.unused_cassettes:
        out.append(f"- unused cassette: {for_markdown_code(path)}")
    if c["pending"]:
        out += ["", f"Review the pending changes with `{report.review_command}`."]
    return "\n".join(out) + "\n"
