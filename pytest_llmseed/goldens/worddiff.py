"""Word-level diffs of two texts: changed regions with a few words of context.

Used for golden text and for the request a cassette has no answer for, so both read alike.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

CONTEXT_WORDS = 6
MAX_HUNKS = 8
# Beyond this many inserted + deleted words the few-edits diff gives way to difflib's.
MAX_QUICK_EDITS = 300
# A word with the whitespace after it: whitespace changes still show, and matching works on
# words (a whitespace piece of its own would match everywhere and make diffs slow).
_PIECES = re.compile(r"\s+|\S+\s*")


def show(value: object, limit: int = 120) -> str:
    """A value on one line, strings quoted with line breaks as ⏎, cut at ``limit``."""
    text = repr(value) if not isinstance(value, str) else '"' + value.replace("\n", "⏎") + '"'
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _visible(pieces: list[str]) -> str:
    return "".join(pieces).replace("\n", "⏎")


def _render(op: tuple[str, int, int, int, int], a: list[str], b: list[str]) -> str:
    tag, i1, i2, j1, j2 = op
    if tag == "equal":
        return _visible(a[i1:i2])
    old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
    # Whitespace both sides end with stays outside the markers: [-cat-]{+dog+} not [-cat -].
    tail = ""
    if tag == "replace":
        common = len(old) - len(old.rstrip())
        common = min(common, len(new) - len(new.rstrip()))
        if common and old[-common:] == new[-common:]:
            old, new, tail = old[:-common], new[:-common], old[-common:]
    removed = f"[-{_visible([old])}-]" if tag in ("replace", "delete") else ""
    added = f"{{+{_visible([new])}+}}" if tag in ("replace", "insert") else ""
    return removed + added + _visible([tail])


Block = tuple[int, int, int]
Opcode = tuple[str, int, int, int, int]


def _few_edit_blocks(a: list[str], b: list[str], limit: int) -> list[Block] | None:
    """Matching blocks of a shortest edit script (Myers' O(ND) diff), or None past ``limit``.

    Fast when the texts differ in a few places, however often their words repeat, where
    difflib's longest-match search slows down with every repeated word ("the", "and").
    """
    n, m = len(a), len(b)
    offset = limit + 1
    furthest = [0] * (2 * limit + 3)  # furthest x reached on each diagonal k = x - y
    trace: list[list[int]] = []
    for d in range(limit + 1):
        trace.append(furthest[:])
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and furthest[offset + k - 1] < furthest[offset + k + 1]):
                x = furthest[offset + k + 1]  # a word inserted
            else:
                x = furthest[offset + k - 1] + 1  # a word deleted
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            furthest[offset + k] = x
            if x >= n and y >= m:
                return _backtrack(trace, offset, n, m)
    return None


def _backtrack(trace: list[list[int]], offset: int, x: int, y: int) -> list[Block]:
    """The diagonal runs (equal words) of the path Myers' search found, in order."""
    blocks: list[Block] = []
    for d in range(len(trace) - 1, 0, -1):
        furthest, k = trace[d], x - y
        inserted = k == -d or (k != d and furthest[offset + k - 1] < furthest[offset + k + 1])
        prev_k = k + 1 if inserted else k - 1
        prev_x = furthest[offset + prev_k]
        start_x = prev_x if inserted else prev_x + 1  # where the run of equal words begins
        if x > start_x:
            blocks.append((start_x, start_x - k, x - start_x))
        x, y = prev_x, prev_x - prev_k
    if x > 0:
        blocks.append((0, 0, x))
    blocks.reverse()
    return blocks


def _compact(a: list[str], b: list[str], blocks: list[Block]) -> list[Block]:
    """Slide each change left over the equal words it can trade places with.

    A shortest edit script may split a replacement around a repeated word, showing
    ``{+FIRST +}gamma [-gamma -]``; moved left, the two edits meet: ``[-gamma-]{+FIRST+}``.
    A deletion of ``a[i]`` trades places with the equal word before it when
    ``a[i - 1] == a[i]`` (an insertion likewise in ``b``), so only runs of one repeated word
    are crossed.
    """
    steps: list[tuple[int | None, int | None]] = []  # (i, j) equal, (i, None), (None, j)
    i = j = 0
    for block_a, block_b, size in [*blocks, (len(a), len(b), 0)]:
        steps.extend((x, None) for x in range(i, block_a))
        steps.extend((None, y) for y in range(j, block_b))
        steps.extend((block_a + t, block_b + t) for t in range(size))
        i, j = block_a + size, block_b + size
    for index in range(1, len(steps)):
        k = index
        while k > 0:
            (prev_a, prev_b), (cur_a, cur_b) = steps[k - 1], steps[k]
            if prev_a is None or prev_b is None or (cur_a is not None and cur_b is not None):
                break  # only a change after an equal word moves
            if cur_b is None and cur_a is not None and a[prev_a] == a[cur_a]:
                steps[k - 1], steps[k] = (prev_a, None), (cur_a, prev_b)
            elif cur_a is None and cur_b is not None and b[prev_b] == b[cur_b]:
                steps[k - 1], steps[k] = (None, prev_b), (prev_a, cur_b)
            else:
                break
            k -= 1
    compacted: list[Block] = []
    for x, y in steps:
        if x is None or y is None:
            continue
        if compacted and sum(compacted[-1][::2]) == x and sum(compacted[-1][1:]) == y:
            compacted[-1] = (compacted[-1][0], compacted[-1][1], compacted[-1][2] + 1)
        else:
            compacted.append((x, y, 1))
    return compacted


def matching_blocks(a: list[str], b: list[str]) -> list[Block]:
    """``(i, j, size)`` runs where ``a[i:i+size] == b[j:j+size]``, in order, merged."""
    n, m = len(a), len(b)
    head = 0
    while head < min(n, m) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(n, m) - head and a[n - 1 - tail] == b[m - 1 - tail]:
        tail += 1
    mid_a, mid_b = a[head : n - tail], b[head : m - tail]
    matcher = SequenceMatcher(None, mid_a, mid_b, autojunk=False)
    quick = None
    if mid_a and mid_b and matcher.quick_ratio() >= 0.5:  # else a rewrite: many edits
        quick = _few_edit_blocks(mid_a, mid_b, MAX_QUICK_EDITS)
    if quick is None:
        found = [(block.a, block.b, block.size) for block in matcher.get_matching_blocks()]
    else:
        found = quick
    blocks: list[Block] = [(0, 0, head)] if head else []
    for i, j, size in found:
        if size:
            blocks.append((i + head, j + head, size))
    if tail:
        blocks.append((n - tail, m - tail, tail))
    if quick is not None:
        return _compact(a, b, blocks)
    merged: list[Block] = []
    for i, j, size in blocks:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + size)
        else:
            merged.append((i, j, size))
    return merged


