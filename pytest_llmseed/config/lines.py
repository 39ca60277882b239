"""The ini-only line lists (volatile parts, the project's secrets) and ``volatile=``.

Kept apart from ``config``'s layers: these are not "most specific source wins" settings;
a marker's volatile entries are added to the ini's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from pytest_llmseed.config.options import LINE_LISTS
from pytest_llmseed.config.settings import Settings
from pytest_llmseed.config.values import NO_USER_SECRETS, NO_VOLATILE, UserSecrets, Volatile


class Rules(NamedTuple):
    """The ini-only line lists: volatile parts and the project's own secrets."""

    volatile: Volatile = NO_VOLATILE
    secrets: UserSecrets = NO_USER_SECRETS


NO_RULES = Rules()


def _ini_lines(config: pytest.Config, name: str) -> list[str]:
    raw = config.getini(name)
    lines = raw if isinstance(raw, list) else str(raw).splitlines()
    return [line.strip() for line in lines if line.strip()]


def ini_rules(config: pytest.Config) -> Rules:
    """``llmseed_volatile``, ``llmseed_secret_patterns``, ``llmseed_secret_headers``,
    checked: a bad entry is a usage error naming it and the ini file."""
    lines = {name: _ini_lines(config, name) for name, _ in LINE_LISTS}
    if not any(lines.values()):
        return NO_RULES  # most projects: nothing to parse (and no parser to import)
    where = str(config.inipath) if config.inipath else "the ini file"
    # Imported only for a project that has line lists: every pytest start-up runs this.
    from pytest_llmseed.config.entries import (
        parse_entries,
        parse_secret_header,
        parse_secret_pattern,
    )

    def check(name: str, parse: Any) -> Any:
        try:
            return parse(lines[name])
        except ValueError as exc:
            raise pytest.UsageError(f"{name} in {where}: {exc}") from None

    volatile = check("llmseed_volatile", parse_entries)
    patterns = check("llmseed_secret_patterns", lambda ls: tuple(map(parse_secret_pattern, ls)))
    headers = check("llmseed_secret_headers", lambda ls: frozenset(map(parse_secret_header, ls)))
    return Rules(volatile, UserSecrets(patterns, headers))


def marker_volatile(mark: pytest.Mark | None, base: Volatile) -> Volatile:
    """``base`` with the marker's ``volatile=[...]`` entries added; ValueError names a bad one."""
    entries = mark.kwargs.get("volatile") if mark is not None else None
    if entries is None:
        return base
    from pytest_llmseed.config.entries import combined  # a marked test only: see ini_rules

    if isinstance(entries, str) or not isinstance(entries, list | tuple):
        raise ValueError(
            f'volatile={entries!r}: must be a list of entries, e.g. volatile=["uuid", "date"]'
        )
    try:
        return combined(base, entries)
    except ValueError as exc:
        raise ValueError(f"volatile={list(entries)!r}: {exc}") from None


def with_rules(settings: Settings, rules: Rules, mark: pytest.Mark | None) -> Settings:
    """``settings`` with the ini's line lists and the marker's volatile entries added."""
    volatile = marker_volatile(mark, rules.volatile)
    return settings._replace(volatile=volatile, secrets=rules.secrets)
