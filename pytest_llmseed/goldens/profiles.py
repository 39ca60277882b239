"""Parsing of comparison profile names (``exact``, ``normalized``, ``json``, ``fuzzy[:r]``)."""

from __future__ import annotations

from typing import NamedTuple

PROFILE_NAMES = ("exact", "normalized", "json", "fuzzy")
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
