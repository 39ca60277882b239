"""The project's own secrets: ``llmseed_secret_patterns`` and ``llmseed_secret_headers``.

Values of the patterns found in a request or response are added to the test's secrets, so
everything that redacts the API key (cassettes, goldens, pending files, miss messages,
reports) redacts them too, and a live request is scrubbed the same way before matching.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from pytest_llmseed.exchange.sse import looks_like_sse


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield str(key)
            yield from _strings(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from _strings(child)


def pattern_matches(body: Any, patterns: Iterable[re.Pattern[str]]) -> set[str]:
    """Every value of ``patterns`` in a body (bytes / text, its JSON strings, an SSE stream's
    assembled answer), so it can be redacted like a key wherever it is written."""
    patterns = tuple(patterns)
    if not patterns or body is None:
        return set()
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    texts: list[str] = []
    if isinstance(body, str):
        texts.append(body)
        # JSON escapes (\u00e9, \/) can split a value in the raw text: its strings too.
        texts.extend(_strings(_loads(body)))
        if looks_like_sse(body):
            from pytest_llmseed.providers.openai import assemble_stream

            texts.extend(_strings(assemble_stream(body)))
    else:
        texts.extend(_strings(body))
    return {m[0] for text in texts for p in patterns for m in p.finditer(text) if m[0]}


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
