"""Path-by-path diffs of golden documents (deepdiff), word-level where text changed.

Bounded: deepdiff aligns lists and line-diffs multi-line strings with difflib, whose cost
grows faster than its input. So long texts reach deepdiff as short stand-ins (their diff is
``word_diff``'s, which has a linear work bound), long lists are compared index by index,
and a document of more than ``MAX_VALUES`` values is diffed line by line as text.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from pytest_llmseed.goldens.worddiff import show, word_diff

MAX_CHANGES = 30
MAX_VALUES = 20_000
"""Values (map entries, list items, scalars) of both documents past which the path-by-path
diff gives way to a line diff of the documents as text."""
MAX_ALIGNED_ITEMS = 64
"""Longest list deepdiff aligns (an inserted item shown as one); longer ones are compared
index by index."""


def too_large() -> str:
    """What a diff of documents too large for a path-by-path diff says."""
    return f"more than {MAX_VALUES} values for a path-by-path diff: the documents as text"


def lists_by_index() -> str:
    """What a diff with lists too long to align says."""
    return f"lists of more than {MAX_ALIGNED_ITEMS} items compared index by index"


def _path(path: str, root: str = "") -> str:
    """``root['output'][0]['content']`` -> ``output[0].content`` (``root`` names the top)."""
    text = path.removeprefix("root")
    text = re.sub(r"\['([^'\]]*)'\]", r".\1", text)
    if root:
        return root + (text if text.startswith(("[", ".")) or not text else "." + text)
    return text.lstrip(".") or "(whole value)"


class _Texts:
    """Long strings swapped for short stand-ins (equal strings, equal stand-ins) and back.

    A stand-in holds a random part, so no string of the documents can pass for one.
    """

    def __init__(self) -> None:
        self._prefix = f"\x00{secrets.token_hex(8)}:"
        self._ids: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        self.values = 0
        self.long_list = False

    def swap(self, value: Any) -> Any:
        self.values += 1
        if isinstance(value, str):
            if "\n" not in value and len(value) <= 80:
                return value
            token = self._ids.get(value)
            if token is None:
                token = self._ids[value] = f"{self._prefix}{len(self._ids)}"
                self._texts[token] = value
            return token
        if isinstance(value, dict):
            return {key: self.swap(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            self.long_list = self.long_list or len(value) > MAX_ALIGNED_ITEMS
            return [self.swap(item) for item in value]
        return value

    def back(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._texts.get(value, value)
        if isinstance(value, dict):
            return {key: self.back(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.back(item) for item in value]
        return value


def count_values(value: Any, limit: int) -> int:
    """How many values ``value`` holds (map entries, items, scalars), counted up to ``limit``."""
    count, stack = 0, [value]
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return count


def _as_text(value: Any) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False, default=repr)


def diff_lines(old: Any, new: Any, *, root: str = "") -> list[str]:
    """Path-by-path differences from ``old`` (golden) to ``new`` (received).

    Paths read ``output[0].content``, or ``body.messages[0].content`` with ``root="body"``.
    """
    if count_values(old, MAX_VALUES) + count_values(new, MAX_VALUES) > MAX_VALUES:
        where = root or "(whole value)"
        text_diff = word_diff(_as_text(old), _as_text(new))
        return [f"~ {where}: {too_large()}", *("    " + line for line in text_diff)]
    from deepdiff import DeepDiff

    texts = _Texts()
    old_swapped, new_swapped = texts.swap(old), texts.swap(new)
    diff = DeepDiff(
        old_swapped,
        new_swapped,
        verbose_level=2,
        view="tree",
        zip_ordered_iterables=texts.long_list,
    )
    lines: list[str] = [f"({lists_by_index()})"] if texts.long_list and diff else []
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
            t1, t2 = texts.back(level.t1), texts.back(level.t2)
            if kind.endswith("_removed"):
                lines.append(f"- {where}: {show(t1)} (removed)")
            elif kind.endswith("_added"):
                lines.append(f"+ {where}: {show(t2)} (added)")
            elif (
                isinstance(t1, str)
                and isinstance(t2, str)
                and ("\n" in t1 + t2 or len(t1) + len(t2) > 80)
            ):
                lines.append(f"~ {where}:")
                lines.extend("    " + line for line in word_diff(t1, t2))
            else:
                lines.append(f"~ {where}: {show(t1)} → {show(t2)}")
    if count > MAX_CHANGES:
        lines.append(f"… and {count - MAX_CHANGES} more change(s)")
    return lines
