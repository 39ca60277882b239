"""One search for every secret at once: a compiled regex of them all (a trie when they are
many), redaction of a text in one pass, and the check of a file's final text."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "<llmseed:redacted>"

# Beyond this many secrets one flat alternation would try each at every position; a trie
# of them tries one branch per character instead.
_FLAT_LIMIT = 16
# JSON (\u002d) and YAML (\x2d) escapes a stored file could hide a key behind.
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\/")


def _trie_pattern(secrets: list[str]) -> str:
    """One regex of many literals as a trie: a branch per character, the longest match first."""
    root: dict[str, Any] = {}
    for secret in secrets:
        node = root
        for char in secret:
            node = node.setdefault(char, {})
        node[""] = True
    out: list[str] = []
    # Iterative (a long key must not exhaust the recursion limit): each item is a node to
    # expand, or a piece of pattern text to emit.
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        chars = sorted(c for c in item if c)
        if not chars:
            continue
        ends = "" in item
        if len(chars) == 1 and not ends:
            stack.extend([item[chars[0]], re.escape(chars[0])])
            continue
        stack.append(")?" if ends else ")")
        for index in range(len(chars) - 1, -1, -1):
            stack.extend([item[chars[index]], re.escape(chars[index])])
            if index:
                stack.append("|")
        stack.append("(?:")
    return "".join(out)


@functools.lru_cache(maxsize=16)
def _compiled(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """The marker, then every secret: one regex, so a text is searched once for all of them.

    The marker comes first so that text already redacted is left as it is.
    """
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not ordered:
        return None
    marker = re.escape(REDACTED)
    flat = "|".join(re.escape(s) for s in ordered)
    if len(ordered) <= _FLAT_LIMIT:
        return re.compile(f"{marker}|{flat}")
    try:
        return re.compile(f"{marker}|{_trie_pattern(ordered)}")
    except (RecursionError, re.error, OverflowError):
        # Too deep a trie for the regex compiler: slower, still one pass, still correct.
        return re.compile(f"{marker}|{flat}")


def secrets_regex(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """The compiled search for ``secrets`` (and the marker), or None when there are none."""
    return _compiled(tuple(secrets))


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every literal secret in ``text``: one pass, however many secrets and matches."""
    pattern = secrets_regex(secrets)
    return pattern.sub(REDACTED, text) if pattern is not None else text


def redact_bytes(body: bytes, secrets: list[str]) -> bytes:
    """Redact bytes that are not UTF-8: matched byte for byte through latin-1."""
    latin = secrets_regex([s.encode("utf-8", "surrogatepass").decode("latin-1") for s in secrets])
    if latin is None:
        return body
    return latin.sub(REDACTED, body.decode("latin-1")).encode("latin-1")


def leaks(text: str, secrets: Iterable[str]) -> bool:
    """Whether ``text`` (what is about to be written) still holds a secret, even escaped."""
    pattern = secrets_regex(secrets)
    if pattern is None:
        return False
    if any(m[0] != REDACTED for m in pattern.finditer(text)):
        return True
    if "\\" not in text:
        return False
    unescaped = _ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)) if (m[1] or m[2]) else "/", text)
    return any(m[0] != REDACTED for m in pattern.finditer(unescaped))
