"""How ``llmseed`` shows one pending change: its targets, triage, severity, golden diff and
cassette diff, all worked out here from the files (never the artifact's words about itself)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_llmseed.errors import ConfinementError, GoldenFileError
from pytest_llmseed.files import yamlio
from pytest_llmseed.files.escape import for_terminal
from pytest_llmseed.report.console import Out
from pytest_llmseed.review.pending import PendingChange

MAX_CASSETTE_LINES = 300
"""Changed cassette lines shown (the rest is counted, and the file to read named)."""


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
    """The change's severity (None for a new golden or an unreadable one), then its triage
    line and diff, computed from the committed golden and the received one."""
    from pytest_llmseed.goldens.fileformat import load_golden
    from pytest_llmseed.goldens.outcomes import NEW_GOLDEN_TRIAGE
    from pytest_llmseed.goldens.severity import classify
    from pytest_llmseed.goldens.triage import describe_change

    current = change.current
    if current is None:
        body = change.received.splitlines()
        return None, [f"triage: {NEW_GOLDEN_TRIAGE}", *("    " + line for line in body)]
    try:
        old: Any = load_golden(current)
        new: Any = load_golden(change.received)
    except GoldenFileError as exc:
        return None, [f"triage: cannot compare: {exc}"]
    return str(classify(old, new)), describe_change(old, new)


def severity_and_triage(change: PendingChange) -> tuple[str | None, str]:
    """The plugin's severity of a change (None: new or unreadable) and its triage sentence,
    without the severity (said apart)."""
    severity, lines = _compared(change)
    triage = lines[0]
    return severity, triage.removesuffix(f" — severity: {severity}") if severity else triage


def cassette_lines(change: PendingChange) -> list[str]:
    """What accepting does to the cassette: every changed line of its requests and answers
    against the committed cassette (the whole file when it is new), escaped for a terminal."""
    if change.cassette is None or change.cassette_pending is None:
        return []
    try:
        new = change.project.sources.read_text(change.cassette_pending, limit=yamlio.MAX_TEXT)
    except (OSError, UnicodeDecodeError, ConfinementError) as exc:
        return [f"cassette change: cannot be read ({for_terminal(str(exc))})"]
    try:
        old = change.project.targets.read_text(change.cassette, limit=yamlio.MAX_TEXT)
    except FileNotFoundError:
        old = ""
    except (OSError, UnicodeDecodeError, ConfinementError) as exc:
        old = f"(the committed cassette cannot be read: {exc})"
    if old == new:
        return ["cassette change: none (the same requests and answers)"]
    where = _rel(change.cassette_pending)
    changed, how = _changed_lines(old.splitlines(), new.splitlines())
    shown = [for_terminal(line) for line in changed[:MAX_CASSETTE_LINES]]
    if len(changed) > MAX_CASSETTE_LINES:
        shown.append(f"… {len(changed) - MAX_CASSETTE_LINES} more changed line(s): read {where}")
    return [f"cassette change (requests and answers, from {where}): {how}", *shown]


def _changed_lines(old: list[str], new: list[str]) -> tuple[list[str], str]:
    """Every removed (``-``) and added (``+``) line, in order, and how they were found."""
    from pytest_llmseed.goldens.worddiff import matching_blocks, opcodes

    if not old:
        return ["+ " + line for line in new], f"a new cassette of {len(new)} line(s)"
    blocks = matching_blocks(old, new)
    if blocks is None:  # past the work bound: the whole new file, not a diff
        return ["+ " + line for line in new], "too many changes for a diff: the new file"
    lines: list[str] = []
    for tag, i1, i2, j1, j2 in opcodes(blocks, len(old), len(new)):
        if tag != "equal":
            lines += ["- " + line for line in old[i1:i2]] + ["+ " + line for line in new[j1:j2]]
    return lines, f"{len(lines)} changed line(s)"


def show(out: Out, change: PendingChange, index: int, total: int) -> None:
    """One change as ``llmseed review`` presents it, every artifact text escaped."""
    out.line(f"[{index}/{total}] {for_terminal(change.test)}", "bold")
    for target in targets(change):
        out.line(f"  {target}", "dim")
    severity, lines = _compared(change)
    # The severity has a line of its own: said once, not also at the triage line's end.
    triage = lines[0].removesuffix(f" — severity: {severity}") if severity else lines[0]
    out.line(for_terminal(triage), "yellow")
    if severity is not None:
        out.line(f"  severity: {severity}", "red" if severity == "breaking" else "yellow")
    for text in lines[1:]:
        out.diff_line("  " + for_terminal(text))
    for text in cassette_lines(change):
        out.diff_line("  " + text)


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
