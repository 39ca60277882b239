"""Parts of requests that change from run to run: presets, entries, placeholder substitution.

An entry (``uuid``, ``date``, ..., or ``re:<regex>``) names values that may differ between
two runs of the same test. Matching replaces every value of an entry by the entry's
placeholder on both sides, so any match equals any other match of the same entry; goldens
show the placeholders; cassettes keep the real values. No pytest, vcrpy or openai here.
"""

from __future__ import annotations

import re
from typing import Any

from pytest_llmseed.config.entries import PRESETS, combined
from pytest_llmseed.config.values import Entry, Volatile


def _replacer(entry: Entry) -> Any:
    if not entry.pattern.groups:
        return entry.placeholder

    def replace(match: re.Match[str]) -> str:
        # With a group, only the group varies: ``re:ticket #(\d+)`` keeps "ticket #".
        start, end = match.span(1)
        if start < 0:
            return match[0]
        offset = match.start()
        whole = match[0]
        return whole[: start - offset] + entry.placeholder + whole[end - offset :]

    return replace


def substitute(text: str, volatile: Volatile) -> str:
    """``text`` with every volatile value replaced by its entry's placeholder."""
    for entry in volatile.entries:
        text = entry.pattern.sub(_replacer(entry), text)
    return text


def substitute_data(value: Any, volatile: Volatile) -> Any:
    """A copy of JSON-like data with placeholders in every string value (keys kept)."""
    if not volatile:
        return value
    if isinstance(value, str):
        return substitute(value, volatile)
    if isinstance(value, list | tuple):
        return [substitute_data(v, volatile) for v in value]
    if isinstance(value, dict):
        return {k: substitute_data(v, volatile) for k, v in value.items()}
    return value


def suggest(old: Any, new: Any, configured: Volatile) -> list[str]:
    """Presets that would make ``old`` and ``new`` (JSON data or text) equal, fewest first.

    Empty when no combination of presets does: the requests differ in more than values
    that look like a preset.
    """
    missing = [name for name in PRESETS if name not in configured.names]

    def equal_with(names: list[str]) -> bool:
        volatile = combined(configured, names)
        return bool(substitute_data(old, volatile) == substitute_data(new, volatile))

    for name in missing:
        if equal_with([name]):
            return [name]
    if not missing or not equal_with(missing):
        return []
    needed = list(missing)
    for name in missing:  # drop the presets the others do without
        trial = [n for n in needed if n != name]
        if trial and equal_with(trial):
            needed = trial
    return needed
