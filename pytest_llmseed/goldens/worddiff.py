"""Word-level diffs of two texts: changed regions with a few words of context.

Used for golden text and for the request a cassette has no answer for, so both read alike.
"""

from __future__ import annotations

import re

CONTEXT_WORDS = 6
MAX_HUNKS = 8
MAX_HUNK_LINES = 12
"""Lines shown of one changed region in the line-by-line fallback."""
MAX_LINE = 400
"""Characters shown of one line of a diff (a single line can be a whole answer)."""
# A word with the whitespace after it: whitespace changes still show, and matching works on
# words (a whitespace piece of its own would match everywhere and make diffs slow).
_PIECES = re.compile(r"\s+|\S+\s*")


def show(value: object, limit: int = 120) -> str:
    """A value on one line, strings quoted with line breaks as ⏎, cut at ``limit``."""
    if isinstance(value, str):
        text = '"' + value[: limit + 1].replace("\n", "⏎") + '"'
    else:
        try:
            text = repr(value)
        except ValueError:  # an integer too long to print (sys.get_int_max_str_digits)
            text = f"<a value that cannot be shown: {type(value).__name__}>"
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

WORK_PER_ITEM = 20
"""Operations a diff may spend per word (or line) of its two inputs, beyond ``WORK_FLOOR``."""
WORK_FLOOR = 100_000
"""Operations any diff may spend: small texts always get the finest diff."""


class Work:
    """An operations budget that grows linearly with the input: past it a diff gives way
    to a coarser one (words, then lines, then a summary), so no input costs more."""

    def __init__(self, items: int) -> None:
        self.limit = WORK_FLOOR + WORK_PER_ITEM * items
        self.spent = 0

    def spend(self, operations: int) -> bool:
        """Count ``operations``; False once the budget is exceeded."""
        self.spent += operations
        return self.spent <= self.limit


def _few_edit_blocks(a: list[str], b: list[str], work: Work) -> list[Block] | None:
    """Matching blocks of a shortest edit script (Myers' O(ND) diff), or None once ``work``
    is spent.

    Fast when the texts differ in a few places, however often their words repeat, where
    difflib's longest-match search slows down with every repeated word ("the", "and").
    """
    n, m = len(a), len(b)
    furthest: dict[int, int] = {1: 0}  # furthest x reached on each diagonal k = x - y
    trace: list[list[int]] = []
    for d in range(n + m + 1):
        # What the backtrack needs of this step: diagonals -d-1 .. d+1 before it.
        trace.append([furthest.get(k, 0) for k in range(-d - 1, d + 2)])
        if not work.spend(2 * d + 3):
            return None
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and furthest[k - 1] < furthest[k + 1]):
                x = furthest[k + 1]  # a word inserted
            else:
                x = furthest[k - 1] + 1  # a word deleted
            y = start = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            furthest[k] = x
            if not work.spend(y - start + 1):
                return None
            if x >= n and y >= m:
                return _backtrack(trace, n, m)
    return None  # pragma: no cover (d = n + m always reaches the end)


def _backtrack(trace: list[list[int]], x: int, y: int) -> list[Block]:
    """The diagonal runs (equal words) of the path Myers' search found, in order."""
    blocks: list[Block] = []
    for d in range(len(trace) - 1, 0, -1):
        step, k = trace[d], x - y

        def reached(diagonal: int, step: list[int] = step, d: int = d) -> int:
            return step[diagonal + d + 1]

        inserted = k == -d or (k != d and reached(k - 1) < reached(k + 1))
        prev_k = k + 1 if inserted else k - 1
        prev_x = reached(prev_k)
        start_x = prev_x if inserted else prev_x + 1  # where the run of equal words begins
        if x > start_x:
            blocks.append((start_x, start_x - k, x - start_x))
        x, y = prev_x, prev_x - prev_k
    if x > 0:
        blocks.append((0, 0, x))
    blocks.reverse()
    return blocks


