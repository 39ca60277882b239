"""The llmseed section of pytest's terminal summary, as lines (printing is the plugin's)."""

from __future__ import annotations

from .model import RunReport


def summary_lines(report: RunReport) -> list[str]:
    """The terminal summary: totals, then each drifted test with its triage and pending files."""
    if report.empty:
        return []
    c = report.counts()
    lines = [
        f"{c['tests']} tests used seeded_llm: {c['drifted']} drifted, "
        f"{c['cassette_misses']} cassette misses, {c['cassettes_recorded']} recorded, "
        f"{c['goldens_changed']} goldens changed, {c['goldens_missing']} missing, "
        f"{c['goldens_new']} written"
    ]
    for record in report.drifted:
        goldens = ", ".join(g.status for g in record.goldens) or "no golden"
        lines.append(
            f"{record.nodeid}: seed={record.seed} cassette={record.cassette_status} "
            f"golden={goldens}"
        )
        if record.triage:
            lines.append(f"    {record.triage}")
        for path in record.pending:
            lines.append(f"    pending: {path}")
    for path in report.unused_cassettes:
        lines.append(f"unused cassette: {path}")
    if c["pending"]:
        lines.append(f"{c['pending']} pending change(s): review with `llmseed review`")
    return lines
