"""HTTP bodies as JSON: one parser for matching, storage and the miss explanation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, Literal

# The C scanner behind json.loads, called without json.loads' Python frames: a stream
# is parsed chunk by chunk, one call per chunk. (A public attribute of every JSONDecoder
# that typeshed does not declare.)
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


def answer_data(headers: Any, text: str, assemble: Callable[[str], Any]) -> tuple[Any, bool]:
    """An answer's body as data, and whether it was streamed: an event stream is put
    together by the provider's ``assemble``, anything else read as JSON (or kept as text)."""
    if "text/event-stream" in headers.get("content-type", ""):
        return assemble(text), True
    return json_or_text(text), False


def dump_json(data: Any) -> str:
    """``data`` as compact JSON text, non-ASCII characters kept as they are."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def content_type_of(headers: Any) -> str:
    """The Content-Type of a header mapping in any casing (values may be lists), or ``""``."""
    for name, values in (headers or {}).items():
        if name.lower() == "content-type":
            if isinstance(values, list):
                return str(values[0]) if values else ""
            return str(values)
    return ""


def map_strings(
    value: Any,
    func: Callable[[str], Any],
    *,
    keys: bool = False,
    sequences: Literal["keep", "list", "lists_only"] = "keep",
) -> Any:
    """A copy of JSON-like data with ``func`` applied to every string in it.

    ``keys``: dict keys are mapped too, else kept. ``sequences``: lists and tuples keep
    their type (``"keep"``), both become lists (``"list"``), or lists become lists and
    tuples are left as they are (``"lists_only"``).
    """

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return func(item)
        if isinstance(item, list | tuple):
            if sequences == "keep":
                return type(item)(walk(child) for child in item)
            if sequences == "list" or isinstance(item, list):
                return [walk(child) for child in item]
            return item
        if isinstance(item, dict):
            if keys:
                return {walk(key): walk(child) for key, child in item.items()}
            return {key: walk(child) for key, child in item.items()}
        return item

    return walk(value)


def iter_strings(value: Any, *, keys: bool = False) -> Iterator[str]:
    """Every string in JSON-like data (dicts, lists, tuples), depth first.

    ``keys``: each dict key, as ``str``, comes before its value's strings.
    """
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, child in value.items():
            if keys:
                yield str(key)
            yield from iter_strings(child, keys=keys)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from iter_strings(child, keys=keys)