def _opcodes(blocks: list[Block], n: int, m: int) -> list[Opcode]:
    """difflib's ``get_opcodes`` from matching blocks."""
    codes: list[Opcode] = []
    i = j = 0
    for ai, bj, size in [*blocks, (n, m, 0)]:
        tag = "replace" if i < ai and j < bj else "delete" if i < ai else "insert" if j < bj else ""
        if tag:
            codes.append((tag, i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            codes.append(("equal", ai, i, bj, j))
    return codes


def _grouped(codes: list[Opcode], context: int) -> list[list[Opcode]]:
    """difflib's ``get_grouped_opcodes``: change regions with ``context`` equal words around."""
    codes = codes or [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)
    groups: list[list[Opcode]] = []
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        start_a, start_b = i1, j1
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            groups.append(group)
            group = []
            start_a, start_b = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, start_a, i2, start_b, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


def word_diff(old: str, new: str) -> list[str]:
    """Changed regions of a text with a few words of context: ``[-old-]{+new+}``.

    Only the regions around changes are shown, so a one-word change in a 2,000-word answer
    is one short line, not the answer twice.
    """
    a, b = _PIECES.findall(old), _PIECES.findall(new)
    blocks = matching_blocks(a, b)
    groups = _grouped(_opcodes(blocks, len(a), len(b)), 2 * CONTEXT_WORDS)
    summary = f"{len(old.split())} → {len(new.split())} words, {len(groups)} changed region(s)"
    same = sum(size for _i, _j, size in blocks)
    ratio = 2 * same / (len(a) + len(b)) if a or b else 1.0
    if ratio < 0.5:
        # Mostly rewritten: word hunks would be noise; show both beginnings instead.
        return [
            f"{summary}, mostly rewritten (similarity {ratio:.0%})",
            f"- {show(old, 200)}",
            f"+ {show(new, 200)}",
        ]
    lines = [summary]
    for group in groups[:MAX_HUNKS]:
        lead = "…" if group[0][1] > 0 else ""
        tail = "…" if group[-1][2] < len(a) else ""
        lines.append(lead + "".join(_render(op, a, b) for op in group) + tail)
    if len(groups) > MAX_HUNKS:
        lines.append(f"… and {len(groups) - MAX_HUNKS} more changed region(s)")
    return lines
