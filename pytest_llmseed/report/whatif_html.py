"""The first screen of a what-if run's HTML page: the swap, the verdicts' totals, token
usage before and after, then every test, breaking first. Every text through ``for_html``."""

from __future__ import annotations

from pytest_llmseed.files.escape import for_html as _esc
from pytest_llmseed.records import Tokens
from pytest_llmseed.report.whatif import (
    UNCHANGED,
    WhatIf,
    probe_text,
    ratio_text,
    unmatched_text,
)

STYLE = """
.whatif { border: 2px solid var(--line); border-radius: 8px; padding: 1em 1.2em;
  margin: 0 0 2em; }
.whatif h2 { font: 600 1.25em/1.3 system-ui, sans-serif; margin: 0 0 .6em; }
.verdicts { display: flex; gap: .8em; flex-wrap: wrap; margin: 0 0 1em; }
.verdict { border: 1px solid var(--line); border-radius: 6px; padding: .4em .9em;
  min-width: 8em; }
.verdict b { display: block; font-size: 1.8em; line-height: 1.1; }
.verdict.breaking b { color: var(--breaking); } .verdict.rewording b { color: var(--rewording); }
.verdict.cosmetic b { color: var(--cosmetic); }
table.tokens, table.whatif-tests { margin: 0 0 1em; }
table.tokens { width: auto; } table.tokens td.n { min-width: 7em; }
table.tokens th, table.tokens td, table.whatif-tests th, table.whatif-tests td {
  border: 1px solid var(--line); padding: .3em .6em; text-align: left; }
table.tokens td.n, table.whatif-tests td.n { text-align: right;
  font-variant-numeric: tabular-nums; }
table.tokens th, table.whatif-tests th { background: var(--head); }
.warn { background: var(--note); padding: .2em .45em; border-radius: 4px; }
"""


def _token_row(name: str, t: Tokens) -> str:
    return (
        f"<tr><th>{_esc(name)}</th><td class='n'>{t.prompt}</td><td class='n'>{t.completion}</td>"
        f"<td class='n'>{t.total}</td></tr>"
    )


def _verdict_class(verdict: str) -> str:
    return verdict if verdict in ("breaking", "rewording", "cosmetic") else "other"


def _tests(found: WhatIf) -> str:
    rows = []
    for t in found.tests:
        css = _verdict_class(t.verdict)
        notes = ", ".join(n for n, on in (("failed", t.failed), ("varies", t.varied)) if on)
        rows.append(
            f"<tr><td><span class='severity {css}'>{_esc(t.verdict)}</span></td>"
            f"<td><code>{_esc(t.nodeid)}</code>{' · ' + _esc(notes) if notes else ''}</td>"
            f"<td class='n'>{t.before.prompt}</td><td class='n'>{t.before.completion}</td>"
            f"<td class='n'>{t.before.total}</td><td class='n'>{t.after.prompt}</td>"
            f"<td class='n'>{t.after.completion}</td><td class='n'>{t.after.total}</td></tr>"
        )
    return (
        "<table class='whatif-tests'><thead><tr><th rowspan='2'>verdict</th>"
        "<th rowspan='2'>test</th><th colspan='3'>tokens before</th>"
        "<th colspan='3'>tokens after</th></tr><tr><th>prompt</th><th>completion</th>"
        "<th>total</th><th>prompt</th><th>completion</th><th>total</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def section(found: WhatIf, review: str) -> str:
    """The what-if answer as the page's first section."""
    boxes = "".join(
        f"<div class='verdict {_verdict_class(v)}'><b>{n}</b>{_esc(v)}</div>"
        for v, n in found.totals().items()
    )
    safe = found.totals().get("breaking", 0) == 0
    answer = (
        "No test breaks under the new model."
        if safe
        else f"{found.totals()['breaking']} test(s) break under the new model."
    )
    extra = [probe_text(found)] + [unmatched_text(e) for e in found.unmatched]
    notes = "".join(f"<p class='warn'>{_esc(x)}</p>" for x in extra if x)
    unchanged = found.totals().get(UNCHANGED, 0)
    return (
        f"<section class='whatif'><h2>What if {_esc(found.swap)}?</h2>"
        f"<p><strong>{_esc(answer)}</strong> {unchanged} of {len(found.tests)} unchanged. "
        f"Nothing committed was changed: adopt answers with <code>{_esc(review)}</code>.</p>"
        f"<div class='verdicts'>{boxes}</div>"
        "<table class='tokens'><thead><tr><th>tokens</th><th>prompt</th><th>completion</th>"
        "<th>total</th></tr></thead><tbody>"
        f"{_token_row('before (goldens)', found.before)}{_token_row('after', found.after)}"
        f"<tr><th>after / before</th><td colspan='3' class='n'>{_esc(ratio_text(found))}</td></tr>"
        f"</tbody></table>{notes}{_tests(found)}</section>"
    )
