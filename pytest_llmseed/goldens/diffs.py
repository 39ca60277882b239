"""Path-by-path diffs of golden documents (deepdiff), word-level where text changed."""

from __future__ import annotations

import re
from typing import Any

from pytest_llmseed.goldens.worddiff import show, word_diff

MAX_CHANGES = 30


def _path(path: str, root: str = "") -> str:
    """``root['output'][0]['content']`` -> ``output[0].content`` (``root`` names the top)."""
    text = path.removeprefix("root")
    text = re.sub(r"\['([^'\]]*)'\]", r".\1", text)
    if root:
        return root + (text if text.startswith(("[", ".")) or not text else "." + text)
    return text.lstrip(".") or "(whole value)"


def diff_lines(old: Any, new: Any, *, root: str = "") -> list[str]:
    """Path-by-path differences from ``old`` (golden) to ``new`` (received).

    Paths read ``output[0].content``, or ``body.messages[0].content`` with ``root="body"``.
    """
    from deepdiff import DeepDiff

    diff = DeepDiff(old, new, verbose_level=2, view="tree")
    lines: list[str] = []
    count = 0
    for kind in (
        "values_changed",
        "type_changes",
        "dictionary_item_removed",
        "dictionary_item_added",
        "iterable_item_removed",
        "iterable_item_added",
    ):
        for level in sorted(diff.get(kind, []), key=lambda lv: lv.path()):
            count += 1
            if count > MAX_CHANGES:
                continue
            where = _path(level.path(), root)
            if kind.endswith("_removed"):
                lines.append(f"- {where}: {show(level.t1)} (removed)")
            elif kind.endswith("_added"):
                lines.append(f"+ {where}: {show(level.t2)} (added)")
            elif (
                isinstance(level.t1, str)
                and isinstance(level.t2, str)
                and ("\n" in level.t1 + level.t2 or len(level.t1) + len(level.t2) > 80)
            ):
                lines.append(f"~ {where}:")
                lines.extend("    " + line for line in word_diff(level.t1, level.t2))
            else:
                lines.append(f"~ {where}: {show(level.t1)} → {show(level.t2)}")
    if count > MAX_CHANGES:
        lines.append(f"… and {count - MAX_CHANGES} more change(s)")
    return lines
