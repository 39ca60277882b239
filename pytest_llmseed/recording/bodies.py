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


def decoded_body(headers: Any, raw: bytes) -> bytes:
    """A response body with its content-encoding decoded the way the client will decode it."""
    if "content-encoding" not in headers:
        return raw  # the usual replay: vcrpy stored the body decoded
    from .transports import http_library

    # Decoded through a response of our own (of the headers' library: httpx or httpx2),
    # without touching the client's stream.
    http = http_library(headers)
    decoded: bytes = http.Response(200, headers=headers, stream=http.ByteStream(raw)).read()
    return decoded


def parse_answer(headers: Any, text: str) -> tuple[Any, bool]:
    """An LLM answer's body as data (an SSE stream assembled), and whether it was streamed."""
    if "text/event-stream" in headers.get("content-type", ""):
        from .streams import assemble_stream

        return assemble_stream(text), True
    try:
        return json.loads(text), False
    except ValueError:
        return text, False
