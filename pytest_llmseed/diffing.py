"""Human diffs of golden documents (deepdiff, word-level for text) and the triage line."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from .compare import compared_parts, similarity

CONTEXT_WORDS = 6
MAX_HUNKS = 8
MAX_CHANGES = 30
# A word with the whitespace after it: whitespace changes still show, and matching works on
# words (a whitespace piece of its own would match everywhere and make diffs slow).
_PIECES = re.compile(r"\s+|\S+\s*")


def _path(path: str) -> str:
    """``root['output'][0]['content']`` -> ``output[0].content``."""
    text = path.removeprefix("root")
    text = re.sub(r"\['([^'\]]*)'\]", r".\1", text)
    return text.lstrip(".") or "(whole value)"


def _show(value: Any, limit: int = 120) -> str:
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


def word_diff(old: str, new: str) -> list[str]:
    """Changed regions of a text with a few words of context: ``[-old-]{+new+}``.

    Only the regions around changes are shown, so a one-word change in a 2,000-word answer
    is one short line, not the answer twice.
    """
    a, b = _PIECES.findall(old), _PIECES.findall(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    groups = list(matcher.get_grouped_opcodes(2 * CONTEXT_WORDS))
    summary = f"{len(old.split())} → {len(new.split())} words, {len(groups)} changed region(s)"
    ratio = similarity(old, new)
    if ratio < 0.5:
        # Mostly rewritten: word hunks would be noise; show both beginnings instead.
        return [
            f"{summary}, mostly rewritten (similarity {ratio:.0%})",
            f"- {_show(old, 200)}",
            f"+ {_show(new, 200)}",
        ]
    lines = [summary]
    for group in groups[:MAX_HUNKS]:
        lead = "…" if group[0][1] > 0 else ""
        tail = "…" if group[-1][2] < len(a) else ""
        lines.append(lead + "".join(_render(op, a, b) for op in group) + tail)
    if len(groups) > MAX_HUNKS:
        lines.append(f"… and {len(groups) - MAX_HUNKS} more changed region(s)")
    return lines


def diff_lines(old: Any, new: Any) -> list[str]:
    """Path-by-path differences from ``old`` (golden) to ``new`` (received)."""
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
            where = _path(level.path())
            if kind.endswith("_removed"):
                lines.append(f"- {where}: {_show(level.t1)} (removed)")
            elif kind.endswith("_added"):
                lines.append(f"+ {where}: {_show(level.t2)} (added)")
            elif (
                isinstance(level.t1, str)
                and isinstance(level.t2, str)
                and ("\n" in level.t1 + level.t2 or len(level.t1) + len(level.t2) > 80)
            ):
                lines.append(f"~ {where}:")
                lines.extend("    " + line for line in word_diff(level.t1, level.t2))
            else:
                lines.append(f"~ {where}: {_show(level.t1)} → {_show(level.t2)}")
    if count > MAX_CHANGES:
        lines.append(f"… and {count - MAX_CHANGES} more change(s)")
    return lines


def _metas(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    if document.get("kind") == "calls":
        return [c.get("meta") or {} for c in document.get("calls") or [] if isinstance(c, dict)]
    return [document.get("meta") or {}]


def triage(old: Any, new: Any) -> str:
    """One line saying the likely cause: the request, the backend, or the output itself."""
    old_parts, new_parts = compared_parts(old), compared_parts(new)
    old_requests = [r for r, _ in old_parts]
    new_requests = [r for r, _ in new_parts]
    if old_requests != new_requests:
        if len(old_requests) != len(new_requests):
            what = f"{len(old_requests)} → {len(new_requests)} LLM calls"
        else:
            first = next(
                i for i, (a, b) in enumerate(zip(old_requests, new_requests, strict=True)) if a != b
            )
            (old_endpoint, old_body), (new_endpoint, new_body) = (
                old_requests[first],
                new_requests[first],
            )
            if old_endpoint != new_endpoint:
                what = f"endpoint {old_endpoint} → {new_endpoint}"
            else:
                changed = diff_lines(old_body, new_body)
                what = changed[0].lstrip("~+- ") if changed else "request body"
            if len(old_requests) > 1:
                what = f"call {first + 1}: {what}"
        return f"triage: request changed: the code now asks something else ({what})"
    for a, b in zip(_metas(old), _metas(new), strict=False):
        if a.get("seed") != b.get("seed"):
            return f"triage: request changed: seed {a.get('seed')} → {b.get('seed')}"
    backend: list[tuple[str, Any, Any]] = []
    for a, b in zip(_metas(old), _metas(new), strict=False):
        for key in ("system_fingerprint", "model"):
            change = (key, a.get(key), b.get(key))
            if change[1] != change[2] and change not in backend:
                backend.append(change)
    if backend:
        shown = "; ".join(f"{k} {x} → {y}" for k, x, y in backend)
        return f"triage: backend changed: {shown}"
    return (
        "triage: output changed at the same request and backend "
        "(sampling noise or a real regression)"
    )
