"""One self-contained HTML page with side-by-side diffs of every changed golden."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from .escape import html, terminal

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #1f2328; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; font-family: monospace; }
.triage { background: #fff8c5; padding: .4em .6em; border-radius: 4px; }
table.diff { font: 12px/1.3 ui-monospace, monospace; border-collapse: collapse; width: 100%; }
table.diff td { padding: 0 .4em; vertical-align: top; white-space: pre-wrap; }
.diff_header { color: #8c959f; text-align: right; }
.diff_next { display: none; }
.diff_add { background: #dafbe1; } .diff_chg { background: #fff8c5; }
.diff_sub { background: #ffebe9; }
"""


@dataclass(frozen=True)
class ChangedGolden:
    """What the page shows for one golden: who, why, before and after."""

    nodeid: str
    golden: str
    triage: str
    stored: str
    received: str
    severity: str = ""
    """cosmetic, rewording or breaking (empty for a new golden)."""
    probe: str = ""
    """What ``--llmseed-probe`` measured for the test, as one line (empty when not probed)."""


def _facts(change: ChangedGolden) -> str:
    """Severity and probe results, one small line each."""
    found = [("severity", change.severity), ("probe", change.probe)]
    return "".join(f'<p class="{name}">{name}: {html(value)}</p>' for name, value in found if value)


def render(changes: Iterable[ChangedGolden], *, title: str = "pytest-llmseed drift") -> str:
    """The whole page; no external assets, so it can be attached to a CI run as is."""
    differ = difflib.HtmlDiff(wrapcolumn=90)
    sections = []
    items = list(changes)
    for change in items:
        # HtmlDiff escapes markup itself; control characters are made visible first.
        table = differ.make_table(
            [terminal(line) for line in change.stored.splitlines()],
            [terminal(line) for line in change.received.splitlines()],
            fromdesc="stored golden",
            todesc="received",
            context=True,
            numlines=3,
        )
        sections.append(
            f'<section class="change"><h2>{html(change.nodeid)}</h2>'
            f"<p>{html(change.golden)}</p>"
            f'<p class="triage">{html(change.triage)}</p>'
            f"{_facts(change)}{table}</section>"
        )
    body = "\n".join(sections) or "<p>No golden changed.</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html(title)}</h1><p>{len(items)} changed golden(s).</p>"
        f"{body}</body></html>\n"
    )
