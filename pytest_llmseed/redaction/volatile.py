"""Parts of requests that change from run to run: presets, entries, placeholder substitution.

An entry (``uuid``, ``date``, ..., or ``re:<regex>``) names values that may differ between
two runs of the same test. Matching replaces every value of an entry by the entry's
placeholder on both sides, so any match equals any other match of the same entry; goldens
show the placeholders; cassettes keep the real values. No pytest, vcrpy or openai here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from pytest_llmseed.config.values import NO_VOLATILE, Entry, Volatile

# Most specific first: a datetime is tried before the date inside it. The date of a model
# snapshot name (``gpt-4o-2024-08-06``) follows a dash and is left alone.
PRESETS: dict[str, str] = {
    "datetime": r"(?<![\w.-])\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?(?![\w:.-])",
    "date": r"(?<![\w.-])\d{4}-\d{2}-\d{2}(?![\d-])",
    "uuid": r"(?<![\w-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
    r"-[0-9a-fA-F]{12}(?![\w-])",
    "timestamp": r"(?<![\w.])(?:\d{13}|\d{10})(?!\w)",
    "hex-id": r"(?<![\w-])[0-9a-fA-F]{16,}(?![\w-])",
}
PRESET_DESCRIPTIONS: dict[str, str] = {
    "uuid": "a UUID",
    "date": "an ISO date",
    "datetime": "an ISO 8601 date-time",
    "timestamp": "an epoch timestamp",
    "hex-id": "a hex id",
}
REGEX_PREFIX = "re:"


def user_regex(entry: str, source: str) -> re.Pattern[str]:
    """A regex from an ini line or marker entry; ValueError names the entry."""
    try:
        pattern = re.compile(source)
    except re.error as exc:
        raise ValueError(f"entry {entry!r} is not a valid regex ({exc})") from None
    if pattern.match(""):
        raise ValueError(f"entry {entry!r} matches the empty string")
    return pattern


def parse_entry(text: object, index: int = 1) -> Entry:
    """One entry; ValueError names it and says what is allowed.

    ``index`` numbers the ``re:`` entries, whose placeholder is ``<volatile:N>``.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"entry {text!r} is not a preset name or re:<regex>")
    entry = text.strip()
    if entry in PRESETS:
        return Entry(entry, re.compile(PRESETS[entry]), f"<{entry}>")
    if entry.startswith(REGEX_PREFIX):
        source = entry[len(REGEX_PREFIX) :]
        if not source:
            raise ValueError(f"entry {entry!r} has an empty regex")
        return Entry(entry, user_regex(entry, source), f"<volatile:{index}>")
    raise ValueError(
        f"unknown entry {entry!r}; use a preset ({', '.join(sorted(PRESETS))}) or re:<regex>"
    )


def parse_entries(texts: Iterable[object]) -> Volatile:
    """Entries as configured: ``re:`` ones first in their order, then presets, most
    specific first. Duplicates count once. ValueError names the first bad entry."""
    regexes: list[Entry] = []
    presets: dict[str, Entry] = {}
    seen: set[str] = set()
    for text in texts:
        key = text.strip() if isinstance(text, str) else text
        if key in seen:
            continue
        entry = parse_entry(text, len(regexes) + 1)
        seen.add(entry.text)
        if entry.text in PRESETS:
            presets[entry.text] = entry
        else:
            regexes.append(entry)
    ordered = [presets[name] for name in PRESETS if name in presets]
    return Volatile((*regexes, *ordered))


def combined(base: Volatile, extra: Iterable[object]) -> Volatile:
    """``base``'s entries with ``extra`` added (a marker's entries added to the ini's)."""
    return parse_entries([*base.names, *extra])


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


ACTIVE: ContextVar[Volatile] = ContextVar("llmseed_volatile", default=NO_VOLATILE)
"""The running test's entries, for the golden extension (which is not handed settings)."""
