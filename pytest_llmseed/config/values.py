"""The value types a test's settings carry: comparison profiles (and their parsing),
volatile entries, the project's own secrets. Stdlib only.

Kept apart from the modules that use them (``redaction/volatile.py``,
``redaction/project_secrets.py``, ``goldens/compare.py``): every pytest start-up needs
the types, for the defaults of ``config.settings.Settings``, and each module imported then
costs a plugin's start-up about as much as its whole content (pytest's assertion-rewriting
import hook handles every module of a plugin).
"""

from __future__ import annotations

import re
from typing import NamedTuple

PROFILE_NAMES = ("exact", "normalized", "json", "fuzzy")

PLACEHOLDER_KEY_ENV_VARS = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
)
"""The keys the SDKs refuse to build without: a placeholder during replay where unset.
google-genai also reads ``GOOGLE_API_KEY`` (before ``GEMINI_API_KEY``): it is redacted, not
given a placeholder, since two set at once make the SDK warn."""
KEY_ENV_VARS = (*PLACEHOLDER_KEY_ENV_VARS, "GOOGLE_API_KEY")
"""Environment variables that hold the API key: secrets known before any request is made."""
MIN_SECRET_LENGTH = 8
"""Shorter values are too likely to occur by accident to be searched for in text."""
DEFAULT_FUZZY_RATIO = 0.9


class Profile(NamedTuple):
    """A comparison profile: its name and, for ``fuzzy``, the similarity threshold."""

    name: str
    ratio: float = DEFAULT_FUZZY_RATIO

    def __str__(self) -> str:
        return f"fuzzy:{self.ratio:g}" if self.name == "fuzzy" else self.name


def parse_profile(text: str) -> Profile:
    """Parse ``exact``, ``normalized``, ``json``, ``fuzzy`` or ``fuzzy:0.85``; ValueError if bad."""
    name, sep, ratio_text = text.strip().partition(":")
    if name not in PROFILE_NAMES:
        raise ValueError(
            f"unknown comparison profile {text!r}; choose one of exact, normalized, json, "
            f"fuzzy or fuzzy:<ratio> (for example fuzzy:0.85)"
        )
    if not sep:
        return Profile(name)
    if name != "fuzzy":
        raise ValueError(f"profile {name!r} takes no ':' argument (only fuzzy:<ratio> does)")
    try:
        ratio = float(ratio_text)
    except ValueError:
        raise ValueError(
            f"fuzzy ratio {ratio_text!r} is not a number; write for example fuzzy:0.85"
        ) from None
    if not 0.0 < ratio <= 1.0:
        raise ValueError(f"fuzzy ratio {ratio_text} must be greater than 0 and at most 1")
    return Profile("fuzzy", ratio)


class Entry(NamedTuple):
    """One ``llmseed_volatile`` entry, compiled (parsed by ``recording/volatile.py``)."""

    text: str
    """As the user wrote it (``uuid``, ``re:ticket-(\\d+)``)."""
    pattern: re.Pattern[str]
    placeholder: str


class Volatile(NamedTuple):
    """The entries in force for one test, in the order they are applied."""

    entries: tuple[Entry, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.entries)

    @property
    def names(self) -> tuple[str, ...]:
        """The entries as written."""
        return tuple(entry.text for entry in self.entries)


NO_VOLATILE = Volatile()


class UserSecrets(NamedTuple):
    """The project's own secrets: ``llmseed_secret_patterns`` and ``llmseed_secret_headers``
    (parsed by ``recording/user_secrets.py``)."""

    patterns: tuple[re.Pattern[str], ...] = ()
    headers: frozenset[str] = frozenset()
    """Lower-case header names, dropped from requests and responses like ``authorization``."""


NO_USER_SECRETS = UserSecrets()


WHATIF_ANY = "*"
"""``--llmseed-swap-model *=MODEL``: every model a request names is swapped."""


class ModelSwap(NamedTuple):
    """``--llmseed-swap-model``: which model replaces which in a what-if run (``FROM=TO``
    entries in the order given; ``*`` as FROM swaps every model not named otherwise)."""

    entries: tuple[tuple[str, str], ...]

    def target(self, model: str) -> tuple[str, str] | None:
        """The entry that swaps ``model`` (its own one first, then ``*``), or None."""
        for wanted in (model, WHATIF_ANY):
            for entry in self.entries:
                if entry[0] == wanted:
                    return entry
        return None

    def __str__(self) -> str:
        return ", ".join(f"{old}={new}" for old, new in self.entries)


def parse_swap_entry(value: object) -> tuple[str, str]:
    """One ``FROM=TO`` of ``--llmseed-swap-model``: both names non-empty, no spaces."""
    text = value.strip() if isinstance(value, str) else ""
    old, sep, new = text.partition("=")
    old, new = old.strip(), new.strip()
    if not sep or not old or not new or "=" in new or any(c.isspace() for c in old + new):
        raise ValueError(
            f"expected FROM=TO (e.g. gpt-4o-mini=gpt-4.1-mini, or *=MODEL for every "
            f"model), got {value!r}"
        )
    return old, new


def parse_swap(values: list[str] | tuple[str, ...]) -> ModelSwap | None:
    """Every ``FROM=TO`` given (None when none was); a model named twice is an error."""
    entries = [parse_swap_entry(v) for v in values]
    seen: dict[str, str] = {}
    for old, new in entries:
        if seen.setdefault(old, new) != new:
            raise ValueError(f"{old!r} is swapped twice ({old}={seen[old]}, {old}={new})")
    return ModelSwap(tuple(dict.fromkeys(entries))) if entries else None
