"""Writing a run's report files: JSON, the HTML diff page, GitHub's step summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pytest_llmseed.errors import SecretLeakError
from pytest_llmseed.files.atomic import atomic_write_text
from pytest_llmseed.records import TestRecord
from pytest_llmseed.redaction import secrets as scrub
from pytest_llmseed.report.run import RunReport


def probe_line(record: TestRecord) -> str:
    """What ``--llmseed-probe`` measured for a test, as one line ('' when not probed)."""
    return "; ".join(
        f"call {p.call}: {p.distinct} distinct output(s) in {p.samples} samples"
        + (f" (fingerprints {', '.join(p.fingerprints)})" if p.fingerprints else "")
        for p in record.probes
    )


if TYPE_CHECKING:
    from pytest_llmseed.report.htmlpage import ChangedGolden


def changed_goldens(report: RunReport) -> list[ChangedGolden]:
    """Every golden of the run with a received output to review, for the HTML page."""
    from pytest_llmseed.report.htmlpage import ChangedGolden

    return [
        ChangedGolden(
            nodeid=record.nodeid,
            golden=golden.path,
            triage=golden.triage or "",
            stored=golden.stored or "",
            received=golden.received,
            status=str(golden.status),
            severity=str(golden.severity) if golden.severity else None,
            probe=probe_line(record),
        )
        for record in report.attention
        for golden in record.goldens
        if golden.received is not None
    ]


def _checked(path: Path | str, text: str, secrets: list[str]) -> str:
    """``text``, once it is known to hold none of ``secrets`` (else SecretLeakError)."""
    if secrets and scrub.leaks(text, secrets):
        raise SecretLeakError(path, "the report")
    return text


def write_outputs(
    report: RunReport,
    *,
    json_path: Path | None,
    html_path: Path | None,
    step_summary: str | None,
    secrets: list[str] | None = None,
) -> None:
    """Write whichever outputs were asked for; the JSON and HTML files atomically.

    Each test's record was redacted against that test's secrets; ``secrets`` (the keys
    every test knows) are checked once more in each file's final text.
    """
    known = secrets or []
    if json_path is not None:
        from pytest_llmseed.report.jsonfile import to_json

        atomic_write_text(json_path, _checked(json_path, to_json(report), known))
    if html_path is not None:
        from pytest_llmseed.report.htmlpage import render
        from pytest_llmseed.report.terminal import totals

        review = report.review_command
        lead = ""
        if report.swap:
            from pytest_llmseed.report import whatif, whatif_html

            found = whatif.what_if(report)
            lead = whatif_html.section(found, review) if found else ""
        title = f"pytest-llmseed what-if: {report.swap}" if report.swap else "pytest-llmseed drift"
        page = render(
            changed_goldens(report), title=title, summary=totals(report), review=review, lead=lead
        )
        atomic_write_text(html_path, _checked(html_path, page, known))
    if step_summary and not report.empty:
        from pytest_llmseed.report.markdown import step_summary as markdown

        text = _checked(step_summary, markdown(report), known)
        # Appended, as every step of a GitHub job shares the file.
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(text)
