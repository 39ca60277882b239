"""HTTP bodies as JSON: one parser for matching, storage and the miss explanation."""

from __future__ import annotations

import json
from typing import Any

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
