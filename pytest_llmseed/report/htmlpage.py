"""One self-contained HTML page for reviewers: an overview table, then each change's diff.

No external assets and no script: the page can be attached to a CI run as is, and reads in
light and dark mode (``prefers-color-scheme``). Every text goes through ``escape.for_html``.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from pytest_llmseed.files.escape import for_html as _esc
from pytest_llmseed.goldens.fileformat import HEADER
from pytest_llmseed.records import SEVERITY_ORDER, severity_rank
from pytest_llmseed.report.htmldiff import side_by_side

_STYLE = """
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e;
  --line: #d1d9e0; --head: #f6f8fa; --note: #fff8c5; --add: #dafbe1; --add-word: #aceebb;
  --sub: #ffebe9; --sub-word: #ffcecb; --link: #0969da; --code: #eff2f5;
  --cosmetic: #1a7f37; --rewording: #9a6700; --breaking: #cf222e; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --head: #151b23;
    --note: #3b2e00; --add: #12261e; --add-word: #1f6f3f; --sub: #2d1215; --sub-word: #8e1519;
    --link: #4493f8; --code: #262c36; --cosmetic: #3fb950; --rewording: #d29922;
    --breaking: #f85149; }
}
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1.5em 2em;
  max-width: 1600px; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.4em; margin: 0 0 .3em; }
h2 { font: 600 1em/1.3 ui-monospace, monospace; margin: 0; overflow-wrap: anywhere; }
a { color: var(--link); }
code, .cmd { font: 12px/1.4 ui-monospace, monospace; background: var(--code);
  border-radius: 4px; padding: .1em .35em; overflow-wrap: anywhere; }
.summary { color: var(--muted); margin: 0 0 1.2em; }
table { border-collapse: collapse; width: 100%; }
table.overview { margin-bottom: 2em; table-layout: fixed; }
table.overview th, table.overview td { border: 1px solid var(--line); padding: .35em .6em;
  text-align: left; vertical-align: top; overflow-wrap: anywhere; }
table.overview th { background: var(--head); }
table.overview col.test { width: 70%; }
table.overview col.status { width: 15%; } table.overview col.link { width: 15%; }
table.overview tr.group th { background: var(--bg); font-weight: normal; }
.totals { font-size: 1.1em; margin: 0 0 1em; }
.severity { font-weight: 600; text-transform: uppercase; font-size: .8em; letter-spacing: .03em; }
.severity.cosmetic { color: var(--cosmetic); } .severity.rewording { color: var(--rewording); }
.severity.breaking { color: var(--breaking); }
section.change { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 2em; }
section.change > header { background: var(--head); padding: .6em .8em;
  border-bottom: 1px solid var(--line); }
section.change > header p { margin: .3em 0 0; overflow-wrap: anywhere; }
.triage, .note { background: var(--note); padding: .2em .45em; border-radius: 4px; }
.accept { color: var(--muted); }
.body { padding: .6em .8em; }
table.diff { table-layout: fixed; font: 12px/1.4 ui-monospace, monospace; }
table.diff col.no { width: 3.5em; }
table.diff td { padding: 0 .5em; vertical-align: top; white-space: pre-wrap;
  overflow-wrap: anywhere; word-break: break-word; }
table.diff td.no { color: var(--muted); text-align: right; user-select: none; }
tr.sub td.old, tr.chg td.old { background: var(--sub); }
tr.add td.new, tr.chg td.new { background: var(--add); }
del { background: var(--sub-word); text-decoration: none; border-radius: 2px; }
ins { background: var(--add-word); text-decoration: none; border-radius: 2px; }
details.context summary { color: var(--muted); cursor: pointer; padding: .15em 4em;
  font: 12px ui-monospace, monospace; border-top: 1px dashed var(--line);
  border-bottom: 1px dashed var(--line); }
.labels { display: grid; grid-template-columns: 1fr 1fr; color: var(--muted);
  font: 12px/1.4 ui-monospace, monospace; margin-bottom: .3em; }
