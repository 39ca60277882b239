"""HTTP bodies as JSON: one parser for matching, storage and the miss explanation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# The C scanner behind json.loads, called without json.loads' three Python frames: a
# 20,000-chunk stream makes 20,000 calls. (A public attribute of every JSONDecoder that
# typeshed does not declare.)
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]

NOT_JSON: Any = object()
"""What ``parse_json`` gives for a body that is empty, not UTF-8 or not JSON."""


def parse_json(raw: object) -> Any:
    """A body's JSON value, or ``NOT_JSON``."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return NOT_JSON
    if not isinstance(raw, str) or not raw.strip():
        return NOT_JSON
    try:
        return json.loads(raw)
    except ValueError:
        return NOT_JSON


def json_or_text(text: str) -> Any:
    """``json.loads(text)``, or the text itself if it is not JSON.

    The scanner takes the usual case whole; anything it does not (a leading space,
    trailing text, not JSON at all) goes to ``json.loads``, which decides by its own rules.
    """
    try:
        value, end = _SCAN(text, 0)
        if end == len(text):
            return value
    except (StopIteration, ValueError):
        pass
    try:
        return json.loads(text)
    except ValueError:
        return text
