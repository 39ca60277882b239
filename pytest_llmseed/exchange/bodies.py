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


def decoded_body(headers: Any, raw: bytes) -> bytes:
    """A response body with its content-encoding decoded the way the client will decode it."""
    if "content-encoding" not in headers:
        return raw  # the usual replay: vcrpy stored the body decoded
    from pytest_llmseed.interception.transports import http_library

    # Decoded through a response of our own (of the headers' library: httpx or httpx2),
    # without touching the client's stream.
    http = http_library(headers)
    decoded: bytes = http.Response(200, headers=headers, stream=http.ByteStream(raw)).read()
    return decoded


def parse_answer(headers: Any, text: str) -> tuple[Any, bool]:
    """An LLM answer's body as data (an SSE stream assembled), and whether it was streamed."""
    if "text/event-stream" in headers.get("content-type", ""):
        from pytest_llmseed.exchange.sse import assemble_stream

        return assemble_stream(text), True
    return json_or_text(text), False


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
