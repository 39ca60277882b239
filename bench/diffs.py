"""The diffs' work at doubling sizes: time and counted operations grow linearly.

Run by hand (``python bench/diffs.py``, ``--sizes 5000 10000 20000 40000``). Each row is a
worst case of one diff the plugin shows: many scattered word changes, one long line, many
changed lines, a reordered list, wide lists, a deep document, a golden's failure diff and
the HTML page. Doubling the input should roughly double both columns; a row whose time
quadruples is a diff without a bound.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_llmseed.goldens import worddiff
from pytest_llmseed.goldens.diffs import diff_lines
from pytest_llmseed.goldens.triage import describe_change
from pytest_llmseed.report.htmldiff import side_by_side

_spent = [0]
_spend = worddiff.Work.spend


def _counting(self: worddiff.Work, operations: int) -> bool:
    _spent[0] += operations
    return _spend(self, operations)


worddiff.Work.spend = _counting  # type: ignore[method-assign]


def _texts(size: int) -> tuple[list[str], list[str]]:
    rng = random.Random(size)
    old = [rng.choice(["the", "a", "cat", "and", "sat", "on"]) for _ in range(size)]
    new = [w if i % 3 else f"X{i}" for i, w in enumerate(old)]
    return old, new


def cases(size: int) -> dict[str, Callable[[], Any]]:
    """The worst-case inputs at ``size`` words (or items)."""
    old, new = _texts(size)
    line_a, line_b = " ".join(old), " ".join(new)
    lines_a, lines_b = "\n".join(old), "\n".join(new)
    items = [random.Random(size).randint(0, 3) for _ in range(size)]
    wide_a = [{"id": i, "v": items[i : i + 60]} for i in range(0, size, 60)]
    wide_b = [{"id": d["id"], "v": list(reversed(d["v"]))} for d in wide_a]
    deep_a: Any = {"leaf": line_a[: size // 4]}
    deep_b: Any = {"leaf": line_b[: size // 4]}
    for _ in range(90):
        deep_a, deep_b = {"k": [deep_a]}, {"k": [deep_b]}
    golden_a = {"llmseed_golden": 1, "output": [{"content": lines_a}]}
    golden_b = {"llmseed_golden": 1, "output": [{"content": lines_b}]}
    return {
        "word diff, scattered changes": lambda: worddiff.word_diff(line_a, line_b),
        "word diff, one word per line": lambda: worddiff.word_diff(lines_a, lines_b),
        "path diff, reordered list": lambda: diff_lines({"l": items}, {"l": items[::-1]}),
        "path diff, wide lists of 60": lambda: diff_lines(wide_a, wide_b),
        "path diff, deep document": lambda: diff_lines(deep_a, deep_b),
        "failure diff of a golden": lambda: describe_change(golden_a, golden_b),
        "HTML, many changed lines": lambda: side_by_side(lines_a, lines_b),
        "HTML, one long line": lambda: side_by_side(line_a, line_b),
    }


def main() -> None:
    """Print each case's time and operations at each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[5000, 10000, 20000, 40000])
    sizes = parser.parse_args().sizes
    rows: dict[str, list[str]] = {}
    for size in sizes:
        for name, run in cases(size).items():
            _spent[0] = 0
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            rows.setdefault(name, []).append(f"{elapsed:6.2f} s {_spent[0]:>10,} ops")
    print(f"| case | {' | '.join(f'{s:,} words' for s in sizes)} |")
    print(f"|---|{'---|' * len(sizes)}")
    for name, cells in rows.items():
        print(f"| {name} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
