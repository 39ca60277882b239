"""``llmseed status``: pending changes grouped by severity, breaking first, with totals."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from pytest_llmseed.files.escape import for_terminal
from pytest_llmseed.report.console import Out
from pytest_llmseed.review.describe import cassette_lines, severity_and_triage, targets
from pytest_llmseed.review.pending import PendingChange


def review_hint(sources: Sequence[Path] | None) -> str:
    """The review command that finds these changes again (the same ``--from``)."""
    return " ".join(["llmseed review", *(f"--from {shlex.quote(str(s))}" for s in sources or ())])


def cmd_status(
    changes: list[PendingChange],
    out: Out,
    sources: Sequence[Path] | None = None,
    *,
    verbose: bool = False,
) -> int:
    """List pending changes grouped by severity, breaking first; exit 1 when there are any
    (a CI-friendly check). ``verbose`` adds each change's cassette diff."""
    from pytest_llmseed.records import SEVERITY_ORDER

    if not changes:
        out.line("no pending changes")
        return 0
    # Severity and triage as the plugin computes them from the two goldens: an artifact's
    # own words about itself are never shown.
    graded = [(*severity_and_triage(c), c) for c in changes]
    groups = [str(s) for s in SEVERITY_ORDER] + [None]
    for group in groups:
        members = [(triage, c) for severity, triage, c in graded if severity == group]
        if not members:
            continue
        color = "red" if group == "breaking" else "yellow" if group else "bold"
        out.line(f"{group or 'new or unreadable'} ({len(members)})", color)
        for triage, change in members:
            out.line(f"  {for_terminal(change.test)}", "bold")
            for target in targets(change):
                out.line(f"      {target}", "dim")
            out.line(f"      {for_terminal(triage)}", "yellow")
            if verbose:
                for text in cassette_lines(change):
                    out.diff_line("      " + text)
    counts = ", ".join(
        f"{sum(1 for severity, _t, _c in graded if severity == name)} {name}"
        for name in groups
        if name is not None
    )
    out.line(
        f"{len(changes)} pending change(s) ({counts}): review with `{review_hint(sources)}`",
        "bold",
    )
    return 1
