"""The project's own secrets: ``llmseed_secret_patterns`` and ``llmseed_secret_headers``.

Values of the patterns found in a request or response are added to the test's secrets, so
everything that redacts the API key (cassettes, goldens, pending files, miss messages,
reports) redacts them too, and a live request is scrubbed the same way before matching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pytest_llmseed.exchange.bodies import iter_strings, parse_json
from pytest_llmseed.exchange.sse import looks_like_sse


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
        texts.extend(iter_strings(parse_json(body), keys=True))
        if looks_like_sse(body):
            from pytest_llmseed.providers.openai import assemble_stream

            texts.extend(iter_strings(assemble_stream(body), keys=True))
    else:
        texts.extend(iter_strings(body, keys=True))
    return {m[0] for text in texts for p in patterns for m in p.finditer(text) if m[0]}