.labels span { padding-left: 4.5em; }
"""


@dataclass(frozen=True)
class ChangedGolden:
    """What the page shows for one golden: who, how bad, why, before and after."""

    nodeid: str
    golden: str
    triage: str
    stored: str
    received: str
    status: str = "changed"
    severity: str | None = None
    """``cosmetic``, ``rewording`` or ``breaking`` where the run graded the change."""
    probe: str = ""
    """What ``--llmseed-probe`` measured for the test, as one line (empty when not probed)."""


def accept_command(change: ChangedGolden, review: str = "llmseed review") -> str:
    """The command that accepts this one change (run from the project's root), with the
    ``--from`` the run's ``review`` command carries."""
    return f"llmseed accept {shlex.quote(change.nodeid)}{review.removeprefix('llmseed review')}"


def _severity(change: ChangedGolden) -> str:
    if not change.severity:
        return ""
    name = _esc(change.severity)
    return f'<span class="severity {name}">{name}</span> '


def _triage(change: ChangedGolden) -> str:
    """The triage line without the severity the badge beside it already shows."""
    if change.severity:
        return change.triage.removesuffix(f" — severity: {change.severity}")
    return change.triage


def ordered(changes: Iterable[ChangedGolden]) -> list[ChangedGolden]:
    """Breaking first, then rewording, cosmetic, the rest (new goldens); by name within."""
    return sorted(changes, key=lambda c: (severity_rank(c.severity), c.nodeid, c.golden))


def _groups(items: list[ChangedGolden]) -> list[tuple[str | None, str, list[int]]]:
    """``(severity, triage, [change numbers])``: changes sharing a severity and a triage,
    in reading order, so the page says each triage sentence once."""
    groups: dict[tuple[str | None, str], list[int]] = {}
    for n, change in enumerate(items, 1):
        groups.setdefault((change.severity, _triage(change)), []).append(n)
    return [(severity, triage, numbers) for (severity, triage), numbers in groups.items()]


def _overview(items: list[ChangedGolden]) -> str:
    rows = []
    for _grade, triage, numbers in _groups(items):
        badge = _severity(items[numbers[0] - 1])
        rows.append(
            f'<tr class="group"><th colspan="3">{badge}<span class="triage">{_esc(triage)}'
            f"</span> ({len(numbers)})</th></tr>"
        )
        rows += [
            f"<tr><td><code>{_esc(items[n - 1].nodeid)}</code></td>"
            f"<td>{_esc(items[n - 1].status)}</td>"
            f'<td><a href="#change-{n}">diff</a></td></tr>'
            for n in numbers
        ]
    return (
        '<table class="overview"><colgroup><col class="test">'
        '<col class="status"><col class="link"></colgroup>'
        "<thead><tr><th>test</th><th>status</th><th>change</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _totals(items: list[ChangedGolden]) -> str:
    """The counts by severity, at the top of the page."""
    found = [c.severity for c in items]
    parts = [
        f'<span class="severity {name}">{name}</span> {found.count(name)}'
        for name in (str(s) for s in SEVERITY_ORDER)
    ]
    others = sum(1 for c in items if c.severity is None)
    if others:
        parts.append(f"new {others}")
    return f'<p class="totals">{" · ".join(parts)}</p>'


def _body(text: str) -> str:
    """A golden's text without the file header: two comment lines no diff needs."""
    return text.removeprefix(HEADER)


def _section(n: int, change: ChangedGolden, review: str) -> str:
    if change.stored:
        diff = side_by_side(_body(change.stored), _body(change.received))
        labels = '<div class="labels"><span>stored golden</span><span>received</span></div>'
    else:
        diff = side_by_side("", _body(change.received))
        labels = (
            '<div class="labels"><span>stored golden (none yet)</span><span>received</span></div>'
        )
    return (
        f'<section class="change" id="change-{n}"><header><h2>{_esc(change.nodeid)}</h2>'
        f'<p>{_severity(change)}<span class="triage">{_esc(_triage(change))}</span></p>'
        f"<p>golden: <code>{_esc(change.golden)}</code> · status: {_esc(change.status)}</p>"
        + (f'<p class="probe">probe: {_esc(change.probe)}</p>' if change.probe else "")
        + f'<p class="accept">accept it: <code class="cmd">{_esc(accept_command(change, review))}'
        f"</code> (or review every change with <code>{_esc(review)}</code>"
        + (
            ""
            if " --from " in review
            else "; for changes downloaded from a CI run add <code>--from DIR</code>"
        )
        + ")</p></header>"
        f'<div class="body">{labels}{diff}</div></section>'
    )


def _lead_style() -> str:
    from pytest_llmseed.report.whatif_html import STYLE

    return STYLE


def render(
    changes: Iterable[ChangedGolden],
    *,
    title: str = "pytest-llmseed drift",
    summary: str = "",
    review: str = "llmseed review",
    lead: str = "",
) -> str:
    """The whole page: ``lead`` (a what-if run's answer, HTML), the overview table, then
    one section per change."""
    items = ordered(changes)
    count = f"{len(items)} changed golden(s) to review."
    if items:
        body = (
            _totals(items)
            + _overview(items)
            + "\n".join(_section(n, c, review) for n, c in enumerate(items, 1))
        )
    else:
        body = "<p>No golden changed.</p>"
    said = f'<p class="summary">{_esc(summary)} · {count}</p>' if summary else f"<p>{count}</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{_esc(title)}</title><style>{_STYLE}{lead and _lead_style()}</style></head>"
        f"<body><h1>{_esc(title)}</h1>{said}{lead}{body}</body></html>\n"
    )
