"""Server-sent event streams: the SSE framing rules, whatever the provider."""

from __future__ import annotations

import re
from collections.abc import Iterator

_SSE_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _lines(text: str, start: int) -> Iterator[str]:
    """``_SSE_LINE_BREAK.split(text[start:])``, one line at a time (never the whole list)."""
    for match in _SSE_LINE_BREAK.finditer(text, start):
        yield text[start : match.start()]
        start = match.end()
    yield text[start:]


def iter_sse(text: str) -> Iterator[tuple[str | None, str]]:
    """Yield ``(event, data)`` per server-sent event, following the SSE framing rules."""
    # What OpenAI-compatible servers send: events of one ``data:`` line each, separated by
    # blank lines. Those are cut out directly; the first event of another shape hands the
    # rest of the text to the general rules (a blank line resets their state anyway).
    start = 0
    while (end := text.find("\n\n", start)) >= 0:
        block = text[start:end]
        if not block.startswith("data:") or "\n" in block or "\r" in block:
            break
        yield None, block[5:].removeprefix(" ")
        start = end + 2
    yield from _iter_sse_lines(text, start)


def _iter_sse_lines(text: str, start: int) -> Iterator[tuple[str | None, str]]:
    event: str | None = None
    data: list[str] = []
    # SSE lines end in CR, LF or CRLF only; str.splitlines would also split on U+2028 etc.
    # that a model may well write inside a JSON string.
    for line in _lines(text, start):
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield event, "\n".join(data)


def looks_like_sse(text: str) -> bool:
    """Whether a body reads as a server-sent event stream (its first field a known one)."""
    return text.lstrip("\r\n").startswith(("data:", "event:", "id:", "retry:", ":"))
