"""Writing a run's report files: JSON, the HTML diff page, GitHub's step summary."""

from __future__ import annotations

from pathlib import Path

from ..files.atomic import atomic_write_text
from .model import RunReport


def write_outputs(
    report: RunReport,
    *,
    json_path: Path | None,
    html_path: Path | None,
    step_summary: str | None,
) -> None:
    """Write whichever outputs were asked for; the JSON and HTML files atomically."""
    if json_path is not None:
        from .jsonfile import to_json

        atomic_write_text(json_path, to_json(report))
    if html_path is not None:
        from .htmlpage import ChangedGolden, render

        changes = [
            ChangedGolden(
                nodeid=record.nodeid,
                golden=golden.path,
                triage=golden.triage or "",
                stored=golden.stored or "",
                received=golden.received,
            )
            for record in report.drifted
            for golden in record.goldens
            if golden.received is not None
        ]
        atomic_write_text(html_path, render(changes))
    if step_summary and not report.empty:
        from .markdown import step_summary as markdown

        # Appended, as every step of a GitHub job shares the file.
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(markdown(report))
