"""Comparison profiles: is a new golden document the same as the stored one? Pure functions."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

from pytest_llmseed.config.values import Profile
from pytest_llmseed.exchange.bodies import NOT_JSON, map_strings, parse_json
from pytest_llmseed.goldens import summaries
from pytest_llmseed.providers.registry import EMBEDDING_ENDPOINTS

JSON_SIGNIFICANT_DIGITS = 6
"""Numbers under the ``json`` profile are equal to 6 decimal places (0.30000000000000004 == 0.3)."""

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+|[^\w\s]")


def normalize_text(text: str) -> str:
    """NFKC, straight quotes, whitespace runs collapsed and trimmed."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip()


def similarity(old: str, new: str) -> float:
    """Word-level similarity in [0, 1]: twice the words both share in order over all their
    words; 1.0 for identical texts.

    The cost is bounded linearly in the texts' length (a hostile golden must not cost
    minutes): texts too far apart to align word by word within it are aligned line by line,
    and beyond that count as 0.0 (not similar), so a comparison never passes by giving up.
    """
    if old == new:
        return 1.0
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if not a and not b:
        return 1.0
    # The diff module is imported by failures only: a passing replay of equal texts skips it.
    from pytest_llmseed.goldens.worddiff import common_items

    shared = common_items(a, b)
    if shared is not None:
        return 2 * shared / (len(a) + len(b))
    lines_a, lines_b = old.splitlines(), new.splitlines()
    shared_lines = common_items(lines_a, lines_b)
    if shared_lines is None:
        return 0.0
    # The words of the lines both share, over all words: a lower bound of the word measure.
    kept = Counter(lines_a) & Counter(lines_b)
    words = sum(len(_TOKEN.findall(line)) * count for line, count in kept.items())
    return min(1.0, 2 * words / (len(a) + len(b))) if shared_lines else 0.0


def parse_json_leaf(text: str) -> Any:
    """JSON text (or a ```json fence) as data; any other text as it is."""
    stripped = text.strip()
    if stripped[:1] in ("{", "[") or stripped.removeprefix("```json").strip()[:1] in ("{", "["):
        candidate = stripped.removeprefix("```json").removesuffix("```").strip()
        value = parse_json(candidate)
        return text if value is NOT_JSON else value
    return text


def _fuzzy_equal(old: Any, new: Any, ratio: float) -> bool:
    if isinstance(old, str) and isinstance(new, str):
        return similarity(old, new) >= ratio
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(
            _fuzzy_equal(a, b, ratio) for a, b in zip(old, new, strict=True)
        )
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_fuzzy_equal(old[k], new[k], ratio) for k in old)
    return bool(old == new)


def outputs_equal(old: Any, new: Any, profile: Profile) -> bool:
    """Compare two outputs under ``profile``; only outputs are compared leniently."""
    if old == new:
        return True
    if profile.name == "normalized":
        return bool(
            map_strings(old, normalize_text, sequences="lists_only")
            == map_strings(new, normalize_text, sequences="lists_only")
        )
    if profile.name == "json":
        from deepdiff import DeepDiff

        diff = DeepDiff(
            map_strings(old, parse_json_leaf, sequences="lists_only"),
            map_strings(new, parse_json_leaf, sequences="lists_only"),
            ignore_order=True,
            significant_digits=JSON_SIGNIFICANT_DIGITS,
            ignore_numeric_type_changes=True,
        )
        return not diff
    if profile.name == "fuzzy":
        return _fuzzy_equal(old, new, profile.ratio)
    return False


def compared_parts(document: Any) -> list[tuple[Any, Any]]:
    """``(request, output)`` of each answer in a golden document (one, or one per call)."""
    if not isinstance(document, dict):
        return [(None, document)]
    if document.get("kind") == "calls":
        calls = document.get("calls")
        return [
            ((c.get("endpoint"), c.get("request")), c.get("output"))
            for c in (calls if isinstance(calls, list) else [])
            if isinstance(c, dict)
        ]
    return [((document.get("endpoint"), document.get("request")), document.get("output"))]


def documents_match(old: Any, new: Any, profile: Profile) -> bool:
    """Same requests (exactly) and same outputs (under the profile); meta is not compared."""
    a, b = compared_parts(old), compared_parts(new)
    if len(a) != len(b):
        return False
    return all(
        req_a == req_b and _outputs_match(req_a, out_a, out_b, profile)
        for (req_a, out_a), (req_b, out_b) in zip(a, b, strict=True)
    )


def _outputs_match(request: Any, old: Any, new: Any, profile: Profile) -> bool:
    if isinstance(request, tuple) and request[0] in EMBEDDING_ENDPOINTS and old != new:
        # Vectors: compared with a tolerance under every profile (float noise is not drift).
        return summaries.embeddings_equal(old, new)
    return outputs_equal(old, new, profile)
