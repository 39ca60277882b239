"""A side-by-side HTML diff of two texts: word highlights in changed lines, context collapsed.

Pure rendering for ``htmlpage``: every piece of text goes through ``escape.for_html``. The
matching is ``worddiff``'s, with its linear work bound: a line with too many word changes is
marked whole, texts with too many changed lines are shown whole, each saying so.
"""

from __future__ import annotations

import re

from pytest_llmseed.files.escape import for_html as _esc
from pytest_llmseed.goldens.worddiff import Work, matching_blocks, opcodes

CONTEXT_LINES = 3
# A run of unchanged lines longer than this is folded into a <details> the reader can open.
FOLD_AT = 2 * CONTEXT_LINES + 2
_WORDS = re.compile(r"\s+|\S+\s*")
WORDS_TOO_MANY = "too many word changes in this line to mark them: the whole line is marked"
LINES_TOO_MANY = "too many changed lines for a line diff: both texts are shown whole"


def _word_marks(old: str, new: str, work: Work) -> tuple[str, str]:
    """Both lines as HTML, the words that differ wrapped in <del> / <ins>."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    blocks = matching_blocks(a, b, work)
    if blocks is None:
        note = f'<span class="note">{WORDS_TOO_MANY}</span> '
        return note + f"<del>{_esc(old)}</del>", note + f"<ins>{_esc(new)}</ins>"
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in opcodes(blocks, len(a), len(b)):
        old_part, new_part = _esc("".join(a[i1:i2])), _esc("".join(b[j1:j2]))
        if tag == "equal":
            left.append(old_part)
            right.append(new_part)
            continue
        if old_part:
            left.append(f"<del>{old_part}</del>")
        if new_part:
            right.append(f"<ins>{new_part}</ins>")
    return "".join(left), "".join(right)


def _row(kind: str, old_no: int | None, old: str, new_no: int | None, new: str) -> str:
    """One table row; ``old`` and ``new`` are HTML already."""
    left_no = "" if old_no is None else str(old_no)
    right_no = "" if new_no is None else str(new_no)
    return (
        f'<tr class="{kind}"><td class="no">{left_no}</td><td class="old">{old}</td>'
        f'<td class="no">{right_no}</td><td class="new">{new}</td></tr>'
    )


def _table(rows: list[str]) -> str:
    return (
        '<table class="diff"><colgroup><col class="no"><col><col class="no"><col></colgroup>'
        + "".join(rows)
        + "</table>"
    )


def _changed_rows(
    a: list[str], b: list[str], op: tuple[str, int, int, int, int], work: Work | None
) -> list[str]:
    """Rows of a replace / delete / insert block: paired lines get word highlights."""
    _tag, i1, i2, j1, j2 = op
    rows = []
    for k in range(max(i2 - i1, j2 - j1)):
        old = a[i1 + k] if i1 + k < i2 else None
        new = b[j1 + k] if j1 + k < j2 else None
        if old is not None and new is not None:
            if work is not None:
                left, right = _word_marks(old, new, work)
            else:
                left, right = f"<del>{_esc(old)}</del>", f"<ins>{_esc(new)}</ins>"
            rows.append(_row("chg", i1 + k + 1, left, j1 + k + 1, right))
        elif old is not None:
            rows.append(_row("sub", i1 + k + 1, f"<del>{_esc(old)}</del>", None, ""))
        elif new is not None:
            rows.append(_row("add", None, "", j1 + k + 1, f"<ins>{_esc(new)}</ins>"))
    return rows


def _equal_rows(a: list[str], i1: int, i2: int, j1: int) -> list[str]:
    return [_row("same", i + 1, _esc(a[i]), j1 + i - i1 + 1, _esc(a[i])) for i in range(i1, i2)]


def side_by_side(old: str, new: str) -> str:
    """The diff of ``old`` (stored) and ``new`` (received) as HTML: tables and folded context."""
    a, b = old.splitlines(), new.splitlines()
    # One budget for the page: the lines' alignment and every changed line's word marks.
    work = Work(len(a) + len(b) + len(old.split()) + len(new.split()))
    blocks = matching_blocks(a, b, work)
    if blocks is None:
        return (
            f'<p class="note">{LINES_TOO_MANY}</p>'
            f"{_table(_changed_rows(a, b, ('replace', 0, len(a), 0, len(b)), None))}"
        )
    ops = opcodes(blocks, len(a), len(b))
    parts: list[str] = []
    rows: list[str] = []
    for index, op in enumerate(ops):
        tag, i1, i2, j1, j2 = op
        if tag != "equal":
            rows += _changed_rows(a, b, op, work)
            continue
        head = CONTEXT_LINES if index > 0 else 0
        tail = CONTEXT_LINES if index < len(ops) - 1 else 0
        if i2 - i1 <= max(FOLD_AT, head + tail):
            rows += _equal_rows(a, i1, i2, j1)
            continue
        rows += _equal_rows(a, i1, i1 + head, j1)
        if rows:
            parts.append(_table(rows))
        hidden = i2 - i1 - head - tail
        parts.append(
            f'<details class="context"><summary>{hidden} unchanged line(s)</summary>'
            f"{_table(_equal_rows(a, i1 + head, i2 - tail, j1 + head))}</details>"
        )
        rows = _equal_rows(a, i2 - tail, i2, j2 - tail)
    if rows:
        parts.append(_table(rows))
    return "".join(parts) or '<p class="same">The texts are identical.</p>'
