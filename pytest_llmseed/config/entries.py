"""The entries of the line lists, parsed: volatile presets and ``re:`` regexes
(``llmseed_volatile``, the marker's ``volatile=``), secret patterns and header names
(``llmseed_secret_patterns``, ``llmseed_secret_headers``). ValueError names a bad entry."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pytest_llmseed.config.values import Entry, Volatile

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


def parse_secret_pattern(text: str) -> re.Pattern[str]:
    """One ``llmseed_secret_patterns`` line; ValueError names it."""
    return user_regex(text, text)


def parse_secret_header(text: str) -> str:
    """One ``llmseed_secret_headers`` line, lower-cased; ValueError names it."""
    name = text.strip()
    if not name or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
        raise ValueError(f"entry {text!r} is not an HTTP header name")
    return name.lower()