def _compact(a: list[str], b: list[str], blocks: list[Block], work: Work) -> list[Block]:
    """Slide each change left over the equal words it can trade places with.

    A shortest edit script may split a replacement around a repeated word, showing
    ``{+FIRST +}gamma [-gamma -]``; moved left, the two edits meet: ``[-gamma-]{+FIRST+}``.
    A deletion of ``a[i]`` trades places with the equal word before it when
    ``a[i - 1] == a[i]`` (an insertion likewise in ``b``), so only runs of one repeated word
    are crossed. Once ``work`` is spent the blocks are kept as they are.
    """
    steps: list[tuple[int | None, int | None]] = []  # (i, j) equal, (i, None), (None, j)
    i = j = 0
    for block_a, block_b, size in [*blocks, (len(a), len(b), 0)]:
        steps.extend((x, None) for x in range(i, block_a))
        steps.extend((None, y) for y in range(j, block_b))
        steps.extend((block_a + t, block_b + t) for t in range(size))
        i, j = block_a + size, block_b + size
    if not work.spend(len(steps)):
        return blocks
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
            if not work.spend(1):
                return blocks
    compacted: list[Block] = []
    for x, y in steps:
        if x is None or y is None:
            continue
        if compacted and sum(compacted[-1][::2]) == x and sum(compacted[-1][1:]) == y:
            compacted[-1] = (compacted[-1][0], compacted[-1][1], compacted[-1][2] + 1)
        else:
            compacted.append((x, y, 1))
    return compacted


def matching_blocks(a: list[str], b: list[str], work: Work | None = None) -> list[Block] | None:
    """``(i, j, size)`` runs where ``a[i:i+size] == b[j:j+size]``, in order, merged; None
    when finding them would cost more than ``work`` (by default, linear in the input)."""
    n, m = len(a), len(b)
    work = Work(n + m) if work is None else work
    head = 0
    while head < min(n, m) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(n, m) - head and a[n - 1 - tail] == b[m - 1 - tail]:
        tail += 1
    work.spend(head + tail)
    found = _few_edit_blocks(a[head : n - tail], b[head : m - tail], work)
    if found is None:
        return None
    blocks: list[Block] = [(0, 0, head)] if head else []
    blocks += [(i + head, j + head, size) for i, j, size in found if size]
    if tail:
        blocks.append((n - tail, m - tail, tail))
    return _compact(a, b, blocks, work)


def opcodes(blocks: list[Block], n: int, m: int) -> list[Opcode]:
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


def _cut(line: str) -> str:
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"


def word_diff(old: str, new: str) -> list[str]:
    """Changed regions of a text with a few words of context: ``[-old-]{+new+}``.

    Only the regions around changes are shown, so a one-word change in a 2,000-word answer
    is one short line, not the answer twice. Past the work bound (``Work``) the changed
    lines are shown instead, and past that a summary; the first line says which.
    """
    a, b = _PIECES.findall(old), _PIECES.findall(new)
    summary = f"{len(old.split())} → {len(new.split())} words"
    blocks = matching_blocks(a, b)
    if blocks is None:
        return _line_diff(old, new, summary)
    groups = _grouped(opcodes(blocks, len(a), len(b)), 2 * CONTEXT_WORDS)
    summary += f", {len(groups)} changed region(s)"
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
        lines.append(_cut(lead + "".join(_render(op, a, b) for op in group) + tail))
    if len(groups) > MAX_HUNKS:
        lines.append(f"… and {len(groups) - MAX_HUNKS} more changed region(s)")
    return lines


WORDS_TOO_MANY = "too many word changes for a word diff: changed lines shown"
LINES_TOO_MANY = "too many changes for a word or line diff: only the beginnings shown"


def _line_diff(old: str, new: str, summary: str) -> list[str]:
    """The coarser diff: changed lines with one line of context, or else a summary."""
    a, b = old.splitlines(), new.splitlines()
    blocks = matching_blocks(a, b)
    if blocks is None:
        return [f"{summary}; {LINES_TOO_MANY}", f"- {show(old, 200)}", f"+ {show(new, 200)}"]
    groups = _grouped(opcodes(blocks, len(a), len(b)), 1)
    # The first line as word_diff's: the summary, then which diff this is.
    lines = [summary + f", {len(groups)} changed region(s); " + WORDS_TOO_MANY]
    for group in groups[:MAX_HUNKS]:
        shown: list[str] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                shown += ["  " + line for line in a[i1:i2]]
            else:
                shown += ["- " + line for line in a[i1:i2]]
                shown += ["+ " + line for line in b[j1:j2]]
        lines += [_cut(line) for line in shown[:MAX_HUNK_LINES]]
        if len(shown) > MAX_HUNK_LINES:
            lines.append(f"  … {len(shown) - MAX_HUNK_LINES} more line(s) in this region")
    if len(groups) > MAX_HUNKS:
        lines.append(f"… and {len(groups) - MAX_HUNKS} more changed region(s)")
    return lines
