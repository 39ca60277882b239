"""How ``llmseed`` shows one pending change: its targets, triage, severity and diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_llmseed.errors import GoldenFileError
from pytest_llmseed.files.escape import for_terminal
from pytest_llmseed.report.console import Out
from pytest_llmseed.review.pending import PendingChange


def _rel(path: Path) -> str:
    try:
        return for_terminal(str(path.resolve().relative_to(Path.cwd().resolve())))
    except ValueError:
        return for_terminal(str(path))


def targets(change: PendingChange) -> list[str]:
    """Both files a change writes: its golden, and its cassette (or why there is none)."""
    # A new golden's cassette was recorded for the first time, not re-recorded.
    recorded = "recorded with it" if change.current is None else "re-recorded with it"
    cassette = (
        f"{_rel(change.cassette)} ({recorded})"
        if change.cassette is not None
        else "unchanged (the run replayed it)"
    )
    return [f"golden:   {_rel(change.golden)}", f"cassette: {cassette}"]


def _compared(change: PendingChange) -> tuple[str | None, list[str]]:
    """The change's severity (None for a new golden or an unreadable one) and its diff.

    Both goldens are loaded once for the two.
    """
    from pytest_llmseed.goldens.fileformat import load_golden
    from pytest_llmseed.goldens.severity import classify
    from pytest_llmseed.goldens.triage import describe_change

    current = change.current
    if current is None:
        body = change.received.splitlines()
        return None, ["new golden (nothing stored yet):", *("    " + line for line in body)]
    try:
        old: Any = load_golden(current)
        new: Any = load_golden(change.received)
    except GoldenFileError as exc:
        return None, [f"cannot diff: {exc}"]
    return str(classify(old, new)), describe_change(old, new)[1:]


def show(out: Out, change: PendingChange, index: int, total: int) -> None:
    """One change as ``llmseed review`` presents it, every artifact text escaped."""
    out.line(f"[{index}/{total}] {for_terminal(change.test)}", "bold")
    for target in targets(change):
        out.line(f"  {target}", "dim")
    severity, diff = _compared(change)
    # The severity has a line of its own: said once, not also at the triage line's end.
    triage = change.triage.removesuffix(f" — severity: {severity}") if severity else change.triage
    out.line(for_terminal(triage), "yellow")
    if severity is not None:
        out.line(f"  severity: {severity}", "red" if severity == "breaking" else "yellow")
    for text in diff:
        out.diff_line("  " + for_terminal(text))


def severity_of(change: PendingChange) -> str | None:
    """How much a pending change matters (None: a new golden, or one that cannot be read)."""
    from pytest_llmseed.goldens.fileformat import load_golden
    from pytest_llmseed.goldens.severity import classify

    if change.current is None:
        return None
    try:
        return str(classify(load_golden(change.current), load_golden(change.received)))
    except GoldenFileError:
        return None
